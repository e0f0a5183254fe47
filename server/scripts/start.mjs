// `npm start`: install if needed, build, prepare the database, run the product (API + worker + console) and, in
// sandbox mode, the Telegram sandbox as a process of its own.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  ROOT,
  SERVER,
  ensureInstalled,
  ensureServices,
  fail,
  log,
  run,
} from './bootstrap.mjs';
import { superviseSandbox } from './sandbox-process.mjs';

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

ensureInstalled();
const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
const redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
await ensureServices(databaseUrl, redisUrl);

log('Building the server…');
if (run('npm', ['run', 'build', '-w', 'server']) !== 0) fail('The server build failed; see the output above.');

const consoleIndex = path.join(ROOT, 'admin-console', 'dist', 'browser', 'index.html');
const consoleSrc = path.join(ROOT, 'admin-console', 'src');
if (!existsSync(consoleIndex) || newestMtime(consoleSrc) > statSync(consoleIndex).mtimeMs) {
  log('Building the admin console…');
  if (run('npm', ['run', 'build', '-w', 'admin-console'], { env: { NG_CLI_ANALYTICS: 'false' } }) !== 0) {
    fail('The admin console build failed; see the output above.');
  }
}

log('Preparing the database (create if missing, run migrations)…');
const main = path.join(SERVER, 'dist', 'server', 'src', 'main.js');
const migrate = path.join(SERVER, 'dist', 'server', 'src', 'cli', 'migration.js');
if (run(process.execPath, [migrate, 'run'], { env: { DATABASE_URL: databaseUrl } }) !== 0) {
  fail('Migrations failed; see the output above.');
}

// The same rule as the server's config: sandbox mode unless production or a real system bot is configured.
const telegramMode =
  process.env.TELEGRAM_MODE ||
  (process.env.NODE_ENV === 'production' || process.env.SYSTEM_BOT_TOKEN ? 'real' : 'sandbox');
const embedSandbox = ['1', 'true', 'yes', 'on'].includes((process.env.SANDBOX_EMBED ?? '').toLowerCase());
let sandbox;
if (telegramMode === 'sandbox' && !embedSandbox) {
  log('Starting the Telegram sandbox (a process of its own)…');
  // The sandbox keeps its world (bots, channels, sessions, id counters) here, as the product's database keeps its
  // side; SANDBOX_DATA_DIR= (empty) keeps it in memory only.
  const rawDataDir = process.env.SANDBOX_DATA_DIR;
  const dataDir = rawDataDir === undefined ? path.join(ROOT, '.sandbox-data') : rawDataDir && path.resolve(rawDataDir);
  sandbox = await superviseSandbox({
    entry: path.join(SERVER, 'dist', 'server', 'src', 'sandbox', 'main.js'),
    execArgv: ['--enable-source-maps'],
    cwd: SERVER,
    env: { ...process.env, SANDBOX_DATA_DIR: dataDir },
  });
  if (sandbox.state === 'in-use') {
    log('The sandbox ports are taken: using the sandbox already running there (npm run sandbox).');
  } else if (sandbox.state === 'failed') {
    fail('The Telegram sandbox failed to start; see the output above.');
  }
}

log('Starting Tenantgram…');
const child = spawn(process.execPath, ['--enable-source-maps', '--max-semi-space-size=64', main], {
  stdio: 'inherit',
  cwd: SERVER,
  env: {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    LOG_PRETTY: process.env.LOG_PRETTY ?? 'true',
    SANDBOX_EMBED: embedSandbox ? 'true' : 'false',
  },
});
// The product stops first, while Telegram (the sandbox) is still there to end its sessions with; the sandbox
// is stopped when the product has exited (below).
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.on('exit', async (code, signal) => {
  await sandbox?.stop?.();
  process.exit(code ?? (signal ? 1 : 0));
});
