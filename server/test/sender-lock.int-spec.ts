import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { redisConnectionOptions } from '../src/modules/redis/redis-connection';
import { SenderLock } from '../src/modules/posts/sender-lock';
import { TEST_REDIS_URL, uniqueRedisPrefix } from './helpers/test-database';

describe('SenderLock (Redis)', () => {
  const redis = new Redis(redisConnectionOptions(TEST_REDIS_URL, { maxRetriesPerRequest: 3 }));
  const key = (): string => `${uniqueRedisPrefix()}:send-lock:${randomUUID()}`;
  afterAll(async () => {
    await redis.quit();
  });

  it('lets one sender in at a time', async () => {
    const k = key();
    const held = await SenderLock.acquire(redis, k, 5000);
    expect(held).not.toBeNull();
    expect(await SenderLock.acquire(redis, k, 5000)).toBeNull();
    await held!.release();
    const next = await SenderLock.acquire(redis, k, 5000);
    expect(next).not.toBeNull();
    await next!.release();
  });

  it('tells the holder, as it lets go, that a sender was turned away meanwhile', async () => {
    const k = key();
    const held = await SenderLock.acquire(redis, k, 5000);
    expect(await held!.release()).toBe(false);
    const again = await SenderLock.acquire(redis, k, 5000);
    expect(await SenderLock.acquire(redis, k, 5000)).toBeNull();
    expect(await again!.release()).toBe(true);
    // The note is taken with it: the next holder starts clean.
    const clean = await SenderLock.acquire(redis, k, 5000);
    expect(await clean!.release()).toBe(false);
  });

  it('leaves no note when the waker knows of no new work (the sweep)', async () => {
    const k = key();
    const held = await SenderLock.acquire(redis, k, 5000);
    expect(await SenderLock.acquire(redis, k, 5000, false)).toBeNull();
    expect(await held!.release()).toBe(false);
  });
});
