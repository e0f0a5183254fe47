import type { ChildProcess } from 'node:child_process';
import request from 'supertest';
import { MtprotoClientPool } from '../src/modules/user-mtproto/mtproto-client.pool';
import { MtprotoRedis } from '../src/modules/user-mtproto/mtproto-redis';
import { newTenant } from './factories/user.factory';
import { channelFor, connectBot, control } from './helpers/bot-world';
import type { TestApp } from './helpers/test-app';
import {
  channelWithPosts,
  connectAccount,
  eventually,
  leaseOwner,
  type MtprotoCluster,
  newSandboxUser,
  startCluster,
  startWorkerProcess,
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

  const owner = (tenantId: string): Promise<string | null> => leaseOwner(cluster, tenantId);

  it('stops, hands back its session and its posts, and exits 0; another worker picks both up and nothing is lost or sent twice', async () => {
    let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
    child = await startWorkerProcess(
      cluster,
      {
        MTPROTO_LEASE_SECONDS: LEASE_SECONDS,
        SEND_SWEEP_MS: '500',
        WORKER_MAX_RUNTIME_HOURS: String(RUNTIME_SECONDS / 3600),
        WORKER_RECYCLE_JITTER: '0',
        WORKER_RECYCLE_CHECK_SECONDS: '1',
      },
      // Watched from the start: it may leave before the test asks.
      (proc) => {
        exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
      },
    );

    // A tenant's account session, opened by the only worker there is: the child.
    const user = await newSandboxUser(cluster.sandbox);
    const reader = await newTenant(api);
    await connectAccount(api, cluster.sandbox, reader, user);
    const channel = await channelWithPosts(api, cluster.sandbox, reader, user, ['before the recycle']);
    const history = () => request(api.url).get(`/api/channels/${channel.id}/history`).set(reader.headers);
    await history().expect(200);
    const childOwner = await owner(reader.user.id);
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
    expect(await owner(reader.user.id)).not.toBe(childOwner);
    const res = await history().expect(200);
    expect(res.body.messages[0].text).toBe('before the recycle');
    expect(survivor.app.get(MtprotoClientPool).connectedTenants()).toContain(reader.user.id);
    expect(await owner(reader.user.id)).toBe(survivor.app.get(MtprotoRedis).instanceId);

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
