import type { RedisClient } from '../redis/redis-connection';
import { randomBytes } from 'node:crypto';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** Takes the lock, or, when another sender holds it, leaves that sender a note to look again (ARGV[3] = '1'). */
const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
if ARGV[3] == '1' then redis.call('SET', KEYS[2], '1', 'PX', ARGV[2]) end
return 0`;

/** Lets go of the lock (if still ours) and answers whether a note was left meanwhile, taking it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
if redis.call('GETDEL', KEYS[2]) then return 1 end
return 0`;

/**
 * One sender per tenant across all workers, so each channel's posts go out
 * one at a time and in order, and the tenant's rounds never overlap. The lock
 * expires on its own when its holder dies.
 *
 * A sender woken while the lock is held leaves (its job is done) but leaves a
 * note; the holder takes the note as it lets go and looks again, so a post
 * queued during a run is never stranded. Both steps are atomic in Redis: the
 * note is either seen by the holder, or written after the holder let go, in
 * which case the waker takes the lock itself.
 */
export class SenderLock {
  private readonly token = randomBytes(12).toString('hex');
  private timer?: NodeJS.Timeout;

  private constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  static async acquire(redis: RedisClient, key: string, ttlMs: number, leaveNote = true): Promise<SenderLock | null> {
    const lock = new SenderLock(redis, key, ttlMs);
    const ok = Number(await redis.eval(ACQUIRE, 2, key, `${key}:again`, lock.token, ttlMs, leaveNote ? '1' : '0'));
    if (ok !== 1) return null;
    lock.timer = setInterval(() => void redis.eval(RENEW, 1, key, lock.token, ttlMs).catch(() => undefined), ttlMs / 3);
    lock.timer.unref();
    return lock;
  }

  /** Lets go; answers true when a sender was turned away meanwhile (there may be new work). */
  async release(): Promise<boolean> {
    clearInterval(this.timer);
    return Number(await this.redis.eval(RELEASE, 2, this.key, `${this.key}:again`, this.token)) === 1;
  }
}
