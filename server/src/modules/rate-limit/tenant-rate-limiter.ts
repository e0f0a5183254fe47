import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Clock } from '../../common/clock';
import { RateLimitError } from './rate-limit.errors';
import { RateLimitRedis } from './rate-limit.redis';

export interface TenantLimitsInput {
  rps: number;
  maxConcurrent: number;
}

/** A held concurrency slot expires on its own after this long (a holder that crashed). */
export const LEASE_MS = 60_000;
const DEFAULT_MAX_WAIT_MS = 10_000;

/**
 * A tenant's own budget for Telegram calls (`rate_limit_rps`,
 * `max_concurrent_requests`), shared by every pod through Redis and by both
 * the Bot API and MTProto sides.
 */
@Injectable()
export class TenantRateLimiter {
  constructor(
    private readonly redis: RateLimitRedis,
    private readonly clock: Clock,
  ) {}

  /**
   * Waits (bounded by maxWaitMs) until the tenant may make one more Telegram
   * call under its rate_limit_rps and max_concurrent_requests; returns a
   * release function for the concurrency slot. Throws RateLimitError (429,
   * retry_after) when it cannot within maxWaitMs.
   */
  async acquire(
    tenantId: string,
    limits: TenantLimitsInput,
    opts: { maxWaitMs?: number } = {},
  ): Promise<() => Promise<void>> {
    const { rps: rpsKey, slots: slotsKey } = this.redis.tenantKeys(tenantId);
    const member = randomBytes(8).toString('hex');
    const rps = Math.max(1, Math.floor(limits.rps));
    const maxConcurrent = Math.max(1, Math.floor(limits.maxConcurrent));
    const deadline = this.clock.now() + (opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS);
    for (;;) {
      const wait = Number(await this.redis.client.takeTenant(rpsKey, slotsKey, member, rps, maxConcurrent, LEASE_MS));
      if (wait === 0) break;
      if (this.clock.now() + wait > deadline) {
        throw new RateLimitError(
          Math.max(1, Math.ceil(wait / 1000)),
          `This account's Telegram request limit (${rps}/s, ${maxConcurrent} at once) is reached; retry shortly.`,
          wait,
        );
      }
      await this.clock.sleep(wait);
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      await this.redis.client.zrem(slotsKey, member);
    };
  }
}
