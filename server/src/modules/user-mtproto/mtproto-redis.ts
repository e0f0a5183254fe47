import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import Redis from 'ioredis';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { redisConnectionOptions } from '../../common/redis';

/**
 * Redis for the session owners: one connection for commands plus dedicated ones for blocking
 * reads and subscriptions (a blocked or subscribed connection can do nothing else). Keys live
 * under the deployment's prefix. Connections close last, after the pool released its leases.
 */
@Injectable()
export class MtprotoRedis implements OnApplicationShutdown {
  readonly cmd: Redis;
  /** This process's name among the workers; lease values and request routing use it. */
  readonly instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly prefix: string;
  private readonly extra = new Set<Redis>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.cmd = new Redis(redisConnectionOptions(config.redis.url, { maxRetriesPerRequest: 3 }));
    this.prefix = `${config.redis.prefix}:mtproto`;
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /** A connection of its own (blocking reads, subscriptions), closed with the others. */
  dedicated(): Redis {
    const conn = new Redis(redisConnectionOptions(this.config.redis.url, { maxRetriesPerRequest: null }));
    this.extra.add(conn);
    return conn;
  }

  async close(conn: Redis): Promise<void> {
    this.extra.delete(conn);
    conn.disconnect();
    await Promise.resolve();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const conn of this.extra) conn.disconnect();
    this.extra.clear();
    // Everything this process owed Redis (lease releases) was awaited before this hook.
    this.cmd.disconnect();
    await Promise.resolve();
  }
}
