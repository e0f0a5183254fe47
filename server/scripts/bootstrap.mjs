// Shared by `npm start` and `npm test`: plain Node, no dependencies, so it runs on a fresh clone.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SERVER = path.join(ROOT, 'server');

export function log(message) {
  process.stdout.write(`\u001b[36m[tenantgram]\u001b[0m ${message}\n`);
}

export function fail(message) {
  process.stderr.write(`\u001b[31m[tenantgram]\u001b[0m ${message}\n`);
  process.exit(1);
}

export function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts, env: { ...process.env, ...opts.env } });
  if (res.error) fail(`${cmd} ${args.join(' ')} could not start: ${res.error.message}`);
  return res.status ?? 1;
}

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

/** Installs dependencies when node_modules is missing or older than the lockfile. */
export function ensureInstalled() {
  const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  if (mtime(marker) >= mtime(lock) && existsSync(path.join(ROOT, 'node_modules', '@nestjs', 'core'))) return;
  log('Installing dependencies (npm ci)…');
  if (run('npm', ['ci', '--no-audit', '--no-fund']) !== 0) fail('npm ci failed; see the output above.');
}

function probe(host, port, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/tenantgram';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Exits with a message naming what is down and how to start it. */
export async function ensureServices(databaseUrl = DEFAULT_DATABASE_URL, redisUrl = DEFAULT_REDIS_URL) {
  const pg = new URL(databaseUrl);
  const redis = new URL(redisUrl);
  const [pgUp, redisUp] = await Promise.all([
    probe(pg.hostname, Number(pg.port || 5432)),
    probe(redis.hostname, Number(redis.port || 6379)),
  ]);
  const problems = [];
  if (!pgUp) {
    problems.push(
      `PostgreSQL is not reachable at ${pg.hostname}:${pg.port || 5432} (DATABASE_URL). Start it, e.g.:\n` +
        '    pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    );
  }
  if (!redisUp) {
    problems.push(
      `Redis is not reachable at ${redis.hostname}:${redis.port || 6379} (REDIS_URL). Start it, e.g.:\n` +
        '    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
    );
  }
  if (problems.length) fail(problems.join('\n'));
}

export const CHROMIUM = '/usr/bin/chromium';

/** Installs a Debian package with apt when we may (root, apt present); otherwise says how. */
function aptInstall(pkg, why) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || spawnSync('which', ['apt-get']).status !== 0) fail(`${why}: sudo apt-get install -y ${pkg}`);
  log(`Installing ${pkg} (${why.toLowerCase()})…`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  if (
    run('apt-get', ['update', '-qq'], { env }) !== 0 ||
    run('apt-get', ['install', '-y', '-qq', pkg], { env }) !== 0
  ) {
    fail(`Installing ${pkg} failed; see the output above.`);
  }
}

/** The console's browser tests drive Debian's Chromium. */
export function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  aptInstall('chromium', `The admin console's browser tests need Chromium at ${CHROMIUM}`);
}

/** The sandbox's MTProto specs also drive Telethon v1, a second real client (Debian's package; no PyPI). */
export function ensureTelethon() {
  if (spawnSync('/usr/bin/python3', ['-c', 'import telethon']).status === 0) return;
  aptInstall('python3-telethon', "The sandbox's MTProto specs need Telethon for Python 3");
}
