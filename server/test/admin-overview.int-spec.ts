import request from 'supertest';
import { hourKeyOf } from '../src/modules/health/hourly-counters';
import { UserRole } from '../src/modules/tenants/user.entity';
import { newStaff, newTenant, type NewUser } from './factories/user.factory';
import { channelFor, connectBot, control } from './helpers/bot-world';
import type { TestApp } from './helpers/test-app';
import {
  API_HASH,
  API_ID,
  channelWithPosts,
  connectAccount,
  eventually,
  MtprotoCluster,
  newSandboxUser,
  startCluster,
} from './user-mtproto-kit';

jest.setTimeout(120_000);

interface Hour {
  hour: string;
  [field: string]: number | string;
}
interface Overview {
  generated_at: string;
  hours: number;
  totals: {
    tenants: number;
    verified_bots: number;
    verified_accounts: number;
    connected_sessions: number;
    queue_backlog: Record<string, number>;
  };
  series: Hour[];
}

/**
 * The console's overview from real traffic against the sandbox: posts sent and failed, a login, a
 * flood wait and a revoked session counted where they happen, read back per hour from a worker
 * app and from a second API app that did none of it (the hourly counts live in Redis).
 */
describe('GET /api/admin/overview', () => {
  let cluster: MtprotoCluster;
  let worker: TestApp;
  let api: TestApp;
  let support: NewUser;
  const startedHour = hourKeyOf(Date.now());

  beforeAll(async () => {
    cluster = await startCluster();
    worker = await cluster.start('all', { SEND_SWEEP_MS: '300', POST_MAX_ATTEMPTS: '3' });
    api = await cluster.start('api');
    support = await newStaff(worker, UserRole.Support);
  });

  afterAll(async () => {
    await cluster?.close();
  });

  const overview = async (app: TestApp, hours?: number): Promise<Overview> => {
    const res = await request(app.url)
      .get('/api/admin/overview')
      .query(hours === undefined ? {} : { hours })
      .set(support.headers)
      .expect(200);
    return res.body as Overview;
  };
  const sum = (o: Overview, field: string): number => o.series.reduce((n, h) => n + Number(h[field]), 0);

  it('answers every hour of an empty window with zeros, the current hour last', async () => {
    const before = Date.now();
    const o = await overview(api);
    expect(o.hours).toBe(24);
    expect(o.series).toHaveLength(24);
    const last = o.series[23];
    expect(hourKeyOf(Date.parse(last?.hour ?? ''))).toBe(hourKeyOf(before));
    for (let i = 1; i < 24; i++) {
      expect(Date.parse(o.series[i]?.hour ?? '') - Date.parse(o.series[i - 1]?.hour ?? '')).toBe(3_600_000);
    }
    for (const h of o.series) expect(h).toMatchObject({ posts_sent: 0, posts_failed: 0, revocations: 0 });
    expect(o.totals).toMatchObject({ tenants: 0, verified_bots: 0, verified_accounts: 0, connected_sessions: 0 });
    expect(Object.keys(o.totals.queue_backlog)).toEqual(expect.arrayContaining(['post-send', 'webhook-delivery']));
    expect((await overview(api, 168)).series).toHaveLength(168);
    expect((await overview(api, 1)).series).toHaveLength(1);
  });

  it.each([['0'], ['169'], ['1.5'], ['day'], ['-3']])(
    'refuses hours=%s with a 400 that says what to fix',
    async (hours) => {
      const res = await request(api.url).get('/api/admin/overview').query({ hours }).set(support.headers).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(res.body.error)).toMatch(/hours/);
    },
  );

  it('is for staff only', async () => {
    const tenant = await newTenant(api);
    await request(api.url).get('/api/admin/overview').set(tenant.headers).expect(403);
    await request(api.url).get('/api/admin/overview').expect(401);
  });

  it('counts real posts, logins, flood waits and revocations, and every API app sees the same numbers', async () => {
    // Two posts: one sent, one Telegram refuses for good.
    const poster = await newTenant(worker);
    const bot = await connectBot(worker, cluster.sandbox, poster.headers);
    const channel = await channelFor(worker, cluster.sandbox, poster.headers, bot.id);
    const post = (text: string) =>
      request(worker.url)
        .post(`/api/channels/${channel.id}/posts`)
        .set(poster.headers)
        .send({ text, idempotency_key: text.replace(/\W+/g, '-') })
        .expect(201);
    await post('goes out');
    await eventually(async () => sum(await overview(api), 'posts_sent') === 1, {
      what: 'the sent post',
      timeoutMs: 30_000,
    });
    await control(cluster.sandbox, 'POST', '/sandbox/faults', { door: 'bot', method: 'sendMessage', error: 400 });
    await post('refused');
    await eventually(async () => sum(await overview(api), 'posts_failed') === 1, {
      what: 'the failed post',
      timeoutMs: 30_000,
    });

    // A login refused with a 30 s flood wait, then one that signs in and holds a session.
    const account = await newTenant(worker);
    const user = await newSandboxUser(cluster.sandbox);
    await control(cluster.sandbox, 'POST', '/sandbox/faults', {
      door: 'mtproto',
      method: 'auth.sendCode',
      error: 'FLOOD_WAIT_30',
    });
    await request(worker.url)
      .post('/api/user-mtproto/setup')
      .set(account.headers)
      .send({ telegram_api_id: API_ID, telegram_api_hash: API_HASH, telegram_phone: `+${user.phone}` })
      .expect(429);
    await connectAccount(worker, cluster.sandbox, account, user);
    const ch = await channelWithPosts(worker, cluster.sandbox, account, user, ['hello']);
    await request(worker.url).get(`/api/channels/${ch.id}/history`).set(account.headers).expect(200);
    const held = await eventually(
      async () => {
        const o = await overview(api);
        return o.totals.connected_sessions >= 1 && o;
      },
      { what: 'the connected session', timeoutMs: 30_000 },
    );
    expect(held.totals).toMatchObject({ tenants: 3, verified_bots: 1, verified_accounts: 1 });

    // Telegram revokes the account's sessions: counted once, and the session leaves the workers.
    await control(cluster.sandbox, 'POST', `/sandbox/users/${user.phone}/revoke-sessions`);
    const after = await eventually(
      async () => {
        const o = await overview(api);
        return sum(o, 'revocations') === 1 && o.totals.connected_sessions === 0 && o;
      },
      { what: 'the revocation', timeoutMs: 30_000 },
    );

    const expected = {
      posts_sent: 1,
      posts_failed: 1,
      revocations: 1,
      flood_waits: 1,
      flood_wait_seconds: 30,
      logins_ok: 1,
      logins_failed: 1,
    };
    for (const [field, n] of Object.entries(expected)) expect([field, sum(after, field)]).toEqual([field, n]);
    expect(sum(after, 'telegram_errors')).toBeGreaterThanOrEqual(2);
    // Counted in the hour it happened: the current one, unless the spec ran across an hour's turn.
    if (hourKeyOf(Date.now()) === startedHour) expect(after.series[23]).toMatchObject(expected);
    expect(after.totals).toMatchObject({ verified_accounts: 0, connected_sessions: 0 });

    // The app that did the work answers the same.
    const own = await overview(worker);
    expect(own.series).toEqual(after.series);
    expect(own.totals).toEqual(after.totals);
  });
});
