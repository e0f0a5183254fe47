import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import type { SandboxHandle } from '../src/sandbox';
import { UserRole } from '../src/modules/tenants/user.entity';
import { EventType, type TenantEvent } from '../src/modules/events/event-types';
import { EventsService } from '../src/modules/events/events.service';
import type { NotificationJob } from '../src/modules/bot/notifications.service';
import { QueueName } from '../src/modules/queue/queue-names';
import { WebhookDeliveryProcessor } from '../src/modules/webhooks/webhook-delivery.processor';
import { WebhookDispatcher } from '../src/modules/webhooks/webhook-dispatcher';
import type { DeliveryJob } from '../src/modules/webhooks/webhook-jobs';
import { newStaff, newTenant } from './factories/user.factory';
import { channelFor, connectBot, control, newUser } from './helpers/bot-world';
import { eventually } from './helpers/eventually';
import { startTestApp, startTestAppWithSandbox, type SandboxTestApp, type TestApp } from './helpers/test-app';
import { type ReceivedWebhook, WebhookReceiver } from './helpers/webhook-receiver';
import { telegramFor } from './sandbox/bot-helpers';
import { LogCapture } from './helpers/log-capture';

type Headers = { Authorization: string };

interface Delivery {
  event_id: string;
  attempt: number;
  status: string;
  status_code: number | null;
  duration_ms: number | null;
  error: string | null;
  delivered_at: string | null;
  next_attempt_at: string | null;
}

