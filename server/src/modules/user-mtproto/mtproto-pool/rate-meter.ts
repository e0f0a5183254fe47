import { Injectable } from '@nestjs/common';
import { CredentialsService } from '../../credentials/credentials.service';
import { TenantLimitsInput, TenantRateLimiter } from '../../rate-limit/tenant-rate-limiter';

/** A tenant's rate_limit_rps and max_concurrent_requests, as the pool last read them. */
export type TenantLimits = TenantLimitsInput;

/** Takes a rate token for one more Telegram request of the running operation. */
export type Meter = () => Promise<void>;

/** Gives a concurrency slot back. */
export type SlotRelease = () => Promise<void>;

/** How long a call waits for the tenant's rate budget. */
const LIMIT_WAIT_MS = 5000;

/** A rate token without a concurrency slot: the limiter's concurrency bound is set out of reach. */
const TOKEN_ONLY_CONCURRENCY = 1_000_000;

/**
 * The tenant's Telegram budget as the pool spends it: each operation holds one concurrency
 * slot and one rate token for its first request, and takes one more rate token (no slot: its
 * requests run one after another) before each further request. Limits are read fresh for each
 * operation, since support may change them at any time; the credentials cache keeps that cheap.
 */
@Injectable()
export class MtprotoRateMeter {
  constructor(
    private readonly limiter: TenantRateLimiter,
    private readonly credentials: CredentialsService,
  ) {}

  /** One concurrency slot and one rate token under `limits`, waiting at most LIMIT_WAIT_MS. */
  slot(tenantId: string, limits: TenantLimits): Promise<SlotRelease> {
    return this.limiter.acquire(tenantId, limits, { maxWaitMs: LIMIT_WAIT_MS });
  }

  /** A slot under the tenant's current limits, which are kept on `holder` for its meter. */
  async slotFor(holder: { tenantId: string; limits: TenantLimits }): Promise<SlotRelease> {
    const creds = await this.credentials.get(holder.tenantId);
    if (creds) holder.limits = { rps: creds.rateLimitRps, maxConcurrent: creds.maxConcurrentRequests };
    return this.slot(holder.tenantId, holder.limits);
  }

  /** The meter of one operation: a rate token under `holder`'s rps per further request. */
  meterFor(holder: { tenantId: string; limits: TenantLimits }): Meter {
    return async () => {
      const token = await this.limiter.acquire(
        holder.tenantId,
        { rps: holder.limits.rps, maxConcurrent: TOKEN_ONLY_CONCURRENCY },
        { maxWaitMs: LIMIT_WAIT_MS },
      );
      await token();
    };
  }
}
