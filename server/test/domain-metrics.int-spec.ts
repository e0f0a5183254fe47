import request from 'supertest';
import { newTenant } from './factories/user.factory';
import { channelFor, connectBot, control } from './helpers/bot-world';
import { metricNamesOfDeploy, parseMetrics, type Samples } from './helpers/prometheus-text';
import type { TestApp } from './helpers/test-app';
import {
  API_HASH,
  API_ID,
  channelWithPosts,
  connectAccount,
  eventually,
  latestCode,
  MtprotoCluster,
  newSandboxUser,
  startCluster,
} from './user-mtproto-kit';

jest.setTimeout(90_000);

/**
 * The product's metrics, read from a real app's /metrics while real traffic goes through it: logins,
 * flood waits, sessions and their revocation against the sandbox's MTProto door, posts, Bot API
 * errors and bot updates against its Bot API door.
 */
describe('domain metrics on /metrics', () => {
  let cluster: MtprotoCluster;
  let app: TestApp;

  beforeAll(async () => {
    cluster = await startCluster();
    app = await cluster.start('all', { SEND_SWEEP_MS: '300', POST_MAX_ATTEMPTS: '3' });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  const scrape = async (): Promise<Samples> => {
    const res = await request(app.url).get('/metrics').expect(200);
    return parseMetrics(res.text);
  };

  /** Waits until `read` of a fresh scrape reaches `atLeast`, and answers the scrape. */
  const until = (read: (s: Samples) => number, atLeast: number, what: string): Promise<Samples> =>
    eventually(
      async () => {
        const s = await scrape();
        return read(s) >= atLeast ? s : undefined;
      },
      { timeoutMs: 30_000, what },
    );

  const setup = (headers: Record<string, string>, phone: string) =>
    request(app.url)
      .post('/api/user-mtproto/setup')
      .set(headers)
      .send({ telegram_api_id: API_ID, telegram_api_hash: API_HASH, telegram_phone: `+${phone}` });

  const logins = (s: Samples, result: string): number =>
    s.value('tenantgram_mtproto_logins_total', { flow: 'code', result });

  it('counts a code login as sent_code then signed_in, and a wrong code as invalid_code and a Telegram error', async () => {
    const before = await scrape();
    const tenant = await newTenant(app);
    const user = await newSandboxUser(cluster.sandbox);
    const started = await setup(tenant.headers, user.phone).expect(200);
    const code = await latestCode(cluster.sandbox, user.phone);
    const wrong = await request(app.url)
      .post('/api/user-mtproto/verify')
      .set(tenant.headers)
      .send({ login_id: started.body.login_id, verification_code: code === '00000' ? '11111' : '00000' })
      .expect(400);
    expect(wrong.body.error.code).toBe('PHONE_CODE_INVALID');
    await request(app.url)
      .post('/api/user-mtproto/verify')
      .set(tenant.headers)
      .send({ login_id: started.body.login_id, verification_code: code })
      .expect(200, { next: 'done', verified: true });

    const after = await scrape();
    expect(logins(after, 'sent_code') - logins(before, 'sent_code')).toBe(1);
    expect(logins(after, 'invalid_code') - logins(before, 'invalid_code')).toBe(1);
    expect(logins(after, 'signed_in') - logins(before, 'signed_in')).toBe(1);
    const codeErrors = (s: Samples) =>
      s.value('tenantgram_telegram_errors_total', { door: 'mtproto', code: 'PHONE_CODE_INVALID' });
    expect(codeErrors(after) - codeErrors(before)).toBe(1);
  });

  it('counts an expired code once, however often the spent login is tried again', async () => {
    const before = await scrape();
    const tenant = await newTenant(app);
    const user = await newSandboxUser(cluster.sandbox);
    const ttl = cluster.sandbox.world.codeTtlSeconds;
    // A code that lives no time at all: expired as soon as it is sent, with no wait.
    cluster.sandbox.world.codeTtlSeconds = 0;
    let started: request.Response;
    try {
      started = await setup(tenant.headers, user.phone).expect(200);
    } finally {
      cluster.sandbox.world.codeTtlSeconds = ttl;
    }
    const code = await latestCode(cluster.sandbox, user.phone);
    for (let i = 0; i < 2; i++) {
      const res = await request(app.url)
        .post('/api/user-mtproto/verify')
        .set(tenant.headers)
        .send({ login_id: started.body.login_id, verification_code: code })
        .expect(400);
      expect(res.body.error.code).toBe('PHONE_CODE_EXPIRED');
    }
    const after = await scrape();
    expect(logins(after, 'expired') - logins(before, 'expired')).toBe(1);
  });

  it('counts a QR login of a 2FA account: token issued, password needed, a wrong password, signed in', async () => {
    const before = await scrape();
    const qr = (s: Samples, result: string) => s.value('tenantgram_mtproto_logins_total', { flow: 'qr', result });
    const tenant = await newTenant(app);
    const user = await newSandboxUser(cluster.sandbox, { password: 'qr pass phrase' });
    const started = await request(app.url)
      .post('/api/user-mtproto/qr')
      .set(tenant.headers)
      .send({ telegram_api_id: API_ID, telegram_api_hash: API_HASH })
      .expect(200);
    const token = /^tg:\/\/login\?token=([A-Za-z0-9_-]+)$/.exec(started.body.qr_url as string)?.[1];
    await control(cluster.sandbox, 'POST', `/sandbox/users/${user.phone}/accept-login-token`, { token });
    const poll = () => request(app.url).get(`/api/user-mtproto/qr/${started.body.login_id}`).set(tenant.headers);
    expect((await poll().expect(200)).body.state).toBe('password_needed');
    expect((await poll().expect(200)).body.state).toBe('password_needed');
    const password = (value: string) =>
      request(app.url)
        .post(`/api/user-mtproto/qr/${started.body.login_id}/password`)
        .set(tenant.headers)
        .send({ password: value });
    await password('nope').expect(400);
    await password('qr pass phrase').expect(200);

    const after = await scrape();
    expect(qr(after, 'sent_code') - qr(before, 'sent_code')).toBe(1);
    // Polled twice, counted once: the login reached the step once.
    expect(qr(after, 'password_needed') - qr(before, 'password_needed')).toBe(1);
    expect(qr(after, 'invalid_code') - qr(before, 'invalid_code')).toBe(1);
    expect(qr(after, 'signed_in') - qr(before, 'signed_in')).toBe(1);
  });

  it('counts a FLOOD_WAIT answered to a login as flood_wait with its seconds, and one the client slept through', async () => {
    const before = await scrape();
    const floodSeconds = (s: Samples) => s.value('tenantgram_mtproto_flood_wait_seconds_total');
    const floodErrors = (s: Samples) =>
      s.value('tenantgram_telegram_errors_total', { door: 'mtproto', code: 'FLOOD_WAIT' });
    const tenant = await newTenant(app);
    const user = await newSandboxUser(cluster.sandbox);

    await control(cluster.sandbox, 'POST', '/sandbox/faults', {
      door: 'mtproto',
      method: 'auth.sendCode',
      error: 'FLOOD_WAIT_30',
    });
    const refused = await setup(tenant.headers, user.phone).expect(429);
    expect(refused.body.error).toMatchObject({ code: 'FLOOD_WAIT', retry_after: 30 });
    const mid = await scrape();
    expect(logins(mid, 'flood_wait') - logins(before, 'flood_wait')).toBe(1);
    expect(floodSeconds(mid) - floodSeconds(before)).toBe(30);
    expect(floodErrors(mid) - floodErrors(before)).toBe(1);

    // Below MTPROTO_FLOOD_SLEEP_SECONDS the client waits and asks again: the login goes on, the wait is counted.
    await control(cluster.sandbox, 'POST', '/sandbox/faults', {
      door: 'mtproto',
      method: 'auth.sendCode',
      error: 'FLOOD_WAIT_1',
    });
    await setup(tenant.headers, user.phone).expect(200);
    const after = await scrape();
    expect(floodSeconds(after) - floodSeconds(mid)).toBe(1);
    expect(floodErrors(after) - floodErrors(mid)).toBe(1);
    expect(logins(after, 'sent_code') - logins(mid, 'sent_code')).toBe(1);
  });

  it('reports the sessions a worker holds, and counts a session Telegram revoked', async () => {
    const before = await scrape();
    const tenant = await newTenant(app);
    const user = await newSandboxUser(cluster.sandbox);
    await connectAccount(app, cluster.sandbox, tenant, user);
    const channel = await channelWithPosts(app, cluster.sandbox, tenant, user, ['hello']);
    await request(app.url).get(`/api/channels/${channel.id}/history`).set(tenant.headers).expect(200);

    const held = await scrape();
    expect(held.value('tenantgram_mtproto_sessions', { state: 'leased' })).toBeGreaterThanOrEqual(1);
    expect(held.value('tenantgram_mtproto_sessions', { state: 'connected' })).toBeGreaterThanOrEqual(1);

    await control(cluster.sandbox, 'POST', `/sandbox/users/${user.phone}/revoke-sessions`);
    const revoked = (s: Samples) => s.value('tenantgram_mtproto_sessions_revoked_total');
    const after = await until((s) => revoked(s) - revoked(before), 1, 'the revocation to be counted');
    expect(revoked(after) - revoked(before)).toBe(1);
    await until(
      (s) => (s.value('tenantgram_mtproto_sessions', { state: 'leased' }) === 0 ? 1 : 0),
      1,
      'the revoked session to leave the pool',
    );
  });

  it('counts posts retried after a 5xx, then sent with their delay, and refused ones as failed, with the Bot API codes', async () => {
    const before = await scrape();
    const posts = (s: Samples, result: string) => s.value('tenantgram_posts_total', { result });
    const botErrors = (s: Samples, code: string) => s.value('tenantgram_telegram_errors_total', { door: 'bot', code });
    const delays = (s: Samples) => s.value('tenantgram_post_delay_seconds_count');
    const { headers } = await newTenant(app);
    const bot = await connectBot(app, cluster.sandbox, headers);
    const channel = await channelFor(app, cluster.sandbox, headers, bot.id);
    const post = (text: string) =>
      request(app.url)
        .post(`/api/channels/${channel.id}/posts`)
        .set(headers)
        .send({ text, idempotency_key: text.replace(/\W+/g, '-') })
        .expect(201);

    await control(cluster.sandbox, 'POST', '/sandbox/faults', { door: 'bot', method: 'sendMessage', error: 502 });
    await post('after one 502');
    const sent = await until((s) => posts(s, 'sent') - posts(before, 'sent'), 1, 'the post to be sent');
    expect(posts(sent, 'retried') - posts(before, 'retried')).toBe(1);
    expect(botErrors(sent, '502') - botErrors(before, '502')).toBe(1);
    expect(delays(sent) - delays(before)).toBe(1);
    // The retry waited a second's backoff: the post went out at least that long after it was due.
    expect(sent.value('tenantgram_post_delay_seconds_bucket', { le: '0.5' })).toBe(
      before.value('tenantgram_post_delay_seconds_bucket', { le: '0.5' }),
    );

    await control(cluster.sandbox, 'POST', '/sandbox/faults', { door: 'bot', method: 'sendMessage', error: 400 });
    await post('refused');
    const failed = await until((s) => posts(s, 'failed') - posts(before, 'failed'), 1, 'the post to fail');
    expect(botErrors(failed, '400') - botErrors(before, '400')).toBe(1);
    expect(posts(failed, 'sent') - posts(before, 'sent')).toBe(1);
  });

  it("counts a tenant bot's updates", async () => {
    const before = await scrape();
    const { headers } = await newTenant(app);
    const bot = await connectBot(app, cluster.sandbox, headers);
    const user = await newSandboxUser(cluster.sandbox);
    await control(cluster.sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: 'hi' });
    await control(cluster.sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, {
      from_phone: user.phone,
      text: 'again',
    });
    const updates = (s: Samples) => s.value('tenantgram_bot_updates_total');
    const after = await until((s) => updates(s) - updates(before), 2, 'the updates to be counted');
    expect(updates(after) - updates(before)).toBe(2);
  });

  it('reports every queue’s jobs by state and its oldest waiting job', async () => {
    const s = await scrape();
    for (const queue of ['maintenance', 'bot-updates', 'post-send', 'events-maintenance', 'notifications']) {
      expect(s.has('tenantgram_queue_jobs', { queue, state: 'waiting' })).toBe(true);
      expect(s.has('tenantgram_queue_jobs', { queue, state: 'failed' })).toBe(true);
      expect(s.value('tenantgram_queue_oldest_waiting_seconds', { queue })).toBeGreaterThanOrEqual(0);
      expect(s.has('tenantgram_queue_oldest_waiting_seconds', { queue })).toBe(true);
    }
  });

  it('names in the Grafana dashboard and the alerts only metrics the app serves', async () => {
    const served = (await scrape()).families;
    const used = metricNamesOfDeploy();
    expect(used.size).toBeGreaterThan(10);
    // Series Prometheus and kube-state-metrics make themselves.
    const external = new Set(['up', 'kube_deployment_status_replicas_unavailable']);
    const unknown = [...used].filter((name) => !served.has(name) && !external.has(name));
    expect(unknown).toEqual([]);
  });
});
