import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { newTenant } from '../factories/user.factory';
import { connectBot, eventually } from '../helpers/bot-world';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { present } from '../helpers/present';

/** `npm start`'s supervisor running the sandbox (src/sandbox/main.ts) on free ports, its output kept as lines. */
function startSupervisedSandbox(): { child: ChildProcess; lines: string[] } {
  const child = spawn(process.execPath, [path.join(__dirname, '..', '..', 'scripts', 'sandbox-supervised.mjs')], {
    cwd: path.join(__dirname, '..', '..'),
    env: { ...process.env, SANDBOX_HTTP_PORT: '0', SANDBOX_MTPROTO_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('data', (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop() ?? '';
      // eslint-disable-next-line no-control-regex -- the supervisor colours its prefixes
      lines.push(...parts.map((l) => l.replace(/\u001b\[\d+m/g, '')));
    });
  }
  return { child, lines };
}

const found = (lines: string[], re: RegExp): RegExpExecArray | undefined =>
  lines.map((l) => re.exec(l)).find((m): m is RegExpExecArray => m !== null);

describe('the sandbox in a process of its own', () => {
  let supervisor: ChildProcess | undefined;
  let t: TestApp | undefined;

  afterAll(async () => {
    await t?.close();
    if (supervisor && supervisor.exitCode === null) {
      const exited = new Promise((resolve) => supervisor?.once('exit', resolve));
      supervisor.kill('SIGTERM');
      await exited;
    }
  });

  it('keeps the product serving when the sandbox process dies, answers bot calls 503 and starts the sandbox again', async () => {
    const run = startSupervisedSandbox();
    supervisor = run.child;
    const ready = await eventually(() => {
      const api = found(run.lines, /\[sandbox\] +Bot API \(telegraf apiRoot\): (http:\/\/[\d.]+:(\d+))/);
      const mtproto = found(run.lines, /\[sandbox\] +MTProto: +[\d.]+:(\d+)/);
      const pid = found(run.lines, /^sandbox pid (\d+)/);
      return Promise.resolve(
        api && mtproto && pid
          ? {
              httpUrl: present(api[1], 'the Bot API url'),
              httpPort: Number(api[2]),
              mtprotoPort: Number(mtproto[1]),
              pid: Number(pid[1]),
            }
          : undefined,
      );
    }, 30_000);
    t = await startTestApp({ sandbox: ready });
    const { headers } = await newTenant(t);
    await connectBot(t, ready, headers);
    await request(t.url).post('/api/user-bot/test').set(headers).expect(200);

    process.kill(ready.pid, 'SIGKILL');
    await eventually(() => Promise.resolve(found(run.lines, /The Telegram sandbox stopped/)));

    await request(t.url).get('/health/live').expect(200, { status: 'ok' });
    await request(t.url).get('/health/ready').expect(200);
    await request(t.url).get('/api/channels').set(headers).expect(200);
    const test = await request(t.url).post('/api/user-bot/test').set(headers).expect(503);
    expect(test.body.error.code).toBe('TELEGRAM_UNAVAILABLE');

    await eventually(() => {
      const pids = run.lines.map((l) => /^sandbox pid (\d+)/.exec(l)).filter((m) => m !== null);
      return Promise.resolve(pids.some((m) => Number(m[1]) !== ready.pid) ? true : undefined);
    }, 30_000);
    await eventually(() => Promise.resolve(found(run.lines, /The Telegram sandbox is back/)));
  });
});
