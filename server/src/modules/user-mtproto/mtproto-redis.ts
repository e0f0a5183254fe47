import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { InjectRedis, RedisClientName } from '../redis/redis-client-name';
import type { RedisClient } from '../redis/redis-connection';
import { RedisConnections } from '../redis/redis-connections';

/**
 * Redis for the session owners: the shared command client plus dedicated connections for
 * blocking reads and subscriptions (a blocked or subscribed connection can do nothing else).
 * Keys live under the deployment's prefix. Connections close last, after the pool released
 * its leases.
 */
@Injectable()
export class MtprotoRedis implements OnApplicationShutdown {
  /** This process's name among the workers; lease values and request routing use it. */
  readonly instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly prefix: string;
  private readonly extra = new Set<RedisClient>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectRedis(RedisClientName.Commands) readonly cmd: RedisClient,
    private readonly connections: RedisConnections,
  ) {
    this.prefix = `${config.redis.prefix}:mtproto`;
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** A connection of its own (blocking reads, subscriptions), closed with the others. */
  dedicated(purpose: 'blocking' | 'subscriber'): RedisClient {
    const conn = this.connections.dedicated(purpose);
    this.extra.add(conn);
    return conn;
  }

  async close(conn: RedisClient): Promise<void> {
    this.extra.delete(conn);
    this.connections.release(conn);
    await Promise.resolve();
  }

  async onApplicationShutdown(): Promise<void> {
    // Everything this process owed Redis (lease releases) was awaited before this hook; the shared
    // command client closes with the app's other Redis clients.
    for (const conn of this.extra) this.connections.release(conn);
    this.extra.clear();
    await Promise.resolve();
  }
}
