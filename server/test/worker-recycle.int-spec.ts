import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import Redis from 'ioredis';
import request from 'supertest';
import { MtprotoClientPool } from '../src/modules/user-mtproto/mtproto-client.pool';
import { MtprotoRedis } from '../src/modules/user-mtproto/mtproto-redis';
import { newTenant } from './factories/user.factory';
import { channelFor, connectBot, control } from './helpers/bot-world';
import { freePort } from './helpers/free-port';
import type { TestApp } from './helpers/test-app';
import { TEST_REDIS_URL } from './helpers/test-database';
import {
  channelWithPosts,
  connectAccount,
  eventually,
  type MtprotoCluster,
  newSandboxUser,
  startCluster,
} from './user-mtproto-kit';

jest.setTimeout(150_000);

/** How long the recycling worker serves before it recycles (WORKER_MAX_RUNTIME_HOURS, no jitter). */
const RUNTIME_SECONDS = 20;
/** Under Telegram's 20 messages a minute per channel, so the limit does not pace the test. */
const POSTS = 12;

/**
 * A real worker process (the product's entry point) with a short WORKER_MAX_RUNTIME_HOURS: it
 * recycles on its own, gracefully, while it holds a tenant's MTProto session and posts fall due.
 */
describe('worker recycling (a real worker process)', () => {
  let cluster: MtprotoCluster;
  let api: TestApp;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    cluster = await startCluster();
    api = await cluster.start('api', { MTPROTO_CALL_TIMEOUT_SECONDS: '20' });
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await cluster?.close();
  });

  // Long enough that only a handover, not expiry, explains the session moving on.
  const LEASE_SECONDS = '120';

  async function leaseOwner(tenantId: string): Promise<string | null> {
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const value = await redis.get(`${cluster.env.REDIS_PREFIX}:mtproto:lease:${tenantId}`);
      return value ? value.slice(0, value.lastIndexOf('|')) : null;
    } finally {
      redis.disconnect();
    }
  }

  it('stops, hands back its session and its posts, and exits 0; another worker picks both up and nothing is lost or sent twice', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: path.resolve(__dirname, '..'),
      env: {
        ...process.env,
        ...cluster.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        ROLE: 'worker',
        DATABASE_URL: cluster.db.url,
        REDIS_URL: TEST_REDIS_URL,
        PORT: String(port),
        HOST: '127.0.0.1',
        MTPROTO_LEASE_SECONDS: LEASE_SECONDS,
        SEND_SWEEP_MS: '500',
        WORKER_MAX_RUNTIME_HOURS: String(RUNTIME_SECONDS / 3600),
        WORKER_RECYCLE_JITTER: '0',
        WORKER_RECYCLE_CHECK_SECONDS: '1',
      },
      stdio: 'ignore',
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child?.once('exit', (code, signal) => resolve({ code, signal })),
    );
    await eventually(
      async () => ((await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => undefined))?.ok ? true : undefined),
      { timeoutMs: 60_000, what: 'the worker process to start' },
    );

    // A tenant's account session, opened by the only worker there is: the child.
    const user = await newSandboxUser(cluster.sandbox);
    const reader = await newTenant(api);
    await connectAccount(api, cluster.sandbox, reader, user);
    const channel = await channelWithPosts(api, cluster.sandbox, reader, user, ['before the recycle']);
    const history = () => request(api.url).get(`/api/channels/${channel.id}/history`).set(reader.headers);
    await history().expect(200);
    const childOwner = await leaseOwner(reader.user.id);
    expect(childOwner).not.toBeNull();

    // Posts falling due one after another, across the moment the child recycles.
    const poster = await newTenant(api);
    const bot = await connectBot(api, cluster.sandbox, poster.headers);
    const target = await channelFor(api, cluster.sandbox, poster.headers, bot.id);
    const start = Date.now();
    for (let i = 0; i < POSTS; i++) {
      await request(api.url)
        .post(`/api/channels/${target.id}/posts`)
        .set(poster.headers)
        .send({
          text: `post ${i}`,
          idempotency_key: `recycle-${i}`,
          scheduled_at: new Date(start + 2000 + i * 2000).toISOString(),
        })
        .expect(201);
    }

    const survivor = await cluster.start('worker', { MTPROTO_LEASE_SECONDS: LEASE_SECONDS, SEND_SWEEP_MS: '500' });
    expect(survivor.app.get(MtprotoRedis).instanceId).not.toBe(childOwner);

    // It leaves on its own, with success, for Kubernetes to start a fresh one.
    expect(await exited).toEqual({ code: 0, signal: null });
    // Its session's lease was handed back, not left to expire.
    expect(await leaseOwner(reader.user.id)).not.toBe(childOwner);
    const res = await history().expect(200);
    expect(res.body.messages[0].text).toBe('before the recycle');
    expect(survivor.app.get(MtprotoClientPool).connectedTenants()).toContain(reader.user.id);
    expect(await leaseOwner(reader.user.id)).toBe(survivor.app.get(MtprotoRedis).instanceId);

    // Every post went out, once.
    const texts = await eventually(
      async () => {
        const msgs = (await control(cluster.sandbox, 'GET', `/sandbox/channels/${target.telegramId}/messages`))
          .body as {
          text: string;
        }[];
        return msgs.length >= POSTS ? msgs.map((m) => m.text) : undefined;
      },
      { timeoutMs: 60_000, what: 'every post to be sent' },
    );
    expect([...texts].sort()).toEqual(Array.from({ length: POSTS }, (_, i) => `post ${i}`).sort());
    const statuses = await request(api.url).get(`/api/channels/${target.id}/posts`).set(poster.headers).expect(200);
    expect(JSON.stringify(statuses.body)).not.toMatch(/"status":"(failed|sending|scheduled)"/);
  });
});
