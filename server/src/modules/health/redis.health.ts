import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { InjectRedis, REDIS_PROBE_TIMEOUT_MS, RedisClientName } from '../redis/redis-client-name';
import type { RedisClient } from '../redis/redis-connection';

/** How long a readiness check waits for a dependency before calling it down. */
export const CHECK_TIMEOUT_MS = REDIS_PROBE_TIMEOUT_MS;

/**
 * Redis for terminus, which ships no ioredis indicator: a PING on the probe
 * client, which fails fast (no offline queue, no retries, connect and command
 * timeouts) rather than queueing commands while Redis is down.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    @InjectRedis(RedisClientName.Probe) private readonly redis: RedisClient,
  ) {}

  async pingCheck<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const check = this.indicator.check(key);
    const started = Date.now();
    try {
      if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
      await this.redis.ping();
      return check.up({ latency_ms: Date.now() - started });
    } catch (err) {
      return check.down({ error: `Redis is unreachable: ${(err as Error).message || 'connection refused'}` });
    }
  }
}
