import { Injectable } from '@nestjs/common';
import { RedisNotices } from '../redis/redis-notices';
import { MtprotoRedis } from './mtproto-redis';

/**
 * Cluster-wide notice that a tenant's stored session changed (new login, disconnect, removal):
 * whichever worker holds a client for it drops that client, so no one keeps using an old key.
 * (Every pod's decrypted copy of the credentials is dropped by the credentials' own notice.)
 */
@Injectable()
export class MtprotoSessionEvents {
  constructor(
    private readonly redis: MtprotoRedis,
    private readonly notices: RedisNotices,
  ) {}

  private get channel(): string {
    return this.redis.key('session-changed');
  }

  async sessionChanged(tenantId: string): Promise<void> {
    await this.notices.publish(this.channel, tenantId);
  }

  /** Resolves once the subscription is active, so no notice published afterwards is missed. */
  subscribe(handler: (tenantId: string) => void): Promise<void> {
    return this.notices.listen(this.channel, handler);
  }
}
