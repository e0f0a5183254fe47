import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { InjectRedis, RedisClientName } from '../redis/redis-client-name';
import type { RedisClient } from '../redis/redis-connection';
import { RedisConnections } from '../redis/redis-connections';

type Listener = () => void;

/**
 * Wakes the long polls and event streams of a tenant, on every pod, when its events are recorded:
 * one Redis pub/sub channel per deployment carrying tenant ids, comma-separated: the wake-ups asked
 * for in one turn of the event loop go out in one message. A wake-up carries no event: the
 * woken reader reads from its cursor, so a lost or duplicated wake-up costs a late or an extra read,
 * never a lost or repeated event. Publishes on the app's shared client; subscribes on a dedicated
 * connection (a subscribed connection can do nothing else), released on shutdown.
 */
@Injectable()
export class EventsNotifier implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventsNotifier.name);
  private readonly channel: string;
  private readonly subscriber: RedisClient;
  private readonly byTenant = new Map<string, Set<Listener>>();
  /** Tenants to wake in the next message, and the promise that message settles. */
  private outgoing: { tenants: Set<string>; sent: Promise<void> } | null = null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectRedis(RedisClientName.Commands) private readonly publisher: RedisClient,
    private readonly connections: RedisConnections,
  ) {
    this.channel = `${config.redis.prefix}:events:wake`;
    this.subscriber = connections.dedicated('subscriber');
    this.subscriber.on('message', (_channel: string, tenantIds: string) => {
      for (const tenantId of tenantIds.split(',')) this.dispatch(tenantId);
    });
  }

  onModuleInit(): void {
    // Not awaited: with Redis down the subscription waits for it (ioredis resubscribes on reconnect),
    // and start-up must not; readers still wake at their deadline meanwhile.
    this.subscriber.subscribe(this.channel).catch((err: unknown) => {
      this.logger.warn(`event wake-ups not subscribed: ${(err as Error).message}`);
    });
  }

  onModuleDestroy(): void {
    this.byTenant.clear();
    this.connections.release(this.subscriber);
  }

  /**
   * Tells every pod that the tenant has new events, with the other wake-ups of this turn of the event
   * loop in one message. Best effort: readers also wake at their deadline.
   */
  publish(tenantId: string): Promise<void> {
    if (this.outgoing) {
      this.outgoing.tenants.add(tenantId);
      return this.outgoing.sent;
    }
    const tenants = new Set([tenantId]);
    const sent = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      this.outgoing = null;
      try {
        await this.publisher.publish(this.channel, [...tenants].join(','));
      } catch (err) {
        this.logger.warn(`event wake-up for ${tenants.size} tenant(s) not sent: ${(err as Error).message}`);
      }
    });
    this.outgoing = { tenants, sent };
    return sent;
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
