import { Logger } from '@nestjs/common';
import type { MtprotoLease } from '../mtproto-lease.service';

/** A client's hold on its tenant's session. */
export interface LeaseHolder {
  tenantId: string;
  lease: MtprotoLease;
}

/** What the renewal needs of the pool. */
export interface LeaseRenewalPool<H extends LeaseHolder> {
  /** The clients open now. */
  held(): H[];
  /** Renews the leases given; answers the tenants whose lease was lost (MtprotoLeaseService.renew). */
  renew(leases: MtprotoLease[]): Promise<string[]>;
  /** The holder's lease is gone: its client is closed without releasing what another worker may hold now. */
  leaseLost(holder: H): Promise<void>;
}

/**
 * Keeps this worker's claim on every session it has open: renews all of its leases in one
 * round trip three times per lease period, and closes a client whose lease expired or was
 * taken, so two workers never use one auth key. A failed round is logged; the next one retries.
 */
export class LeaseRenewal<H extends LeaseHolder> {
  private readonly log = new Logger('MtprotoClientPool');
  private timer?: NodeJS.Timeout;

  constructor(private readonly pool: LeaseRenewalPool<H>) {}

  start(leaseTtlMs: number): void {
    this.timer = setInterval(() => void this.renew(), Math.max(250, Math.floor(leaseTtlMs / 3)));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async renew(): Promise<void> {
    const held = this.pool.held();
    try {
      const lost = new Set(await this.pool.renew(held.map((h) => h.lease)));
      for (const h of held) if (lost.has(h.tenantId)) await this.pool.leaseLost(h);
    } catch (err) {
      this.log.error(`lease renewal failed: ${(err as Error).message}`);
    }
  }
}
