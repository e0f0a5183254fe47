import request from 'supertest';
import { newTenant } from '../factories/user.factory';
import { channelFor, connectBot, control, eventually } from '../helpers/bot-world';
import { startTestAppWithSandbox, type SandboxTestApp } from '../helpers/test-app';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../helpers/throwaway-postgres';
import { present } from '../helpers/present';

describe('Postgres restarted under traffic', () => {
  let pg: ThrowawayPostgres;
  let t: SandboxTestApp;

  beforeAll(async () => {
    pg = await startThrowawayPostgres();
    t = await startTestAppWithSandbox({ db: pg.db, env: { SEND_SWEEP_MS: '200' } });
  });
  afterAll(async () => {
    await t?.close();
    await pg?.close();
  });

  it('answers 503 DATABASE_UNAVAILABLE and reports not ready while Postgres is down, then recovers without losing or doubling a post', async () => {
    const { headers } = await newTenant(t);
    const bot = await connectBot(t, t.sandbox, headers);
    const ch = await channelFor(t, t.sandbox, headers, bot.id);
    const posts = `/api/channels/${ch.id}/posts`;
    // Accepted before the outage, due only once Postgres is gone (or, on a slow machine, sent before: still once).
    const early = await request(t.url)
      .post(posts)
      .set(headers)
      .send({ text: 'accepted before', idempotency_key: 'before', scheduled_at: new Date(Date.now() + 1500) })
      .expect(201);

    await pg.stop();

    const list = await request(t.url).get(posts).set(headers).expect(503);
    expect(list.body.error.code).toBe('DATABASE_UNAVAILABLE');
    expect(list.headers['retry-after']).toBe('5');
    const during = await request(t.url)
      .post(posts)
      .set(headers)
      .send({ text: 'retried after', idempotency_key: 'during' })
      .expect(503);
    expect(during.body.error).toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      message: expect.stringContaining('Retry'),
    });
    const notReady = await request(t.url).get('/health/ready').expect(503);
    expect(notReady.body.checks.postgres.status).toBe('down');
    expect(notReady.body.checks.redis.status).toBe('up');
    await request(t.url).get('/health/live').expect(200);

    await pg.start();

    await eventually(async () => ((await request(t.url).get('/health/ready')).status === 200 ? true : undefined));
    const retried = await request(t.url)
      .post(posts)
      .set(headers)
      .send({ text: 'retried after', idempotency_key: 'during' })
      .expect(201);
    const again = await request(t.url)
      .post(posts)
      .set(headers)
      .send({ text: 'retried after', idempotency_key: 'during' })
      .expect(200);
    expect(again.body.id).toBe(retried.body.id);
    const earlyAgain = await request(t.url)
      .post(posts)
      .set(headers)
      .send({ text: 'accepted before', idempotency_key: 'before' })
      .expect(200);
    expect(earlyAgain.body.id).toBe(early.body.id);

    for (const id of [early.body.id as string, retried.body.id as string]) {
      await eventually(async () => {
        const res = await request(t.url).get(`/api/posts/${id}`).set(headers);
        return res.body.status === 'sent' ? true : undefined;
      }, 30_000);
    }
    const messages = (await control(t.sandbox, 'GET', `/sandbox/channels/${ch.telegramId}/messages`)).body as {
      text: string;
    }[];
    expect(messages.map((m) => m.text).sort()).toEqual(['accepted before', 'retried after']);
  });

  it('sends every post queued before a restart exactly once', async () => {
    const { headers } = await newTenant(t);
    const bot = await connectBot(t, t.sandbox, headers);
    const channels: Awaited<ReturnType<typeof channelFor>>[] = [];
    for (let c = 0; c < 4; c++) channels.push(await channelFor(t, t.sandbox, headers, bot.id));
    const perChannel = 6;
    for (let i = 0; i < perChannel; i++) {
      await Promise.all(
        channels.map((ch, c) =>
          request(t.url)
            .post(`/api/channels/${ch.id}/posts`)
            .set(headers)
            .send({ text: `post ${c}.${i}`, idempotency_key: `mid-${c}-${i}` })
            .expect(201),
        ),
      );
    }
    const delivered = async (): Promise<number> => {
      let n = 0;
      for (const ch of channels) {
        n += ((await control(t.sandbox, 'GET', `/sandbox/channels/${ch.telegramId}/messages`)).body as unknown[])
          .length;
      }
      return n;
    };
    await eventually(async () => ((await delivered()) >= channels.length ? true : undefined));
    await pg.stop();
    await request(t.url).get('/health/ready').expect(503);
    await pg.start();

    const total = channels.length * perChannel;
    await eventually(
      async () => {
        const res = await request(t.url)
          .get(`/api/channels/${present(channels[0], 'a channel').id}/posts`)
          .set(headers);
        if (res.status !== 200) return undefined;
        const lists = await Promise.all(
          channels.map((ch) => request(t.url).get(`/api/channels/${ch.id}/posts?page_size=100`).set(headers)),
        );
        const statuses = lists.flatMap((l) => (l.body.items as { status: string }[]).map((p) => p.status));
        return statuses.length === total && statuses.every((s) => s === 'sent' || s === 'failed')
          ? statuses
          : undefined;
      },
      { timeoutMs: 45_000, stepMs: 200 },
    ).then((statuses) => expect(statuses.filter((s) => s !== 'sent')).toEqual([]));
    for (const [c, ch] of channels.entries()) {
      const messages = (await control(t.sandbox, 'GET', `/sandbox/channels/${ch.telegramId}/messages`)).body as {
        text: string;
      }[];
      expect(messages.map((m) => m.text)).toEqual(Array.from({ length: perChannel }, (_, i) => `post ${c}.${i}`));
    }
  });

  it('records a post Telegram accepted while Postgres was down as sent once it is back, never failed or sent twice', async () => {
    const { headers } = await newTenant(t);
    const bot = await connectBot(t, t.sandbox, headers);
    const ch = await channelFor(t, t.sandbox, headers, bot.id);
    // Telegram takes its time over this send, so Postgres goes away while the post is out.
    await control(t.sandbox, 'POST', '/sandbox/faults', {
      door: 'bot',
      method: 'sendMessage',
      error: 'delay:3000',
      times: 1,
    });
    const post = await request(t.url)
      .post(`/api/channels/${ch.id}/posts`)
      .set(headers)
      .send({ text: 'in flight', idempotency_key: 'in-flight' })
      .expect(201);
    await eventually(async () => {
      const res = await request(t.url).get(`/api/posts/${post.body.id}`).set(headers);
      return res.body.status === 'sending' ? true : undefined;
    });
    await pg.stop();
    const messages = async (): Promise<{ text: string }[]> =>
      (await control(t.sandbox, 'GET', `/sandbox/channels/${ch.telegramId}/messages`)).body as { text: string }[];
    await eventually(async () => ((await messages()).length > 0 ? true : undefined));
    await pg.start();

    const done = await eventually(async () => {
      const res = await request(t.url).get(`/api/posts/${post.body.id}`).set(headers);
      return ['sent', 'failed'].includes(res.body.status as string) ? (res.body as { status: string }) : undefined;
    }, 30_000);
    expect(done).toMatchObject({ status: 'sent', telegram_message_id: expect.anything() });
    expect((await messages()).map((m) => m.text)).toEqual(['in flight']);
  });
});
