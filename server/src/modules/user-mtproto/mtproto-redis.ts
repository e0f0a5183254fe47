import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { InjectRedis, RedisClientName } from '../redis/redis-client-name';
import type { RedisClient } from '../redis/redis-connection';
import { RedisConnections } from '../redis/redis-connections';

/**
 * Redis for the session owners: the shared command client plus dedicated connections for
 * blocking reads and subscriptions (a blocked or subscribed connection can do nothing else),
 * all from the Redis module, which closes them last, after the pool released its leases.
 * Keys live under the deployment's prefix.
 */
@Injectable()
export class MtprotoRedis {
  /** This process's name among the workers; lease values and request routing use it. */
  readonly instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly prefix: string;

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

  /** A connection of its own (blocking reads, subscriptions), closed with the app's others. */
  dedicated(purpose: 'blocking' | 'subscriber'): RedisClient {
    return this.connections.dedicated(purpose);
  }

  /** Drops a dedicated connection now (a blocking read in flight is abandoned). */
  close(conn: RedisClient): void {
    this.connections.release(conn);
  }
}
