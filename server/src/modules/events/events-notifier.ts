import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { redisConnectionOptions } from '../../common/redis';

type Listener = () => void;

/** Quits a connected client politely; one still (re)connecting is cut, or its quit would wait for Redis. */
async function close(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect());
}

/**
 * Wakes the long polls and event streams of a tenant, on every pod, when its events are recorded:
 * one Redis pub/sub channel per deployment carrying tenant ids. A wake-up carries no event: the
 * woken reader reads from its cursor, so a lost or duplicated wake-up costs a late or an extra read,
 * never a lost or repeated event. Two clients per app instance (a subscribed connection can do
 * nothing else), each with an error listener (outages surface on the reads), closed on shutdown.
 */
@Injectable()
export class EventsNotifier implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventsNotifier.name);
  private readonly channel: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly byTenant = new Map<string, Set<Listener>>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.channel = `${config.redis.prefix}:events:wake`;
    this.publisher = new Redis(redisConnectionOptions(config.redis.url, { maxRetriesPerRequest: 3 }));
    this.subscriber = new Redis(redisConnectionOptions(config.redis.url, { maxRetriesPerRequest: null }));
    this.publisher.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (_channel: string, tenantId: string) => this.dispatch(tenantId));
  }

  onModuleInit(): void {
    // Not awaited: with Redis down the subscription waits for it (ioredis resubscribes on reconnect),
    // and start-up must not; readers still wake at their deadline meanwhile.
    this.subscriber.subscribe(this.channel).catch((err: unknown) => {
      this.logger.warn(`event wake-ups not subscribed: ${(err as Error).message}`);
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.byTenant.clear();
    await Promise.all([close(this.publisher), close(this.subscriber)]);
  }

  /** Tells every pod that the tenant has new events. Best effort: readers also wake at their deadline. */
  async publish(tenantId: string): Promise<void> {
    try {
      await this.publisher.publish(this.channel, tenantId);
    } catch (err) {
      this.logger.warn(`event wake-up for tenant ${tenantId} not sent: ${(err as Error).message}`);
    }
  }

  /** Calls `listener` on each wake-up of the tenant until the returned function is called. */
  listen(tenantId: string, listener: Listener): () => void {
    let set = this.byTenant.get(tenantId);
    if (!set) {
      set = new Set();
      this.byTenant.set(tenantId, set);
    }
    set.add(listener);
    return () => {
      const current = this.byTenant.get(tenantId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.byTenant.delete(tenantId);
    };
  }

  /** How many readers of this process wait for the tenant's wake-ups (metrics, specs). */
  listenerCount(tenantId: string): number {
    return this.byTenant.get(tenantId)?.size ?? 0;
  }

  private dispatch(tenantId: string): void {
    for (const listener of [...(this.byTenant.get(tenantId) ?? [])]) listener();
  }
}
