import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { REDIS_CLIENT_OPTIONS, type RedisClientName } from './redis-client-name';
import {
  closeRedisClient,
  createRedisClient,
  dropRedisClient,
  type RedisClient,
  redisConnectionOptions,
} from './redis-connection';

/**
 * Every Redis connection of one app instance: the named shared clients, and dedicated
 * connections for blocking reads and subscriptions (a blocked or subscribed connection can
 * do nothing else). All close in the app's last shutdown phase (onApplicationShutdown), after the
 * other modules' onModuleDestroy hooks have done what they owed Redis.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly named = new Map<RedisClientName, RedisClient>();
  private readonly dedicatedConns = new Set<RedisClient>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The shared client of that name, made on first use. */
  client(name: RedisClientName): RedisClient {
    let client = this.named.get(name);
    if (!client) {
      client = createRedisClient(name, redisConnectionOptions(this.config.redis.url, REDIS_CLIENT_OPTIONS[name]));
      this.named.set(name, client);
    }
    return client;
  }

  /** A connection of its own for a blocking read or a subscription (commands wait for a reconnect). */
  dedicated(purpose: 'blocking' | 'subscriber'): RedisClient {
    const conn = createRedisClient(
      purpose,
      redisConnectionOptions(this.config.redis.url, { maxRetriesPerRequest: null }),
    );
    this.dedicatedConns.add(conn);
    return conn;
  }

  /** Drops a dedicated connection at once (a blocking read in flight is abandoned). */
  release(conn: RedisClient): void {
    this.dedicatedConns.delete(conn);
    conn.disconnect();
  }

  async onApplicationShutdown(): Promise<void> {
    const dedicated = [...this.dedicatedConns];
    this.dedicatedConns.clear();
    await Promise.all(dedicated.map((conn) => dropRedisClient(conn)));
    await Promise.all([...this.named.values()].map((client) => closeRedisClient(client)));
    this.named.clear();
  }
}

/**
 * A named client outside an app (scripts, specs building a service by hand); the caller closes
 * it with `closeRedisClient`.
 */
export function standaloneRedisClient(url: string, name: RedisClientName): RedisClient {
  return createRedisClient(name, redisConnectionOptions(url, REDIS_CLIENT_OPTIONS[name]));
}
