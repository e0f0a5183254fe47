import { type ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import Redis from 'ioredis';
import request from 'supertest';
import { redisConnectionOptions } from '../src/modules/redis/redis-connection';
import type { DrainJob } from '../src/modules/posts/posts.service';
import { QueueName } from '../src/modules/queue/queue-names';
import type { SandboxHandle } from '../src/sandbox';
import { newTenant } from './factories/user.factory';
import { channelFor, connectBot, control } from './helpers/bot-world';
import { eventually } from './helpers/eventually';
import { startTestAppWithSandbox, type SandboxTestApp, type TestApp } from './helpers/test-app';

/**
 * A Bot API proxy in front of the sandbox that stops one sendMessage in its
 * tracks: either after the sandbox has handled it (the response is withheld)
 * or before it reaches the sandbox at all.
 */
function startProxy(
  target: SandboxHandle,
  mode: 'after' | 'before',
): Promise<{
  port: number;
  caught: Promise<void>;
  close(): Promise<void>;
}> {
  let signal!: () => void;
  const caught = new Promise<void>((resolve) => (signal = resolve));
  let held = false;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const isSend = /\/sendMessage$/.test(req.url ?? '');
      if (isSend && !held && mode === 'before') {
        held = true;
        signal();
        return;
      }
      const headers = { ...req.headers };
      delete headers.host;
      const upstream = http.request(`${target.httpUrl}${req.url ?? '/'}`, { method: req.method, headers }, (up) => {
        const body: Buffer[] = [];
        up.on('data', (c: Buffer) => body.push(c));
        up.on('end', () => {
          if (isSend && !held) {
            held = true;
            signal();
            return;
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(Buffer.concat(body));
        });
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        caught,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    ),
  );
}

function startWorker(t: TestApp, botApiPort: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', path.join(__dirname, 'helpers', 'worker-child.ts')],
    {
      cwd: path.join(__dirname, '..'),
      env: {
        ...process.env,
        NODE_ENV: 'test',
        ROLE: 'worker',
        LOG_LEVEL: 'silent',
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: t.db.url,
        REDIS_URL: t.config.redis.url,
        REDIS_PREFIX: t.config.redis.prefix,
        TELEGRAM_MODE: 'sandbox',
        SANDBOX_HTTP_PORT: String(botApiPort),
        SEND_LOCK_MS: '2000',
        SEND_SWEEP_MS: '300',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

const stop = (child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> =>
  new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });

describe('a worker killed mid-send', () => {
  let sandbox: SandboxHandle;
  let t: SandboxTestApp;

  let redis: Redis;
  let queue: Queue<DrainJob>;

  beforeAll(async () => {
    t = await startTestAppWithSandbox({ env: { ROLE: 'api' } });
    sandbox = t.sandbox;
    redis = new Redis(redisConnectionOptions(t.config.redis.url, { maxRetriesPerRequest: 3 }));
    queue = t.app.get<Queue<DrainJob>>(getQueueToken(QueueName.PostSend));
  });
  afterAll(async () => {
    await redis?.quit();
    await t?.close();
  });

  for (const mode of ['after', 'before'] as const) {
    it(`never posts twice when the worker dies ${mode === 'after' ? 'right after Telegram took the send' : 'right before the send reached Telegram'}`, async () => {
      const { user, headers } = await newTenant(t);
      const bot = await connectBot(t, sandbox, headers);
      const ch = await channelFor(t, sandbox, headers, bot.id);
      const proxy = await startProxy(sandbox, mode);
      let first: ChildProcess | undefined;
      let second: ChildProcess | undefined;
      try {
        first = await startWorker(t, proxy.port);
        const post = await request(t.url)
          .post(`/api/channels/${ch.id}/posts`)
          .set(headers)
          .send({ text: `once (${mode})`, idempotency_key: `stall-${mode}` })
          .expect(201);
        await proxy.caught;
        await stop(first, 'SIGKILL');
        second = await startWorker(t, sandbox.httpPort);
        const settled = await eventually(async () => {
          const res = await request(t.url).get(`/api/posts/${post.body.id}`).set(headers);
          return ['sent', 'failed'].includes(res.body.status as string) ? res.body : undefined;
        }, 30_000);
        // Nothing more happens once the tenant's sender is idle: no sender holds its lock and no run is queued.
        await eventually(async () => {
          if ((await redis.exists(`${t.config.redis.prefix}:send-lock:${user.id}`)) > 0) return undefined;
          const jobs = await queue.getJobs(['active', 'waiting', 'delayed', 'prioritized']);
          return jobs.every((j) => j.data.tenantId !== user.id) || undefined;
        }, 30_000);
        const sent = (await control(sandbox, 'GET', `/sandbox/bots/${bot.id}/sent`)).body as { text: string }[];
        expect(sent.filter((m) => m.text === `once (${mode})`)).toHaveLength(mode === 'after' ? 1 : 0);
        expect(settled).toMatchObject({ status: 'failed', telegram_message_id: null });
        expect(settled.error).toContain('Delivery uncertain');
      } finally {
        await stop(first, 'SIGKILL');
        await stop(second, 'SIGTERM');
        await proxy.close();
      }
    }, 90_000);
  }
});
