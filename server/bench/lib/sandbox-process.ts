/**
 * The Telegram sandbox in a process of its own, as Telegram is to the product:
 * a benchmark then measures the product's work, not the fake Telegram's,
 * on the same event loop. Started by `startSandboxProcess`; reports its ports
 * over IPC and stops on SIGTERM.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { startSandbox } from '../../src/sandbox';

export interface SandboxProcess {
  httpUrl: string;
  httpPort: number;
  mtprotoPort: number;
  close(): Promise<void>;
}

interface Ready {
  httpUrl: string;
  httpPort: number;
  mtprotoPort: number;
}

export async function startSandboxProcess(opts: { limitsEnabled: boolean }): Promise<SandboxProcess> {
  const child: ChildProcess = fork(__filename, [opts.limitsEnabled ? 'limits-on' : 'limits-off'], {
    execArgv: ['-r', '@swc-node/register', '--max-semi-space-size=64'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Ready));
    child.once('exit', (code) => reject(new Error(`sandbox process exited (${code ?? 'signal'}) before it was ready`)));
  });
  return {
    ...ready,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

if (require.main === module) {
  void (async () => {
    const sandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0, limitsEnabled: process.argv[2] === 'limits-on' });
    process.once('SIGTERM', () => void sandbox.close().then(() => process.exit(0)));
    process.send?.({ httpUrl: sandbox.httpUrl, httpPort: sandbox.httpPort, mtprotoPort: sandbox.mtprotoPort });
  })();
}
