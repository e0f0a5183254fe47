import { randomUUID } from 'node:crypto';
import { RateLimitError } from '../src/modules/rate-limit/rate-limit.errors';
import { RateLimitRedis } from '../src/modules/rate-limit/rate-limit.redis';
import { TelegramSendLimiter } from '../src/modules/rate-limit/telegram-send-limiter';
import { TenantRateLimiter } from '../src/modules/rate-limit/tenant-rate-limiter';
import { testConfig } from './helpers/test-app';

describe('rate limiters (Redis)', () => {
  const redis = new RateLimitRedis(testConfig());
  const tenant = new TenantRateLimiter(redis);
  const telegram = new TelegramSendLimiter(redis);
  afterAll(async () => redis.onModuleDestroy());

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
    const started = Date.now();
    await (
      await tenant.acquire(id, limits, { maxWaitMs: 2000 })
    )();
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });

  it('spaces sends to one chat by at least a second, counted from when the previous one came back', async () => {
    const target = { botId: randomUUID(), chatId: '-100123', isGroup: true };
    const first = await telegram.tryTake(target);
    expect(first).toHaveProperty('done');
    // Still in flight: the next one waits however long that takes.
    expect(await telegram.tryTake(target)).toMatchObject({ scope: 'chat' });
    if ('done' in first) await first.done();
    expect(await telegram.tryTake(target)).toMatchObject({ scope: 'chat', waitMs: expect.any(Number) });
    const wait = await telegram.tryTake(target);
    expect('waitMs' in wait && wait.waitMs).toBeGreaterThan(900);
    const other = await telegram.tryTake({ ...target, chatId: '-100456' });
    expect(other).toHaveProperty('done');
  });

  it('stops every send of a bot for retry_after once Telegram answered 429', async () => {
    const target = { botId: randomUUID(), chatId: '-100789', isGroup: true };
    await telegram.block(target.botId, 2);
    const wait = await telegram.tryTake(target);
    expect(wait).toMatchObject({ scope: 'blocked' });
    expect('waitMs' in wait && wait.waitMs).toBeGreaterThan(1500);
  });
});
