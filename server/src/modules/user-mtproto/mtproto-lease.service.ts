import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { MtprotoRedis } from './mtproto-redis';

/** A worker's claim on one tenant's session. `fence` grows with every new claim on that tenant. */
export interface MtprotoLease {
  tenantId: string;
  fence: number;
  /** `<instance id>|<fence>`, the value stored under the lease key. */
  value: string;
}

/** Claims a free lease in one round trip: the fencing counter grows only when the claim succeeds. */
const ACQUIRE = `if redis.call('exists', KEYS[1]) == 1 then return 0 end
local fence = redis.call('incr', KEYS[2])
redis.call('set', KEYS[1], ARGV[1] .. '|' .. fence, 'PX', ARGV[2])
return fence`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * One owner per session across the cluster (the same auth key used from two places gets
 * AUTH_KEY_DUPLICATED): a Redis key per tenant, set only when free and with an expiry, renewed by its holder,
 * compared-and-deleted on release. Each claim takes a fencing token from a per-tenant counter;
 * a holder that stalled past its expiry finds its value gone and its renewals refused, and
 * checks `holds()` before side effects such as clearing a revoked session.
 */
@Injectable()
export class MtprotoLeaseService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: MtprotoRedis,
  ) {}

  get ttlMs(): number {
    return this.config.mtproto.leaseSeconds * 1000;
  }

  /** The Redis key of the tenant's lease: its value is `<instance id>|<fence>`. */
  leaseKey(tenantId: string): string {
    return this.redis.key('lease', tenantId);
  }

  async acquire(tenantId: string): Promise<MtprotoLease | null> {
    const fence = Number(
      await this.redis.cmd.eval(
        ACQUIRE,
        2,
        this.leaseKey(tenantId),
        this.redis.key('fence', tenantId),
        this.redis.instanceId,
        String(this.ttlMs),
      ),
    );
    return fence > 0 ? { tenantId, fence, value: `${this.redis.instanceId}|${fence}` } : null;
  }

  /** Renews every lease given; returns the tenants whose lease was lost (expired or taken). */
  async renew(leases: MtprotoLease[]): Promise<string[]> {
    if (leases.length === 0) return [];
    const pipe = this.redis.cmd.pipeline();
    for (const l of leases) pipe.eval(RENEW, 1, this.leaseKey(l.tenantId), l.value, String(this.ttlMs));
    const results = (await pipe.exec()) ?? [];
    return leases.filter((_, i) => results[i]?.[0] || results[i]?.[1] !== 1).map((l) => l.tenantId);
  }

  async release(lease: MtprotoLease): Promise<void> {
    await this.redis.cmd.eval(RELEASE, 1, this.leaseKey(lease.tenantId), lease.value);
  }

  async holds(lease: MtprotoLease): Promise<boolean> {
    return (await this.redis.cmd.get(this.leaseKey(lease.tenantId))) === lease.value;
  }

  /** The instance id of the worker holding the tenant's session, if any. */
  async owner(tenantId: string): Promise<string | null> {
    const value = await this.redis.cmd.get(this.leaseKey(tenantId));
    return value ? value.slice(0, value.lastIndexOf('|')) : null;
  }
}
