/* eslint-disable no-console -- a command-line entry point talks on stdout */
import { startSandbox } from './index';

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`${name} must be a port number (0-65535).`);
    process.exit(1);
  }
  return port;
}

/** `true`/`false` (also 1/0, yes/no, on/off); unset or empty is `false`. */
function flagFromEnv(name: string): boolean {
  const raw = (process.env[name] ?? '').trim().toLowerCase();
  if (['', '0', 'false', 'no', 'off'].includes(raw)) return false;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  console.error(`${name} must be true or false.`);
  process.exit(1);
}

async function main(): Promise<void> {
  const ttl = Number(process.env.SANDBOX_CODE_TTL_SECONDS ?? 300);
  if (!Number.isInteger(ttl) || ttl < 1) {
    console.error('SANDBOX_CODE_TTL_SECONDS must be a positive integer.');
    process.exit(1);
  }
  const sandbox = await startSandbox({
    host: '127.0.0.1',
    httpPort: portFromEnv('SANDBOX_HTTP_PORT', 8081),
    mtprotoPort: portFromEnv('SANDBOX_MTPROTO_PORT', 8443),
    codeTtlSeconds: ttl,
    // Unset or empty: the world lives in memory only (`npm start` sets it to <repo>/.sandbox-data).
    dataDir: process.env.SANDBOX_DATA_DIR || undefined,
    resetOnStart: flagFromEnv('SANDBOX_RESET'),
    log: (message) => console.error(message),
  });
  console.log('Telegram sandbox running');
  console.log(`  Bot API (telegraf apiRoot): ${sandbox.httpUrl}`);
  console.log(`  Control API:                ${sandbox.httpUrl}/sandbox`);
  console.log(`  MTProto:                    ${sandbox.mtprotoHost}:${sandbox.mtprotoPort}`);
  console.log(`  MTProto key fingerprint:    ${sandbox.publicKey.fingerprint}`);
  const storage = sandbox.storage;
  if (!storage) {
    console.log('  World:                      in memory (set SANDBOX_DATA_DIR to keep it across restarts)');
  } else {
    const found = { loaded: 'the stored world', new: 'a new world', recovered: 'an empty world' }[storage.loaded.state];
    const wiped = flagFromEnv('SANDBOX_RESET') ? ', emptied by SANDBOX_RESET; ids keep counting up' : '';
    console.log(`  World:                      ${storage.file} (${found}${wiped})`);
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, shutting down`);
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('shutdown failed:', err instanceof Error ? err.message : err);
        process.exit(1);
      },
    );
  };
  // Under `npm start` a Ctrl-C reaches every process of the terminal's group at once. The supervisor stops the
  // sandbox (SIGTERM) once the product has stopped, so the product's sessions and pollers end while Telegram is
  // still there, as they would in production; the sandbox alone (`npm run sandbox`) stops on SIGINT.
  if (flagFromEnv('SANDBOX_SUPERVISED')) {
    process.on('SIGINT', () => console.log('SIGINT received: stopping after the product'));
  } else {
    process.on('SIGINT', () => stop('SIGINT'));
  }
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** Tells a supervisor (`npm start`) the ports are taken (a sandbox already running there), not a crash. */
const EXIT_PORTS_IN_USE = 98;

main().catch((err: unknown) => {
  console.error('sandbox failed to start:', err instanceof Error ? err.message : err);
  process.exit((err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? EXIT_PORTS_IN_USE : 1);
});