describe('webhooks', () => {
  let sandbox: SandboxHandle;
  let t: SandboxTestApp;
  const receiver = new WebhookReceiver();
  const logs = new LogCapture();
  /** Every secret the API showed: none may appear in the logs. */
  const secrets: string[] = [];

  beforeAll(async () => {
    await receiver.start();
    t = await startTestAppWithSandbox({
      logStream: logs,
      env: {
        LOG_LEVEL: 'debug',
        WEBHOOK_RETRY_SCHEDULE_SECONDS: '1,1,1,1,1,1,1,1,1,1',
        WEBHOOK_DISABLE_AFTER_SECONDS: '4',
        WEBHOOK_SECRET_OVERLAP_SECONDS: '3',
        WEBHOOK_SWEEP_SECONDS: '2',
        WEBHOOK_ENDPOINTS_PER_TENANT: '3',
      },
    });
    sandbox = t.sandbox;
  });
  afterAll(async () => {
    await t?.close();
    await receiver.close();
  });

  const create = async (
    headers: Headers,
    path: string,
    body: Record<string, unknown> = {},
  ): Promise<{ id: string; secret: string }> => {
    const res = await request(t.url)
      .post('/api/webhook-endpoints')
      .set(headers)
      .send({ url: `${receiver.url}${path}`, ...body })
      .expect(201);
    secrets.push(res.body.secret);
    return res.body;
  };

  const deliveries = async (headers: Headers, id: string, query: Record<string, string | number> = {}) =>
    (await request(t.url).get(`/api/webhook-endpoints/${id}/deliveries`).query(query).set(headers).expect(200)).body
      .items as Delivery[];

  const eventOf = (r: ReceivedWebhook): TenantEvent => JSON.parse(r.body) as TenantEvent;
  const verify = (secret: string, r: ReceivedWebhook): unknown => new Webhook(secret).verify(r.body, r.headers);
  const ping = (tenantId: string, data: Record<string, unknown> = {}) =>
    t.app
      .get(EventsService)
      .emit(tenantId, EventType.PostSent, { post_id: 'p', channel_id: 'c', message_id: 1, ...data });

  it('creates, lists, reads, changes and deletes endpoints, showing the secret only at creation', async () => {
    const { headers } = await newTenant(t);
    const created = await request(t.url)
      .post('/api/webhook-endpoints')
      .set(headers)
      .send({ url: `${receiver.url}/crud`, event_types: ['bot.message', 'post.sent'], description: 'CRM' })
      .expect(201);
    secrets.push(created.body.secret);
    expect(created.body).toEqual({
      id: expect.any(String),
      url: `${receiver.url}/crud`,
      event_types: ['bot.message', 'post.sent'],
      description: 'CRM',
      status: 'enabled',
      disabled_reason: null,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      created_at: expect.any(String),
    });
    const { id } = created.body;
    const list = await request(t.url).get('/api/webhook-endpoints').set(headers).expect(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).not.toHaveProperty('secret');
    const one = await request(t.url).get(`/api/webhook-endpoints/${id}`).set(headers).expect(200);
    expect(one.body).not.toHaveProperty('secret');
    const patched = await request(t.url)
      .patch(`/api/webhook-endpoints/${id}`)
      .set(headers)
      .send({ event_types: [], description: null, status: 'disabled' })
      .expect(200);
    expect(patched.body).toMatchObject({ event_types: [], description: null, status: 'disabled' });
    expect(patched.body.disabled_reason).toEqual(expect.any(String));
    const enabled = await request(t.url)
      .patch(`/api/webhook-endpoints/${id}`)
      .set(headers)
      .send({ status: 'enabled' })
      .expect(200);
    expect(enabled.body).toMatchObject({ status: 'enabled', disabled_reason: null });
    await request(t.url).delete(`/api/webhook-endpoints/${id}`).set(headers).expect(204);
    await request(t.url).get(`/api/webhook-endpoints/${id}`).set(headers).expect(404);
  });

  it('refuses unknown event types naming them, oversized fields, and more endpoints than the cap', async () => {
    const { headers } = await newTenant(t);
    const bad = await request(t.url)
      .post('/api/webhook-endpoints')
      .set(headers)
      .send({ url: `${receiver.url}/x`, event_types: ['bot.message', 'bot.nope'] })
      .expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(bad.body.error.message).toContain('bot.nope');
    const long = await request(t.url)
      .post('/api/webhook-endpoints')
      .set(headers)
      .send({ url: `${receiver.url}/${'x'.repeat(2048)}` })
      .expect(400);
    expect(long.body.error.message).toContain('url');
    await request(t.url)
      .post('/api/webhook-endpoints')
      .set(headers)
      .send({ url: `${receiver.url}/x`, description: 'd'.repeat(501) })
      .expect(400);
    await request(t.url).post('/api/webhook-endpoints').set(headers).send({ url: 'ftp://example.com/' }).expect(400);
    for (let i = 0; i < 3; i++) await create(headers, `/cap${i}`);
    const over = await request(t.url)
      .post('/api/webhook-endpoints')
      .set(headers)
      .send({ url: `${receiver.url}/cap3` })
      .expect(409);
    expect(over.body.error.code).toBe('TOO_MANY_WEBHOOK_ENDPOINTS');
    const other = await newTenant(t);
    const { id } = await create(other.headers, '/r');
    const replayBad = await request(t.url)
      .post(`/api/webhook-endpoints/${id}/replay`)
      .set(other.headers)
      .send({ from_event_id: 'abc' })
      .expect(400);
    expect(replayBad.body.error.code).toBe('VALIDATION_FAILED');
  });

  it("answers 404 for another tenant's endpoint on every route", async () => {
    const a = await newTenant(t);
    const b = await newTenant(t);
    const { id } = await create(a.headers, '/mine');
    const routes: [string, string, object?][] = [
      ['get', `/api/webhook-endpoints/${id}`],
      ['patch', `/api/webhook-endpoints/${id}`, { description: 'x' }],
      ['delete', `/api/webhook-endpoints/${id}`],
      ['post', `/api/webhook-endpoints/${id}/rotate-secret`],
      ['post', `/api/webhook-endpoints/${id}/test`],
      ['get', `/api/webhook-endpoints/${id}/deliveries`],
      ['post', `/api/webhook-endpoints/${id}/replay`, { from_event_id: '1' }],
    ];
    for (const [method, path, body] of routes) {
      const call = (request(t.url) as any)[method](path).set(b.headers);
      const res = await (body ? call.send(body) : call);
      expect({ path, method, status: res.status, code: res.body.error?.code }).toEqual({
        path,
        method,
        status: 404,
        code: 'NOT_FOUND',
      });
    }
    await request(t.url).get('/api/webhook-endpoints/not-a-uuid').set(b.headers).expect(404);
    expect((await request(t.url).get('/api/webhook-endpoints').set(b.headers).expect(200)).body.items).toEqual([]);
    await request(t.url).get(`/api/webhook-endpoints/${id}`).set(a.headers).expect(200);
  });

  it('signs deliveries so standardwebhooks verifies them; after a rotation both secrets verify during the overlap, then only the new one', async () => {
    const { user, headers } = await newTenant(t);
    const { id, secret } = await create(headers, '/signed');
    const event = await ping(user.id);
    const [first] = await eventually(() => receiver.at('/signed').length === 1 && receiver.at('/signed'));
    expect(first?.headers['content-type']).toBe('application/json');
    expect(first?.headers['webhook-id']).toBe(event?.id);
    expect(eventOf(first as ReceivedWebhook)).toEqual(event);
    expect(verify(secret, first as ReceivedWebhook)).toEqual(event);
    // What GET /api/events serves is exactly what was delivered.
    const pulled = await request(t.url)
      .get('/api/events')
      .query({ after: BigInt(event?.id ?? 0) - 1n })
      .set(headers);
    expect(pulled.body.events[0]).toEqual(eventOf(first as ReceivedWebhook));

    const rotated = await request(t.url).post(`/api/webhook-endpoints/${id}/rotate-secret`).set(headers).expect(200);
    const fresh = rotated.body.secret as string;
    secrets.push(fresh);
    expect(fresh).not.toBe(secret);
    const test = await request(t.url).post(`/api/webhook-endpoints/${id}/test`).set(headers).expect(202);
    const during = await eventually(() =>
      receiver.at('/signed').find((r) => r.headers['webhook-id'] === test.body.event_id),
    );
    expect(during.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(verify(fresh, during)).toMatchObject({ type: 'ping', data: { endpoint_id: id } });
    expect(verify(secret, during)).toMatchObject({ type: 'ping' });

    // Past the overlap (3 s here) the old secret no longer signs.
    const after = await eventually(
      async () => {
        const again = await request(t.url).post(`/api/webhook-endpoints/${id}/test`).set(headers).expect(202);
        const got = await eventually(() =>
          receiver.at('/signed').find((r) => r.headers['webhook-id'] === again.body.event_id),
        );
        return got.headers['webhook-signature']?.split(' ').length === 1 ? got : undefined;
      },
      { timeoutMs: 20_000, stepMs: 500 },
    );
    expect(verify(fresh, after)).toMatchObject({ type: 'ping' });
    expect(() => verify(secret, after)).toThrow();
  });

  it('retries an endpoint answering 500 three times, then 200, with the same webhook-id, and shows the four attempts', async () => {
    const { user, headers } = await newTenant(t);
    receiver.answer('/flaky', 500, 500, 500, 200);
    const { id, secret } = await create(headers, '/flaky');
    const event = await ping(user.id);
    const got = await eventually(() => receiver.at('/flaky').length >= 4 && receiver.at('/flaky'), 30_000);
    expect(got.map((r) => r.status)).toEqual([500, 500, 500, 200]);
    expect(new Set(got.map((r) => r.headers['webhook-id']))).toEqual(new Set([event?.id]));
    for (const r of got) expect(verify(secret, r)).toEqual(event);
    const items = await eventually(async () => {
      const all = await deliveries(headers, id);
      return all.some((d) => d.status === 'succeeded') && all;
    });
    expect(items.map((d) => [d.event_id, d.attempt, d.status, d.status_code])).toEqual([
      [event?.id, 4, 'succeeded', 200],
      [event?.id, 3, 'failed', 500],
      [event?.id, 2, 'failed', 500],
      [event?.id, 1, 'failed', 500],
    ]);
    for (const d of items.slice(1)) {
      expect(d.next_attempt_at).toEqual(expect.any(String));
      expect(d.error).toContain('500');
      expect(d.duration_ms).toEqual(expect.any(Number));
    }
    expect(items[0]?.next_attempt_at).toBeNull();
    expect((await deliveries(headers, id, { status: 'failed', limit: 2 })).map((d) => d.attempt)).toEqual([3, 2]);
    await request(t.url).get(`/api/webhook-endpoints/${id}/deliveries`).query({ limit: 101 }).set(headers).expect(400);
    await request(t.url).get(`/api/webhook-endpoints/${id}/deliveries`).query({ status: 'x' }).set(headers).expect(400);
  });

  it('delivers through the sweep, with the same webhook-id, a first attempt whose process died while making it', async () => {
    const { user, headers } = await newTenant(t);
    const { id, secret } = await create(headers, '/orphan');
    const dispatcher = t.app.get(WebhookDispatcher);
    let started: DeliveryJob | undefined;
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The process making first attempts here "dies" in the middle of one: it neither POSTs nor records.
    dispatcher.deliverInProcess(async (job) => {
      started = job;
      await held;
    }, 64);
    try {
      const event = await ping(user.id);
      await eventually(() => started?.eventId === event?.id);
      expect((await deliveries(headers, id)).map((d) => [d.event_id, d.attempt, d.status])).toEqual([
        [event?.id, 1, 'pending'],
      ]);
      expect(receiver.at('/orphan')).toHaveLength(0);
      // A minute on, the sweep finds the attempt still pending and queues it for the delivery workers.
      expect((await dispatcher.sweep(new Date(Date.now() + 61_000))).requeued).toBeGreaterThanOrEqual(1);
      const [got] = await eventually(() => receiver.at('/orphan').length > 0 && receiver.at('/orphan'));
      expect(got?.headers['webhook-id']).toBe(event?.id);
      expect(got && verify(secret, got)).toEqual(event);
      await eventually(async () => (await deliveries(headers, id))[0]?.status === 'succeeded');
    } finally {
      release();
      t.app.get(WebhookDeliveryProcessor).onApplicationBootstrap();
    }
  });

  it('disables a dead endpoint after the configured time, records endpoint.disabled for the pull API and queues a system bot note', async () => {
    const { user, headers } = await newTenant(t);
    receiver.answer('/dead', 503);
    receiver.answer('/other', 200);
    const dead = await create(headers, '/dead');
    const other = await create(headers, '/other', { event_types: ['endpoint.disabled'] });
    await ping(user.id);
    const disabled = await eventually(
      async () => {
        const res = await request(t.url).get(`/api/webhook-endpoints/${dead.id}`).set(headers).expect(200);
        return res.body.status === 'disabled' && res.body;
      },
      { timeoutMs: 40_000, what: 'the dead endpoint disabled' },
    );
    expect(disabled.disabled_reason).toContain('failed');
    const { body } = await request(t.url).get('/api/events').query({ types: 'endpoint.disabled' }).set(headers);
    expect(body.events).toEqual([
      expect.objectContaining({
        type: 'endpoint.disabled',
        data: expect.objectContaining({ endpoint_id: dead.id, url: `${receiver.url}/dead` }),
      }),
    ]);
    // The tenant's other endpoint hears of it.
    const told = await eventually(() =>
      receiver.at('/other').find((r) => eventOf(r).type === EventType.EndpointDisabled),
    );
    expect(verify(other.secret, told)).toMatchObject({ data: { endpoint_id: dead.id } });
    const notifications = t.app.get<Queue<NotificationJob>>(getQueueToken(QueueName.Notifications));
    const note = await eventually(async () =>
      (await notifications.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed'])).find(
        (j) => j.name === 'webhook_endpoint_disabled' && j.data.tenantId === user.id,
      ),
    );
    expect(note.data.notification).toMatchObject({ kind: 'webhook_endpoint_disabled', endpoint_id: dead.id });

    // Enabled again (and fixed), it gets what was held back and the clock starts over.
    const before = receiver.at('/dead').length;
    receiver.answer('/dead', 200);
    await request(t.url)
      .patch(`/api/webhook-endpoints/${dead.id}`)
      .set(headers)
      .send({ status: 'enabled' })
      .expect(200);
    await eventually(() =>
      receiver
        .at('/dead')
        .slice(before)
        .some((r) => r.status === 200),
    );
  });

  it('delivers a message to the bot, a button press and a channel post', async () => {
    const { headers } = await newTenant(t);
    const { secret } = await create(headers, '/bot', {
      event_types: ['bot.message', 'bot.callback_query', 'bot.channel_post'],
    });
    const bot = await connectBot(t, sandbox, headers);
    const alice = await newUser(sandbox, 'Alice');
    const sent = await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, {
      from_phone: alice.phone,
      text: 'hello bot',
    });
    expect(sent.status).toBe(200);
    const question = await telegramFor(sandbox, bot.token).sendMessage(alice.id, 'Pick one', {
      reply_markup: { inline_keyboard: [[{ text: 'Yes', callback_data: 'yes' }]] },
    });
    await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/callback`, {
      from_phone: alice.phone,
      message_id: question.message_id,
      callback_data: 'yes',
    });
    const channel = await channelFor(t, sandbox, headers, bot.id);
    await control(sandbox, 'POST', `/sandbox/channels/${channel.telegramId}/messages`, {
      text: 'channel news',
      from_phone: channel.ownerPhone,
    });
    const got = await eventually(() => receiver.at('/bot').length >= 3 && receiver.at('/bot'), 30_000);
    const events = got.map((r) => verify(secret, r) as TenantEvent);
    expect(events.map((e) => e.type).sort()).toEqual(
      [EventType.BotMessage, EventType.BotCallbackQuery, EventType.BotChannelPost].sort(),
    );
    expect(events.find((e) => e.type === EventType.BotMessage)?.data).toMatchObject({
      bot_id: String(bot.id),
      update: { update_id: sent.body.update_id, message: { text: 'hello bot' } },
    });
    expect(events.find((e) => e.type === EventType.BotCallbackQuery)?.data).toMatchObject({
      update: { callback_query: { data: 'yes' } },
    });
    expect(events.find((e) => e.type === EventType.BotChannelPost)?.data).toMatchObject({
      update: { channel_post: { text: 'channel news' } },
    });
    // The member change is not among the endpoint's types.
    expect(events.some((e) => e.type === EventType.BotMemberChanged)).toBe(false);
  });

  it('replays from an event id with the same webhook-ids, and sends a test ping to this endpoint only', async () => {
    const { user, headers } = await newTenant(t);
    const a = await create(headers, '/replay-a');
    const b = await create(headers, '/replay-b');
    const e1 = await ping(user.id, { n: 1 });
    const e2 = await ping(user.id, { n: 2 });
    const e3 = await ping(user.id, { n: 3 });
    await eventually(() => receiver.at('/replay-a').length === 3);
    const res = await request(t.url)
      .post(`/api/webhook-endpoints/${a.id}/replay`)
      .set(headers)
      .send({ from_event_id: e2?.id })
      .expect(202);
    expect(res.body).toEqual({ from_event_id: e2?.id });
    const all = await eventually(() => receiver.at('/replay-a').length >= 5 && receiver.at('/replay-a'));
    // Deliveries run side by side: each event once, in any order, then the replayed ones again.
    const ids = (rs: ReceivedWebhook[]): (string | undefined)[] => rs.map((r) => r.headers['webhook-id']).sort();
    expect(ids(all.slice(0, 3))).toEqual([e1?.id, e2?.id, e3?.id].sort());
    expect(ids(all.slice(3))).toEqual([e2?.id, e3?.id].sort());
    expect(all.slice(3).map((r) => verify(a.secret, r))).toEqual(expect.arrayContaining([e2, e3]));

    const test = await request(t.url).post(`/api/webhook-endpoints/${b.id}/test`).set(headers).expect(202);
    const pinged = await eventually(() =>
      receiver.at('/replay-b').find((r) => r.headers['webhook-id'] === test.body.event_id),
    );
    expect(verify(b.secret, pinged)).toMatchObject({ type: 'ping', data: { endpoint_id: b.id } });
    // A later event reaching A shows A's dispatch ran past the ping without delivering it.
    const e4 = await ping(user.id, { n: 4 });
    await eventually(() => receiver.at('/replay-a').some((r) => r.headers['webhook-id'] === e4?.id));
    expect(receiver.at('/replay-a').some((r) => r.headers['webhook-id'] === test.body.event_id)).toBe(false);
    expect(receiver.at('/replay-b').filter((r) => r.headers['webhook-id'] === test.body.event_id)).toHaveLength(1);
  });

  it("gives support a tenant's endpoints with their delivery health, and lets them disable, enable and replay", async () => {
    const { user, headers } = await newTenant(t);
    const staff = await newStaff(t, UserRole.Support);
    receiver.answer('/health', 500, 200);
    const { id } = await create(headers, '/health');
    const event = await ping(user.id);
    await eventually(async () => (await deliveries(headers, id)).some((d) => d.status === 'succeeded'));
    const base = `/api/admin/tenants/${user.id}/webhook-endpoints`;
    const list = await request(t.url).get(base).set(staff.headers).expect(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        id,
        url: `${receiver.url}/health`,
        status: 'enabled',
        disabled_reason: null,
        health: {
          attempts_24h: 2,
          succeeded_24h: 1,
          success_rate: 0.5,
          last_failure: { at: expect.any(String), status_code: 500, error: expect.stringContaining('500') },
          next_retry_at: null,
          failing_since: null,
        },
      }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    const off = await request(t.url).patch(`${base}/${id}`).set(staff.headers).send({ status: 'disabled' }).expect(200);
    expect(off.body).toMatchObject({ id, status: 'disabled', disabled_reason: 'disabled by support' });
    expect(off.body).not.toHaveProperty('secret');
    await request(t.url).patch(`${base}/${id}`).set(staff.headers).send({ status: 'enabled' }).expect(200);
    const before = receiver.at('/health').length;
    await request(t.url).post(`${base}/${id}/replay`).set(staff.headers).send({ from_event_id: event?.id }).expect(202);
    await eventually(() => receiver.at('/health').length > before);

    await request(t.url).get(base).set(headers).expect(403);
    const other = await newTenant(t);
    await request(t.url)
      .patch(`/api/admin/tenants/${other.user.id}/webhook-endpoints/${id}`)
      .set(staff.headers)
      .send({ status: 'disabled' })
      .expect(404);
    await request(t.url).get(`/api/admin/tenants/${staff.user.id}/webhook-endpoints`).set(staff.headers).expect(404);
    const empty = await request(t.url).get(`/api/admin/tenants/${other.user.id}/webhook-endpoints`).set(staff.headers);
    expect(empty.body).toEqual({ items: [] });
  });

  it('never writes a secret to the logs', () => {
    expect(secrets.length).toBeGreaterThan(5);
    const all = logs.lines.join('\n');
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(all).not.toContain(secret);
      expect(all).not.toContain(secret.slice(6));
    }
  });
});

describe('webhooks under the production target policy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' } });
  });
  afterAll(async () => t?.close());

  it.each([
    'http://127.0.0.1/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://10.0.0.1/hook',
    'https://127.0.0.1/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://10.0.0.1/hook',
    'https://[::1]/hook',
    'https://[fd00:ec2::254]/',
    'https://localhost/hook',
  ])('refuses %s with WEBHOOK_URL_FORBIDDEN', async (url) => {
    const { headers } = await newTenant(t);
    const res = await request(t.url).post('/api/webhook-endpoints').set(headers).send({ url }).expect(400);
    expect(res.body.error.code).toBe('WEBHOOK_URL_FORBIDDEN');
  });
});
