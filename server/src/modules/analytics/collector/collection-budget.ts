import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../../config/config.module';
import type { AppConfig } from '../../../config/app-config';

const HOUR_MS = 3_600_000;
/** Tenants whose window this worker remembers; the oldest are forgotten past it. */
const MAX_TENANTS = 100_000;

/**
 * Each tenant's Telegram calls for analytics per clock hour (ANALYTICS_TENANT_CALLS_PER_HOUR), counted in the
 * worker that holds the tenant's session: the only one that samples through it. The tenant's rate limits
 * (rate_limit_rps, max_concurrent_requests) apply on top, through the pool's meter.
 */
@Injectable()
export class CollectionBudget {
  private readonly used = new Map<string, { hour: number; calls: number }>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Seconds until the tenant may spend again, or 0 when it has budget left now. */
  waitSeconds(tenantId: string, now = Date.now()): number {
    const hour = Math.floor(now / HOUR_MS);
    const u = this.used.get(tenantId);
    if (!u || u.hour !== hour || u.calls < this.config.analyticsCollection.tenantCallsPerHour) return 0;
    return Math.max(1, Math.ceil(((hour + 1) * HOUR_MS - now) / 1000));
  }

  spend(tenantId: string, calls: number, now = Date.now()): void {
    const hour = Math.floor(now / HOUR_MS);
    const u = this.used.get(tenantId);
    if (u && u.hour === hour) {
      u.calls += calls;
      return;
    }
    if (this.used.size >= MAX_TENANTS) this.used.clear();
    this.used.set(tenantId, { hour, calls });
  }
}
