/**
 * After a failed connect, calls answer TELEGRAM_UNAVAILABLE at once for a while instead of dialling again: from
 * 0.5 s, doubling, at most 4 s, so the first call after Telegram is back waits a few seconds at worst.
 */
const OPEN_BACKOFF_FIRST_MS = 500;
const OPEN_BACKOFF_MAX_MS = 4000;

/**
 * Tenants whose last connect to Telegram failed, and until when connecting is not tried again, so
 * an outage is not hammered by every call. Bounded: past `maxTracked` tenants the oldest record
 * is dropped (that tenant merely starts its back-off over).
 */
export class OpenBackoff {
  private readonly failures = new Map<string, { until: number; delayMs: number }>();

  constructor(private readonly maxTracked: number) {}

  /** Whether a connect for the tenant should wait out its back-off rather than be tried now. */
  isBackingOff(tenantId: string, now = Date.now()): boolean {
    const failed = this.failures.get(tenantId);
    return failed !== undefined && failed.until > now;
  }

  /** Backs off connecting for the tenant: 0.5 s after the first failure, doubling to at most OPEN_BACKOFF_MAX_MS. */
  failed(tenantId: string, now = Date.now()): void {
    const delayMs = Math.min(
      (this.failures.get(tenantId)?.delayMs ?? OPEN_BACKOFF_FIRST_MS / 2) * 2,
      OPEN_BACKOFF_MAX_MS,
    );
    this.failures.delete(tenantId);
    this.failures.set(tenantId, { until: now + delayMs, delayMs });
    if (this.failures.size > this.maxTracked) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  /** The tenant connected: its next failure backs off from the start again. */
  succeeded(tenantId: string): void {
    this.failures.delete(tenantId);
  }
}
