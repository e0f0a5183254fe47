import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { redisConnectionOptions } from '../../common/redis';

export interface DependencyStatus {
  status: 'up' | 'down';
  error?: string;
  latency_ms?: number;
}

export interface Readiness {
  status: 'ok' | 'unavailable';
  checks: { postgres: DependencyStatus; redis: DependencyStatus };
}

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

@Injectable()
export class HealthService implements OnModuleDestroy {
  private readonly redis: Redis;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    // A client of its own that fails fast rather than queueing commands while Redis is down.
    this.redis = new Redis({
      ...redisConnectionOptions(config.redis.url),
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: CHECK_TIMEOUT_MS,
      // No background reconnect loop: each readiness check reconnects if needed.
      retryStrategy: () => null,
    });
    this.redis.on('error', () => undefined);
  }

  async readiness(): Promise<Readiness> {
    const [postgres, redis] = await Promise.all([
      this.check('Postgres', async () => {
        await this.dataSource.query('SELECT 1');
      }),
      this.check('Redis', async () => {
        if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
        await this.redis.ping();
      }),
    ]);
    const ok = postgres.status === 'up' && redis.status === 'up';
    return { status: ok ? 'ok' : 'unavailable', checks: { postgres, redis } };
  }

  private async check(what: string, fn: () => Promise<void>): Promise<DependencyStatus> {
    const started = Date.now();
    try {
      await withTimeout(fn(), what);
      return { status: 'up', latency_ms: Date.now() - started };
    } catch (err) {
      return { status: 'down', error: `${what} is unreachable: ${(err as Error).message || 'connection refused'}` };
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
