import type { MtprotoLease } from '../mtproto-lease.service';
import type { TelegramUserSession } from '../telegram-user-session';
import type { TenantLimits } from './rate-meter';

/** One tenant's open client in this worker, and what the pool knows about its use. */
export interface PoolEntry {
  tenantId: string;
  session: TelegramUserSession;
  lease: MtprotoLease;
  limits: TenantLimits;
  lastUsed: number;
  /** When the connection last proved alive (opened, pinged, or answered a call). */
  lastAlive: number;
  /** Whether the stale-session hint is being listened for (from the first finished call on). */
  watching: boolean;
  /** Operations running on the client now: a busy client is never evicted for room or idleness. */
  busy: number;
  /** The account receives updates: its client stays open while idle, and makes room only after other idle ones. */
  receiving?: boolean;
}

/**
 * The pool's entries by tenant, in recency order: a used entry moves to the end, so the
 * least recently used comes first. It only keeps the order; closing a client is the pool's.
 */
export class PoolEntries {
  /** Insertion order is recency order. */
  private readonly byTenant = new Map<string, PoolEntry>();

  get size(): number {
    return this.byTenant.size;
  }

  get(tenantId: string): PoolEntry | undefined {
    return this.byTenant.get(tenantId);
  }

  /** The tenant's entry, marked most recently used. */
  use(tenantId: string): PoolEntry | undefined {
    const entry = this.byTenant.get(tenantId);
    if (entry) {
      this.byTenant.delete(tenantId);
      this.byTenant.set(tenantId, entry);
    }
    return entry;
  }

  add(entry: PoolEntry): void {
    this.byTenant.set(entry.tenantId, entry);
  }

  /** Whether `entry` is still the tenant's current one (not closed or replaced meanwhile). */
  isCurrent(entry: PoolEntry): boolean {
    return this.byTenant.get(entry.tenantId) === entry;
  }

  /** Takes `entry` out if it is still current; answers whether it was. */
  remove(entry: PoolEntry): boolean {
    if (!this.isCurrent(entry)) return false;
    this.byTenant.delete(entry.tenantId);
    return true;
  }

  /** Takes out whatever entry the tenant has. */
  removeTenant(tenantId: string): void {
    this.byTenant.delete(tenantId);
  }

  tenants(): string[] {
    return [...this.byTenant.keys()];
  }

  all(): PoolEntry[] {
    return [...this.byTenant.values()];
  }

  /** The least recently used entry with no operation running, the one to close for room. */
  leastRecentlyUsedIdle(): PoolEntry | undefined {
    const idle = this.all().filter((e) => e.busy === 0);
    return idle.find((e) => !e.receiving) ?? idle[0];
  }

  /**
   * Entries with no operation running, not receiving updates, and unused since before `cutoff` (epoch ms), each judged
   * when it is reached: one that got busy while an earlier one was being closed is passed over.
   */
  *unusedSince(cutoff: number): Generator<PoolEntry> {
    for (const e of this.all()) if (e.busy === 0 && !e.receiving && e.lastUsed < cutoff) yield e;
  }

  /** Entries whose connection has not proved alive since `due` (epoch ms). */
  quietSince(due: number): PoolEntry[] {
    return this.all().filter((e) => e.lastAlive < due);
  }
}
