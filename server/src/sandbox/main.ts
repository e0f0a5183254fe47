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
  });
  console.log('Telegram sandbox running');
  console.log(`  Bot API (telegraf apiRoot): ${sandbox.httpUrl}`);
  console.log(`  Control API:                ${sandbox.httpUrl}/sandbox`);
  console.log(`  MTProto:                    ${sandbox.mtprotoHost}:${sandbox.mtprotoPort}`);
  console.log(`  MTProto key fingerprint:    ${sandbox.publicKey.fingerprint}`);

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
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** Tells a supervisor (`npm start`) the ports are taken (a sandbox already running there), not a crash. */
const EXIT_PORTS_IN_USE = 98;

main().catch((err: unknown) => {
  console.error('sandbox failed to start:', err instanceof Error ? err.message : err);
  process.exit((err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? EXIT_PORTS_IN_USE : 1);
});
