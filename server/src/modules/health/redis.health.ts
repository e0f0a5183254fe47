import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import Redis from 'ioredis';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { redisConnectionOptions } from '../../common/redis';

/** How long a readiness check waits for a dependency before calling it down. */
export const CHECK_TIMEOUT_MS = 2000;

/**
 * Redis for terminus, which ships no ioredis indicator: a PING on a client of
 * its own that fails fast (no offline queue, no retries, connect and command
 * timeouts) rather than queueing commands while Redis is down.
 */
@Injectable()
export class RedisHealthIndicator implements OnModuleDestroy {
  private readonly redis: Redis;

  constructor(
    private readonly indicator: HealthIndicatorService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.redis = new Redis({
      ...redisConnectionOptions(config.redis.url),
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: CHECK_TIMEOUT_MS,
      commandTimeout: CHECK_TIMEOUT_MS,
      // No background reconnect loop: each readiness check reconnects if needed.
      retryStrategy: () => null,
    });
    this.redis.on('error', () => undefined);
  }

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

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
