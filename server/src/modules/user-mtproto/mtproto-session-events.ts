import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { RedisClient } from '../redis/redis-connection';
import { CredentialsService } from '../credentials/credentials.service';
import { MtprotoRedis } from './mtproto-redis';

/**
 * Cluster-wide notice that a tenant's stored session changed (new login, disconnect, removal):
 * every pod forgets the credentials it decrypted for that tenant, and whichever worker holds a
 * client for it drops that client, so no one keeps using an old key.
 */
@Injectable()
export class MtprotoSessionEvents implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('MtprotoSessionEvents');
  private sub?: RedisClient;
  private closing = false;
  private readonly handlers: ((tenantId: string) => void)[] = [];

  constructor(
    private readonly redis: MtprotoRedis,
    private readonly credentials: CredentialsService,
  ) {}

  onModuleInit(): void {
    // Not awaited: a pod starts (and reports Redis in its readiness) even while Redis is away.
    this.subscribe((tenantId) => this.credentials.forget(tenantId)).catch((err: unknown) => {
      if (!this.closing) this.log.error(`session-changed subscription failed: ${(err as Error).message}`);
    });
  }

  private get channel(): string {
    return this.redis.key('session-changed');
  }

  async sessionChanged(tenantId: string): Promise<void> {
    this.credentials.forget(tenantId);
    await this.redis.cmd.publish(this.channel, tenantId);
  }

  /** Resolves once the subscription is active, so no notice published afterwards is missed. */
  async subscribe(handler: (tenantId: string) => void): Promise<void> {
    this.handlers.push(handler);
    if (this.sub) return;
    this.sub = this.redis.dedicated('subscriber');
    this.sub.on('message', (channel: string, tenantId: string) => {
      if (channel !== this.channel) return;
      for (const h of this.handlers) {
        try {
          h(tenantId);
        } catch (err) {
          this.log.error(`session-changed handler failed: ${(err as Error).message}`);
        }
      }
    });
    await this.sub.subscribe(this.channel);
  }

  onModuleDestroy(): void {
    this.closing = true;
    if (this.sub) this.redis.close(this.sub);
    this.sub = undefined;
  }
}
