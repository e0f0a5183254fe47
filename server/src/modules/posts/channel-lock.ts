import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * One sender per channel across all workers, so a channel's posts go out one
 * at a time and in order. The lock expires on its own when its holder dies.
 */
export class ChannelLock {
  private readonly token = randomBytes(12).toString('hex');
  private timer?: NodeJS.Timeout;

  private constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  static async acquire(redis: Redis, key: string, ttlMs: number): Promise<ChannelLock | null> {
    const lock = new ChannelLock(redis, key, ttlMs);
    const ok = await redis.set(key, lock.token, 'PX', ttlMs, 'NX');
    if (!ok) return null;
    lock.timer = setInterval(() => void redis.eval(RENEW, 1, key, lock.token, ttlMs).catch(() => undefined), ttlMs / 3);
    lock.timer.unref();
    return lock;
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.eval(RELEASE, 1, this.key, this.token);
  }
}
