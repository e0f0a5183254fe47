import { Inject } from '@nestjs/common';
import type { RedisOptions } from './redis-connection';

/** The app's shared Redis clients, one of each per app instance. */
export enum RedisClientName {
  /** Plain commands and scripts of every module (locks, dedupe, throttles, limiters, lookups). */
  Commands = 'commands',
  /**
   * Readiness: fails fast rather than queueing while Redis is down (no offline queue, no
   * retries, short timeouts, no background reconnects: each check connects again if needed).
   */
  Probe = 'probe',
}

/** How long a readiness check waits for Redis before calling it down. */
export const REDIS_PROBE_TIMEOUT_MS = 2000;

/** The driver options each named client adds to those of the URL. */
export const REDIS_CLIENT_OPTIONS: Record<RedisClientName, RedisOptions> = {
  [RedisClientName.Commands]: { maxRetriesPerRequest: 3 },
  [RedisClientName.Probe]: {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: REDIS_PROBE_TIMEOUT_MS,
    commandTimeout: REDIS_PROBE_TIMEOUT_MS,
    retryStrategy: () => null,
  },
};

/** The DI token of a named client. */
export const redisClientToken = (name: RedisClientName): string => `redis-client:${name}`;

/** Injects a named client: `@InjectRedis(RedisClientName.Commands) redis: RedisClient`. */
export const InjectRedis = (name: RedisClientName): ParameterDecorator & PropertyDecorator =>
  Inject(redisClientToken(name));
