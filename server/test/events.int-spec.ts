import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { SandboxHandle } from '../src/sandbox';
import { TenantDb } from '../src/modules/database/tenant-db';
import { EventType, type TenantEvent } from '../src/modules/events/event-types';
import { EventsHousekeeping } from '../src/modules/events/events.housekeeping';
import { EventsNotifier } from '../src/modules/events/events-notifier';
import { EventsService } from '../src/modules/events/events.service';
import type { BotUpdatesBatch } from '../src/modules/bot/webhook-ingest.service';
import { QueueName } from '../src/modules/queue/queue-names';
import { newTenant } from './factories/user.factory';
import { addBotToChannel, channelFor, connectBot, control, newUser, ownerQuery } from './helpers/bot-world';
import { eventually } from './helpers/eventually';
import { present } from './helpers/present';
import { startTestAppWithSandbox, type SandboxTestApp } from './helpers/test-app';
import { telegramFor } from './sandbox/bot-helpers';

type Headers = { Authorization: string };
interface Page {
  events: TenantEvent[];
  next_after: string;
}

/** An open event stream: the events it delivered so far, and how to end it. */
interface OpenStream {
  status: number;
  events: TenantEvent[];
  close(): void;
}

describe('events', () => {
  let sandbox: SandboxHandle;
  let t: SandboxTestApp;

  beforeAll(async () => {
    t = await startTestAppWithSandbox({
      env: {
        SEND_SWEEP_MS: '500',
        EVENTS_WAIT_MAX_SECONDS: '5',
        EVENTS_STREAMS_PER_TENANT: '2',
        EVENTS_RETENTION_DAYS: '1',
      },
    });
    sandbox = t.sandbox;
  });
  afterAll(async () => {
    await t?.close();
  });

  const pull = async (headers: Headers, query: Record<string, string | number> = {}): Promise<Page> =>
    (await request(t.url).get('/api/events').query(query).set(headers).expect(200)).body as Page;

  /** The tenant's events once `done` holds for them (read from the oldest, all types). */
  const eventsWhen = (headers: Headers, done: (events: TenantEvent[]) => boolean, query = {}): Promise<TenantEvent[]> =>
    eventually(async () => {
      const { events } = await pull(headers, { limit: 500, ...query });
      return done(events) ? events : undefined;
    }, 30_000);

  const ping = async (tenantId: string, n: number): Promise<TenantEvent> => {
    const event = await t.app.get(EventsService).emit(tenantId, EventType.Ping, { n });
    if (!event) throw new Error('a ping without a dedupe key is always recorded');
    return event;
  };

  /** Opens GET /api/events/stream and collects the events it sends. */
  async function openStream(headers: Headers, extra: Record<string, string> = {}, query = ''): Promise<OpenStream> {
    const abort = new AbortController();
    const res = await fetch(`${t.url}/api/events/stream${query}`, {
      headers: { ...headers, ...extra, accept: 'text/event-stream' },
      signal: abort.signal,
    });
    const stream: OpenStream = { status: res.status, events: [], close: () => abort.abort() };
    if (res.status !== 200 || !res.body) {
      await res.text().catch(() => undefined);
      return stream;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = frame
              .split('\n')
              .filter((l) => l.startsWith('data: '))
              .map((l) => l.slice(6))
              .join('\n');
            if (data) stream.events.push(JSON.parse(data) as TenantEvent);
          }
        }
      } catch {
        // Aborted by close().
      }
    })();
    return stream;
  }

  it('turns a message, its edit, a button press, the bot joining a channel and a channel post into events, in order; a redelivered update adds none', async () => {
    const { user, headers } = await newTenant(t);
    const bot = await connectBot(t, sandbox, headers);
    const alice = await newUser(sandbox, 'Alice');
    // Each happens once the one before is an event: updates in flight together are handled side by side,
    // and may be recorded in either order (their update_id keeps Telegram's).
    const recorded = (n: number): Promise<TenantEvent[]> => eventsWhen(headers, (es) => es.length === n);
    const sent = await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, {
      from_phone: alice.phone,
      text: 'hello bot',
    });
    expect(sent.status).toBe(200);
    await recorded(1);
    await control(sandbox, 'PATCH', `/sandbox/bots/${bot.id}/messages/${sent.body.message_id}`, {
      text: 'hello bot, edited',
    });
    await recorded(2);
    const question = await telegramFor(sandbox, bot.token).sendMessage(alice.id, 'Pick one', {
      reply_markup: { inline_keyboard: [[{ text: 'Yes', callback_data: 'yes' }]] },
    });
    const pressed = await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/callback`, {
      from_phone: alice.phone,
      message_id: question.message_id,
      callback_data: 'yes',
    });
    expect(pressed.status).toBe(200);
    await recorded(3);
    const channel = await channelFor(t, sandbox, headers, bot.id);
    await recorded(4);
    await control(sandbox, 'POST', `/sandbox/channels/${channel.telegramId}/messages`, {
      text: 'channel news',
      from_phone: channel.ownerPhone,
    });

    const events = await eventsWhen(headers, (es) => es.some((e) => e.type === EventType.BotChannelPost));
    expect(events.map((e) => e.type)).toEqual([
      EventType.BotMessage,
      EventType.BotEditedMessage,
      EventType.BotCallbackQuery,
      EventType.BotMemberChanged,
      EventType.BotChannelPost,
    ]);
    const ids = events.map((e) => BigInt(e.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const [message, edited, callback, member, post] = events as [TenantEvent, ...TenantEvent[]] & TenantEvent[];
    expect(message).toMatchObject({
      id: expect.stringMatching(/^\d+$/),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { bot_id: String(bot.id), update: { update_id: sent.body.update_id, message: { text: 'hello bot' } } },
    });
    expect(edited?.data).toMatchObject({ update: { edited_message: { text: 'hello bot, edited' } } });
    expect(callback?.data).toMatchObject({
      update: { callback_query: { data: 'yes', id: pressed.body.callback_query_id } },
    });
    expect(member?.data).toMatchObject({ update: { my_chat_member: { chat: { id: channel.telegramId } } } });
    expect(post?.data).toMatchObject({ update: { channel_post: { text: 'channel news' } } });

    // The first update again, as a batch that runs a second time: no second event. A later message shows
    // that the worker has run past it.
    const queue = t.app.get<Queue<BotUpdatesBatch>>(getQueueToken(QueueName.BotUpdates));
    const rerun = await queue.add('updates', {
      updates: [{ tenantId: user.id, botId: String(bot.id), update: message.data.update as never }],
    });
    await eventually(async () => (await rerun.getState()) === 'completed');
    await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: alice.phone, text: 'again' });
    const after = await eventsWhen(headers, (es) => es.length > 0, { after: present(post, 'post').id });
    expect(after.map((e) => e.type)).toEqual([EventType.BotMessage]);
    expect(after[0]?.data).toMatchObject({ update: { message: { text: 'again' } } });
    const stored = await ownerQuery<{ n: number }>(
      t,
      `SELECT count(*)::int AS n FROM events WHERE user_id = $1 AND data->'update'->>'update_id' = $2`,
      [user.id, String(sent.body.update_id)],
    );
    expect(stored[0]?.n).toBe(1);
  });

  it("gives a basic group's messages the bot hears bot.message with the update as received (chat.type group, negative id)", async () => {
    const { headers } = await newTenant(t);
    const bot = await connectBot(t, sandbox, headers);
    const alice = await newUser(sandbox, 'Alice');
    const bob = await newUser(sandbox, 'Bob');
    const group = await control(sandbox, 'POST', '/sandbox/groups', {
      title: 'Team chat',
      owner_phone: alice.phone,
      member_phones: [bob.phone],
      bots: [{ id: bot.id }],
    });
    expect(group).toMatchObject({ status: 201, body: { type: 'group', bot_api_id: -group.body.id } });
    const say = (from: string, text: string) =>
      control(sandbox, 'POST', `/sandbox/groups/${group.body.id}/messages`, { from_phone: from, text });
    // Put in the group, the bot hears of it first, then the group's first message: Alice made it.
    await eventsWhen(headers, (es) => es.length === 2);
    // In privacy mode the bot hears commands meant for it, not the chatter.
    expect((await say(alice.phone, 'hello everyone')).status).toBe(200);
    const command = await say(bob.phone, `/price@${bot.username} tomorrow`);
    await eventsWhen(headers, (es) => es.length === 3);
    await say(alice.phone, '/price');
    const events = await eventsWhen(headers, (es) => es.length === 4);
    expect(events.map((e) => e.type)).toEqual([
      EventType.BotMemberChanged,
      EventType.BotMessage,
      EventType.BotMessage,
      EventType.BotMessage,
    ]);
    expect(events[0]?.data).toMatchObject({
      bot_id: String(bot.id),
      update: {
        my_chat_member: {
          chat: { id: -group.body.id, title: 'Team chat', type: 'group' },
          from: { id: alice.id },
          old_chat_member: { status: 'left' },
          new_chat_member: { status: 'member', user: { id: bot.id } },
        },
      },
    });
    expect(events[1]?.data).toMatchObject({
      update: { message: { from: { id: alice.id }, group_chat_created: true } },
    });
    const update = events[2]?.data.update as Record<string, any>;
    expect(update).toEqual({
      update_id: expect.any(Number),
      message: {
        message_id: command.body.message_id,
        from: expect.objectContaining({ id: bob.id, is_bot: false, first_name: 'Bob' }),
        chat: { id: -group.body.id, title: 'Team chat', type: 'group' },
        date: expect.any(Number),
        text: `/price@${bot.username} tomorrow`,
        entities: [{ offset: 0, length: `/price@${bot.username}`.length, type: 'bot_command' }],
      },
    });
    expect(events[3]?.data).toMatchObject({
      bot_id: String(bot.id),
      update: { message: { text: '/price', chat: { id: -group.body.id, type: 'group' } } },
    });

    const missing = await control(sandbox, 'POST', '/sandbox/groups/999/messages', {
      from_phone: alice.phone,
      text: 'x',
    });
    expect(missing.status).toBe(404);
  });

  it('records post.sent and post.failed, and answers only the types asked for', async () => {
    const { headers } = await newTenant(t);
    const bot = await connectBot(t, sandbox, headers);
    const good = await channelFor(t, sandbox, headers, bot.id);
    const bad = await channelFor(t, sandbox, headers, bot.id, { admin: false });
    const ok = await request(t.url)
      .post(`/api/channels/${good.id}/posts`)
      .set(headers)
      .send({ text: 'out', idempotency_key: 'out' })
      .expect(201);
    const ko = await request(t.url)
      .post(`/api/channels/${bad.id}/posts`)
      .set(headers)
      .send({ text: 'no', idempotency_key: 'no' })
      .expect(201);

    const types = `${EventType.PostSent},${EventType.PostFailed}`;
    const events = await eventsWhen(headers, (es) => es.length === 2, { types });
    const sent = events.find((e) => e.type === EventType.PostSent);
    const failed = events.find((e) => e.type === EventType.PostFailed);
    expect(sent?.data).toEqual({ post_id: ok.body.id, channel_id: good.id, message_id: expect.any(Number) });
    expect(failed?.data).toEqual({
      post_id: ko.body.id,
      channel_id: bad.id,
      error: expect.stringContaining('not a member'),
    });
    const post = await request(t.url).get(`/api/posts/${ok.body.id}`).set(headers).expect(200);
    expect(String(sent?.data.message_id)).toBe(String(post.body.telegram_message_id));

    // The channels' member events are there too, and left out by the filter.
    const all = await pull(headers, { limit: 500 });
    expect(all.events.filter((e) => e.type === EventType.BotMemberChanged).length).toBeGreaterThan(0);
    const onlyFailed = await pull(headers, { types: EventType.PostFailed });
    expect(onlyFailed.events.map((e) => e.id)).toEqual([failed?.id]);
  });

  it("records bot.admin_rights_changed when Telegram changes the bot's known rights in a channel", async () => {
    const { headers } = await newTenant(t);
    const bot = await connectBot(t, sandbox, headers);
    const channel = await channelFor(t, sandbox, headers, bot.id);
    // Known once checked: a change needs rights to change from.
    const checked = await request(t.url).post(`/api/channels/${channel.id}/admin-status`).set(headers).expect(200);
    expect(checked.body).toMatchObject({ bot_is_admin: true, bot_can_post: true });

    await addBotToChannel(sandbox, channel.telegramId, bot.id, { admin: true, can_post_messages: false });
    const [changed, ...more] = await eventsWhen(headers, (es) => es.length > 0, {
      types: EventType.BotAdminRightsChanged,
    });
    expect(more).toEqual([]);
    expect(changed?.data).toEqual({
      channel_id: channel.id,
      telegram_id: String(channel.telegramId),
      bot_is_admin: true,
      bot_can_post: false,
      was: { bot_is_admin: true, bot_can_post: true },
    });
  });

  it('pages from a cursor, oldest first, up to limit', async () => {
    const { user, headers } = await newTenant(t);
    for (let n = 1; n <= 5; n++) await ping(user.id, n);
    const first = await pull(headers, { limit: 2 });
    expect(first.events.map((e) => e.data.n)).toEqual([1, 2]);
    expect(first.next_after).toBe(first.events[1]?.id);
    const rest = await pull(headers, { after: first.next_after, limit: 500 });
    expect(rest.events.map((e) => e.data.n)).toEqual([3, 4, 5]);
    const none = await pull(headers, { after: rest.next_after });
    expect(none).toEqual({ events: [], next_after: rest.next_after });
  });

  it('shares one append among callers recording at the same time, answers each its own events, and wakes every tenant recorded', async () => {
    const [a, b] = [await newTenant(t), await newTenant(t)];
    const notifier = t.app.get(EventsNotifier);
    const woken = new Set<string>();
    const stops = [a, b].map(({ user }) => notifier.listen(user.id, () => woken.add(user.id)));
    const events = t.app.get(EventsService);
    const pings = (...ns: number[]) => ns.map((n) => ({ type: EventType.Ping, data: { n } }));
    try {
      // Three callers at once, two of them naming the same tenant.
      const [one, two, three] = await Promise.all([
        events.emitMany(a.user.id, pings(1, 2)),
        events.emitMany(a.user.id, pings(3)),
        events.emitForTenants([
          { tenantId: b.user.id, events: pings(4) },
          { tenantId: a.user.id, events: pings(5) },
        ]),
      ]);
      expect(one.map((e) => e.data.n)).toEqual([1, 2]);
      expect(two.map((e) => e.data.n)).toEqual([3]);
      expect(three.get(b.user.id)?.map((e) => e.data.n)).toEqual([4]);
      expect(three.get(a.user.id)?.map((e) => e.data.n)).toEqual([5]);
      expect((await pull(a.headers, { limit: 500 })).events.map((e) => e.data.n).sort()).toEqual([1, 2, 3, 5]);
      expect((await pull(b.headers, { limit: 500 })).events.map((e) => e.data.n)).toEqual([4]);
      await eventually(() => woken.has(a.user.id) && woken.has(b.user.id));
    } finally {
      for (const stop of stops) stop();
    }
  });

  it('long-polls: answers with the event that arrives while it waits, and with nothing after wait when none does', async () => {
    const { user, headers } = await newTenant(t);
    const start = await ping(user.id, 0);
    const polling = request(t.url).get('/api/events').query({ after: start.id, wait: 5 }).set(headers);
    const answer = polling.then((r) => r);
    // The poll is waiting (listening for the tenant's wake-ups) before the event is recorded.
    await eventually(() => t.app.get(EventsNotifier).listenerCount(user.id) > 0);
    const arrived = await ping(user.id, 1);
    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.body.events).toEqual([arrived]);

    const empty = await request(t.url)
      .get('/api/events')
      .query({ after: arrived.id, wait: 1 })
      .set(headers)
      .expect(200);
    expect(empty.body).toEqual({ events: [], next_after: arrived?.id });
  });

  it('stops waiting for a long poll whose client went away', async () => {
    const { user, headers } = await newTenant(t);
    const notifier = t.app.get(EventsNotifier);
    const abort = new AbortController();
    const gone = fetch(`${t.url}/api/events?wait=5`, { headers, signal: abort.signal }).catch(() => undefined);
    await eventually(() => notifier.listenerCount(user.id) === 1);
    abort.abort();
    await gone;
    // Inside the poll's own 5 s: the client leaving ended it, not its deadline.
    await eventually(() => notifier.listenerCount(user.id) === 0, { timeoutMs: 4000 });
  });

  it('wakes a long poll for an event recorded in a transaction of its writer', async () => {
    const { user, headers } = await newTenant(t);
    const start = await ping(user.id, 0);
    const answer = request(t.url)
      .get('/api/events')
      .query({ after: start.id, wait: 5 })
      .set(headers)
      .then((r) => r);
    await eventually(() => t.app.get(EventsNotifier).listenerCount(user.id) > 0);
    const inTx = await t.app
      .get(TenantDb)
      .run(user.id, (em) => t.app.get(EventsService).emit(user.id, EventType.Ping, { n: 1 }, { em }));
    expect((await answer).body.events).toEqual([inTx]);
  });

  it('streams events as Server-Sent Events from Last-Event-ID or after, then live', async () => {
    const { user, headers } = await newTenant(t);
    const [p1, p2, p3] = [await ping(user.id, 1), await ping(user.id, 2), await ping(user.id, 3)];
    const resumed = await openStream(headers, { 'Last-Event-ID': p1.id }, `?after=${p2.id}`);
    try {
      expect(resumed.status).toBe(200);
      await eventually(() => resumed.events.length === 2);
      expect(resumed.events).toEqual([p2, p3]);
      const live = await ping(user.id, 4);
      await eventually(() => resumed.events.length === 3);
      expect(resumed.events[2]).toEqual(live);
    } finally {
      resumed.close();
    }
    const fromAfter = await openStream(headers, {}, `?after=${p2.id}&types=ping`);
    try {
      await eventually(() => fromAfter.events.length >= 2);
      expect(fromAfter.events.map((e) => e.data.n)).toEqual([3, 4]);
    } finally {
      fromAfter.close();
    }
  });

  it('refuses more open streams than EVENTS_STREAMS_PER_TENANT with 429, and frees a slot when a client leaves', async () => {
    const { headers } = await newTenant(t);
    const a = await openStream(headers);
    const b = await openStream(headers);
    try {
      expect([a.status, b.status]).toEqual([200, 200]);
      const res = await request(t.url).get('/api/events/stream').set(headers).expect(429);
      expect(res.body.error.code).toBe('TOO_MANY_EVENT_STREAMS');
      a.close();
      const c = await eventually(async () => {
        const s = await openStream(headers);
        return s.status === 200 ? s : undefined;
      });
      c.close();
    } finally {
      a.close();
      b.close();
    }
  });

  it.each([
    ['after', { after: 'abc' }],
    ['after', { after: '-1' }],
    ['after', { after: '99999999999999999999' }],
    ['after', { after: '9223372036854775808' }],
    ['types', { types: 'bot.message,bot.nope' }],
    ['limit', { limit: 501 }],
    ['limit', { limit: 0 }],
    ['limit', { limit: 'ten' }],
    ['wait', { wait: 6 }],
    ['wait', { wait: -1 }],
    ['wait', { wait: 1.5 }],
  ])('answers 400 VALIDATION_FAILED naming %s for %j', async (field, query) => {
    const { headers } = await newTenant(t);
    const res = await request(t.url).get('/api/events').query(query).set(headers).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.message).toContain(field);
  });

  it('answers 400 for a stream with a malformed Last-Event-ID or type, and 401 without a token', async () => {
    const { headers } = await newTenant(t);
    const bad = await request(t.url).get('/api/events/stream').set(headers).set('Last-Event-ID', 'x1').expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    await request(t.url).get('/api/events/stream').query({ types: 'nope' }).set(headers).expect(400);
    await request(t.url).get('/api/events').expect(401);
    await request(t.url).get('/api/events/stream').expect(401);
  });

  it("never shows a tenant another tenant's events, through the API or in SQL", async () => {
    const a = await newTenant(t);
    const b = await newTenant(t);
    const mine = await ping(a.user.id, 1);
    expect((await pull(b.headers, { limit: 500 })).events).toEqual([]);
    expect((await pull(a.headers)).events).toEqual([mine]);

    const ds = t.app.get(DataSource);
    const seen = await t.app.get(TenantDb).run(b.user.id, async (em) => ({
      events: await em.query<unknown[]>('SELECT id FROM events'),
      keys: await em.query<unknown[]>('SELECT key FROM event_keys'),
      partitions: await em.query<unknown[]>(
        `SELECT id FROM events_default UNION ALL SELECT id FROM ${await todaysPartition()}`,
      ),
    }));
    expect(seen).toEqual({ events: [], keys: [], partitions: [] });
    // Without a tenant scope the app's role sees nothing at all.
    expect(await ds.query('SELECT id FROM events')).toEqual([]);
    // And cannot write as another tenant.
    await expect(
      t.app
        .get(TenantDb)
        .run(b.user.id, (em) =>
          em.query(`INSERT INTO events (user_id, type, data) VALUES ($1, 'ping', '{}')`, [a.user.id]),
        ),
    ).rejects.toThrow(/row-level security/);
  });

  async function todaysPartition(): Promise<string> {
    const rows = await ownerQuery<{ name: string }>(
      t,
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass AND c.relname = 'events_p' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD')`,
    );
    return present(rows[0], "today's partition").name;
  }

  it('drops partitions past the retention, and keeps recording in the default partition until the day has its own again', async () => {
    const { user, headers } = await newTenant(t);
    const old = await ping(user.id, 1);
    const partition = await todaysPartition();
    const housekeeping = t.app.get(EventsHousekeeping);
    // Three days on, with a retention of one day, today's partition has expired.
    const later = await housekeeping.runPass(new Date(Date.now() + 3 * 86_400_000));
    expect(later.dropped).toContain(partition);
    expect(later.created.length).toBeGreaterThan(0);
    expect((await pull(headers)).events).toEqual([]);

    // Today's events now go to the default partition; the next pass gives today its partition back, with them.
    const kept = await ping(user.id, 2);
    expect(BigInt(kept.id)).toBeGreaterThan(BigInt(old.id));
    const now = await housekeeping.runPass();
    expect(now.created).toContain(partition);
    expect(now.dropped).toEqual([]);
    expect((await pull(headers)).events).toEqual([kept]);
    const where = await ownerQuery<{ part: string }>(
      t,
      `SELECT tableoid::regclass::text AS part FROM events WHERE id = $1`,
      [kept.id],
    );
    expect(where[0]?.part).toBe(partition);
  });
});
