// The Telegram sandbox as a process of its own beside the product, so a fault in the fake Telegram never takes
// the API or the workers down with it: `npm start` runs it, watches it and starts it again when it dies.
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { log } from './bootstrap.mjs';

/** What the sandbox's entry point answers when its ports are taken (a sandbox is already running there). */
const EXIT_PORTS_IN_USE = 98;
/** A sandbox that stayed up this long counts as healthy again: the next restart waits the shortest time. */
const HEALTHY_AFTER_MS = 60_000;

function warn(message) {
  process.stderr.write(`\u001b[33m[tenantgram]\u001b[0m ${message}\n`);
}

/**
 * Starts the sandbox (`node <entry>`, configured by `env`: SANDBOX_HTTP_PORT, SANDBOX_MTPROTO_PORT…) and answers once
 * it listens: `{ state: 'running', stop() }`, `{ state: 'in-use' }` when its ports are taken, or `{ state: 'failed' }`.
 * Its output is passed through with a prefix. When it dies later it is started again, waiting 1 s, 2 s, 4 s… up to 30 s.
 */
export async function superviseSandbox({ entry, execArgv = [], env, cwd }) {
  let child;
  let stopping = false;
  let restartTimer;
  let failures = 0;
  let restarts = 0;

  const startOnce = () =>
    new Promise((resolve) => {
      const startedAt = Date.now();
      let listening = false;
      // SANDBOX_RESET empties the world at the first start only: a sandbox started again after a crash keeps it.
      // SANDBOX_SUPERVISED: a Ctrl-C does not stop it; stop() does, after the product (see src/sandbox/main.ts).
      const childEnv = { ...env, SANDBOX_SUPERVISED: 'true', ...(restarts > 0 ? { SANDBOX_RESET: 'false' } : {}) };
      restarts += 1;
      child = spawn(process.execPath, [...execArgv, entry], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      const current = child;
      for (const [stream, out] of [
        [current.stdout, process.stdout],
        [current.stderr, process.stderr],
      ]) {
        stream.on('error', () => undefined);
        readline.createInterface({ input: stream }).on('line', (line) => {
          out.write(`\u001b[35m[sandbox]\u001b[0m ${line}\n`);
          if (!listening && line.startsWith('Telegram sandbox running')) {
            listening = true;
            resolve('running');
          }
        });
      }
      current.on('error', (err) => {
        warn(`The Telegram sandbox could not start: ${err.message}`);
      });
      current.on('exit', (code, signal) => {
        if (!listening) {
          resolve(code === EXIT_PORTS_IN_USE ? 'in-use' : 'failed');
          return;
        }
        if (stopping) return;
        if (Date.now() - startedAt > HEALTHY_AFTER_MS) failures = 0;
        const delayMs = Math.min(30_000, 1000 * 2 ** failures);
        failures += 1;
        const comesBack = env?.SANDBOX_DATA_DIR
          ? `it comes back with its stored world (${env.SANDBOX_DATA_DIR}), so bots, channels and sessions carry on.`
          : 'it starts empty (no SANDBOX_DATA_DIR), so connect the bots again and restart npm start for the system bot.';
        warn(
          `The Telegram sandbox stopped (${signal ?? `exit code ${code}`}). The API, workers and console keep ` +
            `running; calls to Telegram answer 503 TELEGRAM_UNAVAILABLE and posts are retried (failed after ` +
            `POST_MAX_ATTEMPTS). Starting it again in ${delayMs / 1000} s; ${comesBack}`,
        );
        restartTimer = setTimeout(() => {
          restartTimer = undefined;
          void startOnce().then((state) => {
            if (state === 'running') log('The Telegram sandbox is back.');
            else warn('The Telegram sandbox did not come back; restart npm start to try again.');
          });
        }, delayMs);
      });
    });

  const state = await startOnce();
  if (state !== 'running') return { state };
  return {
    state,
    /** The running sandbox's process id (it changes when the sandbox is started again). */
    pid: () => child.pid,
    /** Stops the sandbox (and any pending restart); resolves when it has exited. */
    stop: (signal = 'SIGTERM') => {
      stopping = true;
      clearTimeout(restartTimer);
      if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}
