import request from 'supertest';
import { newTenant } from '../factories/user.factory';
import { channelFor, connectBot, control, eventually, ownerQuery } from '../helpers/bot-world';
import { startTestAppWithSandbox, type SandboxTestApp } from '../helpers/test-app';
import { startThrowawayRedis, type ThrowawayRedis } from '../helpers/throwaway-redis';

const CHANNELS = 4;
/** Telegram lets about one message a second into a chat, so this many keep the sender busy for several seconds. */
const POSTS_PER_CHANNEL = 8;

describe('Redis restarted mid-sending', () => {
  let redis: ThrowawayRedis;
  let t: SandboxTestApp;

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    t = await startTestAppWithSandbox({
      env: { REDIS_URL: redis.url, SEND_SWEEP_MS: '300', SEND_LOCK_MS: '3000' },
    });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.close();
  });

  const sentCount = async (): Promise<number> =>
    Number((await ownerQuery<{ n: string }>(t, `SELECT count(*) AS n FROM posts WHERE status = 'sent'`))[0]?.n ?? 0);

  it('sends every queued post exactly once', async () => {
    const { headers } = await newTenant(t);
    const bot = await connectBot(t, t.sandbox, headers);
    const channels: Awaited<ReturnType<typeof channelFor>>[] = [];
    for (let c = 0; c < CHANNELS; c++) channels.push(await channelFor(t, t.sandbox, headers, bot.id));
    for (let i = 0; i < POSTS_PER_CHANNEL; i++) {
      await Promise.all(
        channels.map((ch, c) =>
          request(t.url)
            .post(`/api/channels/${ch.id}/posts`)
            .set(headers)
            .send({ text: `post ${c}.${i}`, idempotency_key: `p-${c}-${i}` })
            .expect(201),
        ),
      );
    }
    const total = CHANNELS * POSTS_PER_CHANNEL;
    // Restart while the sender is half way through.
    await eventually(async () => ((await sentCount()) >= CHANNELS ? true : undefined));
    expect(await sentCount()).toBeLessThan(total);
    await redis.stop();
    // Down long enough for the app to notice (its own readiness says so) before it comes back.
    await request(t.url).get('/health/ready').expect(503);
    await redis.start();

    await eventually(async () => ((await sentCount()) === total ? true : undefined), {
      timeoutMs: 45_000,
      stepMs: 200,
    });
    const statuses = await ownerQuery<{ status: string; n: string }>(
      t,
      'SELECT status, count(*) AS n FROM posts GROUP BY status',
    );
    expect(statuses).toEqual([{ status: 'sent', n: String(total) }]);
    for (const [c, ch] of channels.entries()) {
      const messages = (await control(t.sandbox, 'GET', `/sandbox/channels/${ch.telegramId}/messages`)).body as {
        text: string;
      }[];
      expect(messages.map((m) => m.text)).toEqual(
        Array.from({ length: POSTS_PER_CHANNEL }, (_, i) => `post ${c}.${i}`),
      );
    }
    await request(t.url).get('/health/ready').expect(200);
  });

  it('reports Redis down in readiness and answers 503 REDIS_UNAVAILABLE while it is stopped, and is ready again once it is back', async () => {
    await redis.stop();
    try {
      const res = await request(t.url).get('/health/ready').expect(503);
      expect(res.body.checks).toMatchObject({ redis: { status: 'down' }, postgres: { status: 'up' } });
      expect(res.body.error.message).toContain('Redis');
      // Login throttling lives in Redis.
      const login = await request(t.url)
        .post('/api/auth/login')
        .send({ email: 'nobody@example.test', password: 'not the password' })
        .expect(503);
      expect(login.body.error.code).toBe('REDIS_UNAVAILABLE');
      expect(login.headers['retry-after']).toBe('5');
    } finally {
      await redis.start();
    }
    await eventually(async () => ((await request(t.url).get('/health/ready')).status === 200 ? true : undefined));
  });
});
