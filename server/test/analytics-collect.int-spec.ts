import request from 'supertest';
import { DataSource } from 'typeorm';
import { newTenant, NewUser } from './factories/user.factory';
import type { TestApp } from './helpers/test-app';
import { rollupDisagreements, rollupHours } from './helpers/analytics-rollup';
import { addBotToChannel, control, newBot, newChannel } from './sandbox/bot-helpers';
import {
  channelWithPosts,
  connectAccount,
  eventually,
  MtprotoCluster,
  newSandboxUser,
  startCluster,
} from './user-mtproto-kit';

jest.setTimeout(120000);

interface Connected {
  tenant: NewUser;
  user: { id: number; phone: string };
  channel: { id: string; sandboxId: number; username: string };
}

interface SandboxPost {
  message_id: number;
  date: number;
  views: number;
  forwards: number;
  reactions: Record<string, number>;
}

interface StoredPost {
  message_id: number;
  views: number;
  forwards: number;
  reactions: number;
}

/** Interval of the sample schedule in this spec: short, so the worker's own rounds are seen. */
const INTERVAL = '10';

describe('channel analytics collection (real gramjs through the worker, real sandbox)', () => {
  let cluster: MtprotoCluster;
  let api: TestApp;

  beforeAll(async () => {
    cluster = await startCluster();
    api = await cluster.start('api', { MTPROTO_CALL_TIMEOUT_SECONDS: '15' });
    await cluster.start('worker', {
      ANALYTICS_TICK_SECONDS: '1',
      ANALYTICS_JITTER_SECONDS: '0',
      ANALYTICS_FIRST_DAY_INTERVAL_SECONDS: INTERVAL,
      ANALYTICS_SUBSCRIBERS_INTERVAL_SECONDS: INTERVAL,
      // FLOOD_WAITs reach the collector instead of being slept by gramjs.
      MTPROTO_FLOOD_SLEEP_SECONDS: '0',
    });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  async function connectedTenant(posts: string[], inject?: () => Promise<void>): Promise<Connected> {
    const user = await newSandboxUser(cluster.sandbox);
    const tenant = await newTenant(api);
    await connectAccount(api, cluster.sandbox, tenant, user);
    await inject?.();
    const channel = await channelWithPosts(api, cluster.sandbox, tenant, user, posts);
    return { tenant, user, channel };
  }

  function asTenant<T>(tenantId: string, sql: string, params: unknown[]): Promise<T[]> {
    return api.app.get(DataSource).transaction(async (em) => {
      await em.query(`SELECT set_config('app.user_id', $1, true)`, [tenantId]);
      return em.query<T[]>(sql, params);
    });
  }

  const refresh = (t: { tenant: NewUser; channel: { id: string } }) =>
    request(api.url).post(`/api/channels/${t.channel.id}/stats/refresh`).set(t.tenant.headers);

  const status = (t: { tenant: NewUser; channel: { id: string } }) =>
    request(api.url).get(`/api/channels/${t.channel.id}/stats/collection`).set(t.tenant.headers);

  async function sandboxPosts(sandboxId: number): Promise<SandboxPost[]> {
    return (await control<SandboxPost[]>(cluster.sandbox, 'GET', `/sandbox/channels/${sandboxId}/messages`)).body;
  }

  async function storedAt(t: Connected, sampledAt: string): Promise<StoredPost[]> {
    return asTenant<StoredPost>(
      t.tenant.user.id,
      `SELECT message_id, views, forwards, reactions FROM post_view_samples
       WHERE channel_id = $1 AND sampled_at = $2 ORDER BY message_id`,
      [t.channel.id, sampledAt],
    );
  }

  async function subscribersAt(t: { tenant: NewUser; channel: { id: string } }, sampledAt: string) {
    return asTenant<{ subscribers: number; source: string }>(
      t.tenant.user.id,
      `SELECT subscribers, source FROM channel_subscriber_samples WHERE channel_id = $1 AND sampled_at = $2`,
      [t.channel.id, sampledAt],
    );
  }

  async function latestSample(t: { tenant: NewUser; channel: { id: string } }): Promise<string | null> {
    const [row] = await asTenant<{ at: Date | null }>(
      t.tenant.user.id,
      `SELECT max(sampled_at) AS at FROM channel_subscriber_samples WHERE channel_id = $1`,
      [t.channel.id],
    );
    return row?.at ? row.at.toISOString() : null;
  }

  const expected = (posts: SandboxPost[]): StoredPost[] =>
    posts.map((p) => ({
      message_id: p.message_id,
      views: p.views,
      forwards: p.forwards,
      reactions: Object.values(p.reactions).reduce((a, b) => a + b, 0),
    }));

  async function sandboxCalls(method: string): Promise<number> {
    const stats = await control<{ callsByMethod: Record<string, number> }>(
      cluster.sandbox,
      'GET',
      '/sandbox/mtproto/stats',
    );
    return stats.body.callsByMethod[method] ?? 0;
  }

  // First, while no other channel is sampled: the injected fault can only meet this one.
  it('reschedules a sample after a FLOOD_WAIT and then stores it whole', async () => {
    const before = await sandboxCalls('channels.getFullChannel');
    const t = await connectedTenant(['one', 'two', 'three'], async () => {
      await control(cluster.sandbox, 'POST', '/sandbox/faults', {
        door: 'mtproto',
        method: 'channels.getFullChannel',
        error: 'FLOOD_WAIT_4',
      });
    });
    const added = Date.now();
    const waiting = await eventually(
      async () => {
        const s = await status(t).expect(200);
        return s.body.state === 'waiting' ? s.body : undefined;
      },
      { timeoutMs: 20000, what: 'the collection to wait out the FLOOD_WAIT' },
    );
    expect(waiting.reason).toBe('flood_wait');
    expect(new Date(waiting.next_sample_at).getTime()).toBeGreaterThanOrEqual(added + 3000);

    const sampledAt = await eventually(() => latestSample(t).then((at) => at ?? undefined), {
      timeoutMs: 30000,
      what: 'the sample after the wait',
    });
    // The fault was met, the sample came after the wait, and no post is missing from it.
    expect(await sandboxCalls('channels.getFullChannel')).toBeGreaterThanOrEqual(before + 2);
    expect(new Date(sampledAt).getTime()).toBeGreaterThanOrEqual(added + 4000);
    const stored = await storedAt(t, sampledAt);
    expect(stored.map((p) => p.message_id)).toEqual([1, 2, 3]);
    expect((await status(t).expect(200)).body).toMatchObject({ state: 'active', reason: null, source: 'account' });
    // The rescheduled sample is in the hourly rollup as it is in the samples.
    expect(await rollupDisagreements(api, t.channel.id)).toEqual([]);
    expect(await rollupHours(api, t.channel.id)).toBeGreaterThan(0);
  });

  describe('samples', () => {
    let t: Connected;
    let firstAt: string;

    beforeAll(async () => {
      // The world's clock stands still, so what the sandbox shows now is what a sample reads.
      await control(cluster.sandbox, 'POST', '/sandbox/clock', { frozen: true });
      t = await connectedTenant(['alpha', 'beta', 'gamma']);
    });

    afterAll(async () => {
      await control(cluster.sandbox, 'POST', '/sandbox/clock', { frozen: false });
    });

    it('refresh samples the channel now and stores what the sandbox holds', async () => {
      await control(cluster.sandbox, 'POST', `/sandbox/channels/${t.channel.sandboxId}/audience`, {
        subscribers: 1234,
      });
      await control(cluster.sandbox, 'POST', `/sandbox/channels/${t.channel.sandboxId}/messages/2/counters`, {
        views: 500,
        forwards: 7,
        reactions: 12,
      });
      const res = await refresh(t).expect(200);
      expect(res.body).toMatchObject({ source: 'account', subscribers: 1234, posts: 3 });
      firstAt = res.body.sampled_at;
      expect(await storedAt(t, firstAt)).toEqual(expected(await sandboxPosts(t.channel.sandboxId)));
      expect(await subscribersAt(t, firstAt)).toEqual([{ subscribers: 1234, source: 'account' }]);
      const stored = await storedAt(t, firstAt);
      expect(stored.find((p) => p.message_id === 2)).toEqual({ message_id: 2, views: 500, forwards: 7, reactions: 12 });
    });

    it('answers 429 RATE_LIMITED with retry_after to a second refresh within a minute', async () => {
      const res = await refresh(t).expect(429);
      expect(res.body.error.code).toBe('RATE_LIMITED');
      expect(res.body.error.retry_after).toBeGreaterThanOrEqual(1);
      expect(res.body.error.retry_after).toBeLessThanOrEqual(60);
    });

    it("samples on the worker's schedule as counters move, and picks up new posts", async () => {
      await control(cluster.sandbox, 'POST', '/sandbox/clock', { advance_seconds: 3600, frozen: true });
      await control(cluster.sandbox, 'POST', `/sandbox/channels/${t.channel.sandboxId}/audience`, {
        subscribers: 1500,
      });
      await control(cluster.sandbox, 'POST', `/sandbox/channels/${t.channel.sandboxId}/messages/1/counters`, {
        views: 900,
        forwards: 20,
        reactions: 30,
      });
      await control(cluster.sandbox, 'POST', `/sandbox/channels/${t.channel.sandboxId}/messages`, { text: 'delta' });
      const now = expected(await sandboxPosts(t.channel.sandboxId));
      const changedAt = new Date().toISOString();
      expect(changedAt > firstAt).toBe(true);
      const at = await eventually(
        async () => {
          const latest = await latestSample(t);
          return latest && latest > changedAt ? latest : undefined;
        },
        { timeoutMs: 40000, what: 'a scheduled sample' },
      );
      expect(await subscribersAt(t, at)).toEqual([{ subscribers: 1500, source: 'account' }]);
      expect(await storedAt(t, at)).toEqual(now);
      expect(now.map((p) => p.message_id)).toEqual([1, 2, 3, 4]);
      expect(await rollupDisagreements(api, t.channel.id)).toEqual([]);
    });

    it("answers 404 for another tenant's channel", async () => {
      const other = await newTenant(api);
      const res = await request(api.url)
        .post(`/api/channels/${t.channel.id}/stats/refresh`)
        .set(other.headers)
        .expect(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
      await request(api.url).get(`/api/channels/${t.channel.id}/stats/collection`).set(other.headers).expect(404);
    });
  });

  it('stops collecting when the session is revoked, and says why', async () => {
    // A tenant whose collection goes on: its samples show the worker's rounds passing.
    const live = await connectedTenant(['still collected']);
    const t = await connectedTenant(['kept']);
    await eventually(() => latestSample(t).then((at) => at ?? undefined), {
      timeoutMs: 20000,
      what: 'a first scheduled sample',
    });
    await control(cluster.sandbox, 'POST', `/sandbox/users/${t.user.phone}/revoke-sessions`);
    const stopped = await eventually(
      async () => {
        const s = await status(t).expect(200);
        return s.body.state === 'stopped' ? s.body : undefined;
      },
      { timeoutMs: 40000, what: 'collection to stop' },
    );
    expect(['session_revoked', 'account_not_connected']).toContain(stopped.reason);
    expect(stopped.message).toMatch(/connect/i);
    const last = await latestSample(t);
    // Two of the live channel's samples later (a whole interval of the schedule, when the stopped channel would
    // have been due again), nothing more was sampled of the stopped one.
    const since = new Date();
    await eventually(
      async () => {
        const [row] = await asTenant<{ n: number }>(
          live.tenant.user.id,
          `SELECT count(*)::int AS n FROM channel_subscriber_samples WHERE channel_id = $1 AND sampled_at > $2`,
          [live.channel.id, since],
        );
        return (row?.n ?? 0) >= 2 ? true : undefined;
      },
      { timeoutMs: 60000, what: "two more samples of the live tenant's channel" },
    );
    expect(await latestSample(t)).toBe(last);
    const res = await refresh(t).expect(409);
    expect(res.body.error).toMatchObject({ code: 'COLLECTION_STOPPED' });
  });

  it("falls back to the bot's member count for a tenant without an account", async () => {
    const owner = await newSandboxUser(cluster.sandbox);
    const tenant = await newTenant(api);
    const bot = await newBot(cluster.sandbox, owner.phone);
    await request(api.url).put('/api/user-bot').set(tenant.headers).send({ bot_token: bot.token }).expect(200);
    const channel = await channelWithPosts(api, cluster.sandbox, tenant, owner, ['bot sees counts only']);
    await control(cluster.sandbox, 'POST', `/sandbox/channels/${channel.sandboxId}/audience`, { subscribers: 321 });
    await addBotToChannel(cluster.sandbox, channel.sandboxId, bot.id);
    // The bot joining counts as a member too: what the sandbox says the channel has is what a sample reads.
    const held = (await control(cluster.sandbox, 'GET', `/sandbox/channels/${channel.sandboxId}`)).body.subscribers;
    expect(held).toBeGreaterThanOrEqual(321);
    const t = { tenant, channel };
    const res = await refresh(t).expect(200);
    expect(res.body).toMatchObject({ source: 'bot', subscribers: held, posts: 0 });
    expect(await subscribersAt(t, res.body.sampled_at)).toEqual([{ subscribers: held, source: 'bot' }]);
    const posts = await asTenant(tenant.user.id, `SELECT 1 FROM post_view_samples WHERE channel_id = $1`, [channel.id]);
    expect(posts).toEqual([]);
    expect((await status(t).expect(200)).body).toMatchObject({ state: 'active', source: 'bot' });

    // A private channel the bot is not in: Telegram does not show it the count, and the tenant is told what to do.
    const secret = await newChannel(cluster.sandbox, owner.phone);
    const row = await request(api.url)
      .post('/api/channels')
      .set(tenant.headers)
      .send({ telegram_id: String(secret.id) })
      .expect(201);
    const hidden = { id: row.body.id as string };
    const refused = await refresh({ tenant, channel: hidden }).expect(409);
    expect(refused.body.error.code).toBe('BOT_CANNOT_SEE_CHANNEL');
    expect((await status({ tenant, channel: hidden }).expect(200)).body).toMatchObject({
      state: 'waiting',
      reason: 'bot_unavailable',
    });
  });
});
