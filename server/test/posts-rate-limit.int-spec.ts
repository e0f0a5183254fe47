import { randomUUID } from 'node:crypto';
import { RateLimitError } from '../src/modules/rate-limit/rate-limit.errors';
import { RateLimitRedis } from '../src/modules/rate-limit/rate-limit.redis';
import { TelegramSendLimiter } from '../src/modules/rate-limit/telegram-send-limiter';
import { TenantRateLimiter } from '../src/modules/rate-limit/tenant-rate-limiter';
import { RedisClientName } from '../src/modules/redis/redis-client-name';
import { closeRedisClient } from '../src/modules/redis/redis-connection';
import { standaloneRedisClient } from '../src/modules/redis/redis-connections';
import { RecordingClock } from './helpers/clocks';
import { testConfig } from './helpers/test-app';

describe('rate limiters (Redis)', () => {
  const config = testConfig();
  const client = standaloneRedisClient(config.redis.url, RedisClientName.Commands);
  const redis = new RateLimitRedis(config, client);
  // The scripts decide by Redis's clock; the limiters' own sleeps are written down to check what they waited for.
  const clock = new RecordingClock();
  const tenant = new TenantRateLimiter(redis, clock);
  const telegram = new TelegramSendLimiter(redis, config, clock);
  afterAll(async () => closeRedisClient(client));

  it('holds a tenant to max_concurrent_requests until a slot is released', async () => {
    const id = randomUUID();
    const limits = { rps: 100, maxConcurrent: 2 };
    const a = await tenant.acquire(id, limits);
    await tenant.acquire(id, limits);
    await expect(tenant.acquire(id, limits, { maxWaitMs: 100 })).rejects.toBeInstanceOf(RateLimitError);
    await a();
    await expect(tenant.acquire(id, limits, { maxWaitMs: 100 })).resolves.toEqual(expect.any(Function));
  });

  it('holds a tenant to rate_limit_rps and answers 429 with retry_after when it cannot wait', async () => {
    const id = randomUUID();
    const limits = { rps: 3, maxConcurrent: 100 };
    for (let i = 0; i < 3; i++) await (await tenant.acquire(id, limits))();
    const err = await tenant.acquire(id, limits, { maxWaitMs: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).httpStatus).toBe(429);
    expect((err as RateLimitError).details).toEqual({ retry_after: 1 });
    const sleptBefore = clock.totalSlept;
    await (
      await tenant.acquire(id, limits, { maxWaitMs: 2000 })
    )();
    // It waited in place for the oldest call to leave the second.
    expect(clock.totalSlept - sleptBefore).toBeGreaterThanOrEqual(500);
  });

  // A wait is counted from a moment this side of Redis knows too: the wait plus the time since that moment is
  // the whole spacing, however slow the machine is between the two calls (Redis's clock and Date.now() are one).
  const spacing = (waitMs: number, from: number): number => waitMs + (Date.now() - from);

  const sender = (over: Partial<{ rps: number; maxConcurrent: number }> = {}) => ({
    tenantId: randomUUID(),
    botId: randomUUID(),
    rps: 1000,
    maxConcurrent: 1000,
    ...over,
  });

  it('spaces sends to one chat by at least a second, counted from when the previous one came back', async () => {
    const s = sender();
    const first = await telegram.take(s, '-100123', 0);
    expect(first).toHaveProperty('done');
    // Still in flight: the next one waits however long that takes.
    expect(await telegram.take(s, '-100123', 0)).toMatchObject({ scope: 'chat' });
    const doneAt = Date.now();
    if ('done' in first) await first.done();
    const wait = await telegram.take(s, '-100123', 0);
    expect(wait).toMatchObject({ scope: 'chat', waitMs: expect.any(Number) });
    expect(spacing('waitMs' in wait ? wait.waitMs : 0, doneAt)).toBeGreaterThanOrEqual(1000);
    expect(await telegram.take(s, '-100456', 0)).toHaveProperty('done');
  });

  it('waits in place for a chat when the caller can wait that long', async () => {
    const s = sender();
    const first = await telegram.take(s, '-100321', 0);
    const doneAt = Date.now();
    if ('done' in first) await first.done();
    const sleptBefore = clock.totalSlept;
    const second = await telegram.take(s, '-100321', 2000);
    expect(second).toHaveProperty('done');
    // It slept in place, for what was left of the second counted from the first send's return.
    expect(clock.totalSlept - sleptBefore).toBeGreaterThan(0);
    expect(Date.now() - doneAt).toBeGreaterThanOrEqual(1000);
  });

  it('holds a chat to 20 sends a minute', async () => {
    const s = sender();
    const now = Date.now();
    // 20 calls to the chat in the last 40 s, a second or more apart: the chat's second is free, its minute is not.
    await redis.client.zadd(
      `${redis.prefix}:chat:${s.botId}:-100777`,
      ...Array.from({ length: 20 }, (_, i) => [now - 40_000 + i * 1000, `earlier:${i}`]).flat(),
    );
    const batch = await telegram.takeBatch(s, ['-100777', '-100778']);
    expect(batch.waits[0]).toMatchObject({ scope: 'group' });
    // The oldest leaves the minute 60 s after it came back: about 20 s from now.
    expect(batch.waits[0]!.waitMs).toBeGreaterThan(15_000);
    expect(batch.waits[0]!.waitMs).toBeLessThanOrEqual(20_100);
    expect(batch.waits[1]).toBeNull();
  });

  it('stops every send of a bot for retry_after once Telegram answered 429', async () => {
    const s = sender();
    const blockedAt = Date.now();
    await telegram.block(s.botId, 2);
    const wait = await telegram.take(s, '-100789', 0);
    expect(wait).toMatchObject({ scope: 'blocked' });
    expect(spacing('waitMs' in wait ? wait.waitMs : 0, blockedAt)).toBeGreaterThanOrEqual(2000);
  });

  describe('a batch for one tenant bot', () => {
    const chats = (n: number, from = 1): string[] => Array.from({ length: n }, (_, i) => `-100${from + i}`);

    it('takes at most 30 sends of a bot at once, and tells the rest to wait for the bot', async () => {
      const s = sender();
      const batch = await telegram.takeBatch(s, chats(35));
      expect(batch.waits.filter((w) => w === null)).toHaveLength(30);
      expect(batch.waits.slice(30)).toEqual(Array(5).fill(expect.objectContaining({ scope: 'bot' })));
      // Once the calls came back, the window counts from then: about a second.
      const returnedAt = Date.now();
      await batch.complete(Array(35).fill(returnedAt));
      const next = await telegram.takeBatch(s, chats(1, 100));
      expect(next.waits[0]).toMatchObject({ scope: 'bot', waitMs: expect.any(Number) });
      expect(spacing(next.waits[0]!.waitMs, returnedAt)).toBeGreaterThanOrEqual(1000);
    });

    it('spaces a chat by a second from when its call came back, and lets other chats go', async () => {
      const s = sender();
      const first = await telegram.takeBatch(s, ['-1001', '-1002']);
      const returnedAt = Date.now();
      await first.complete([returnedAt, returnedAt]);
      const second = await telegram.takeBatch(s, ['-1001', '-1003']);
      expect(second.waits[0]).toMatchObject({ scope: 'chat' });
      expect(spacing(second.waits[0]!.waitMs, returnedAt)).toBeGreaterThanOrEqual(1000);
      expect(second.waits[1]).toBeNull();
    });

    it('holds the batch to the tenant budget, and gives back slots that were not used', async () => {
      const s = sender({ rps: 1000, maxConcurrent: 2 });
      const batch = await telegram.takeBatch(s, chats(3));
      expect(batch.waits.slice(0, 2)).toEqual([null, null]);
      expect(batch.waits[2]).toMatchObject({ scope: 'tenant' });
      // Neither call was made: both slots return, and the chats are free again at once.
      await batch.complete([0, 0, 0]);
      const again = await telegram.takeBatch(s, chats(2));
      expect(again.waits).toEqual([null, null]);
      await again.complete([Date.now(), Date.now()]);
    });

    it('stops the whole batch while the bot is blocked by a 429', async () => {
      const s = sender();
      await telegram.block(s.botId, 2);
      const batch = await telegram.takeBatch(s, chats(3));
      expect(batch.waits).toEqual(Array(3).fill(expect.objectContaining({ scope: 'blocked' })));
    });
  });
});
