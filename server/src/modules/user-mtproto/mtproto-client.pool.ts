import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { MtprotoLeaseService } from './mtproto-lease.service';
import { MtprotoDeadSessions } from './mtproto-pool/dead-sessions';
import { KeepAlive } from './mtproto-pool/keep-alive';
import { LeaseRenewal } from './mtproto-pool/lease-renewal';
import { MtprotoLastUsedStamps } from './mtproto-pool/last-used-stamps';
import { NotOwnerError } from './mtproto-pool/not-owner.error';
import { PoolEntries, PoolEntry } from './mtproto-pool/pool-entries';
import { Meter, MtprotoRateMeter, SlotRelease } from './mtproto-pool/rate-meter';
import { MtprotoSessionOpener } from './mtproto-pool/session-opener';
import { MtprotoSessionEvents } from './mtproto-session-events';
import { DomainMetrics } from '../health/domain-metrics';
import { DEAD_SESSION_ERRORS, isDeadSession, TelegramCallError, toDomainError } from './telegram-errors';
import { TelegramUserSession } from './telegram-user-session';
import { telegramUnavailable } from './user-mtproto.errors';

export { NotOwnerError } from './mtproto-pool/not-owner.error';
export type { Meter } from './mtproto-pool/rate-meter';

/** How long opening a client waits for a free pool slot while every client is busy. */
const SLOT_WAIT_MS = 10_000;

type Checkout = { entry: PoolEntry; slot?: SlotRelease };

/** A client the pool just opened, under the lease with this fencing token. */
export interface OpenedSession {
  tenantId: string;
  session: TelegramUserSession;
  fence: number;
}

/**
 * The worker's gramjs clients, one per tenant, each held under that tenant's lease. Least
 * recently used clients make room when MTPROTO_POOL_MAX is reached; idle ones close after
 * MTPROTO_IDLE_SECONDS; every close is `destroy()` (which also ends gramjs's update loop and
 * its timers) followed by releasing the lease. One pool timer pings each connection once a
 * minute (KeepAlive) in place of gramjs's per-client loop. A session Telegram declares dead is
 * cleared, audited and reported to the tenant once, and never reopened (MtprotoDeadSessions).
 *
 * A lost connection heals by replacement. gramjs's own reconnect (autoReconnect, connectionRetries,
 * retryDelay) rides out short drops; when it gives up, or a call or ping gets no answer, the client
 * is destroyed at once and the next call opens a fresh one from the stored session. Calls during an
 * outage answer TELEGRAM_UNAVAILABLE without waiting (MtprotoSessionOpener's back-off).
 *
 * A client of an account that receives updates (AccountUpdatesReceiver) stays open while idle and makes
 * room for another only after the other idle ones; listeners hear of every client opened and closed.
 *
 * This class coordinates; each concern lives in `mtproto-pool/`: the entries in recency order,
 * opening, the rate budget, lease renewal, keep-alive, dead sessions and the `last_used` stamp.
 */
@Injectable()
export class MtprotoClientPool implements OnModuleInit, BeforeApplicationShutdown {
  private readonly log = new Logger('MtprotoClientPool');
  private readonly entries = new PoolEntries();
  private readonly opening = new Map<string, Promise<Checkout>>();
  private readonly keepAlive = new KeepAlive({
    quietSince: (due) => this.entries.quietSince(due),
    isCurrent: (entry) => this.entries.isCurrent(entry),
    pingFailed: (entry, err) => this.pingFailed(entry, err),
  });
  private readonly renewal = new LeaseRenewal<PoolEntry>({
    held: () => this.entries.all(),
    renew: (leases) => this.leases.renew(leases),
    leaseLost: (entry) => this.evict(entry, 'lease lost', false),
  });
  private sweepTimer?: NodeJS.Timeout;
  private stopping = false;
  private readonly openedListeners: ((opened: OpenedSession) => void)[] = [];
  private readonly closedListeners: ((tenantId: string, session: TelegramUserSession) => void)[] = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly leases: MtprotoLeaseService,
    private readonly opener: MtprotoSessionOpener,
    private readonly rate: MtprotoRateMeter,
    private readonly deadSessions: MtprotoDeadSessions,
    private readonly lastUsed: MtprotoLastUsedStamps,
    private readonly events: MtprotoSessionEvents,
    private readonly metrics: DomainMetrics,
  ) {}

  onModuleInit(): void {
    this.renewal.start(this.leases.ttlMs);
    const idleMs = this.config.mtproto.idleSeconds * 1000;
    this.sweepTimer = setInterval(() => void this.sweepIdle(), Math.min(Math.max(250, Math.floor(idleMs / 4)), 30_000));
    this.keepAlive.start();
    this.metrics.reportSessions(() => ({
      connected: this.entries.all().filter((e) => e.session.connectionState === 'up').length,
      leased: this.entries.size,
    }));
    void this.events
      .subscribe((tenantId) => {
        // Another pod changed the stored session: drop the client that uses the old one.
        const entry = this.entries.get(tenantId);
        if (entry) void this.evict(entry, 'session changed');
      })
      .catch(() => undefined); // RedisNotices reports its own subscription failures.
  }

  /** After the call server stopped taking requests and finished the running ones (its onModuleDestroy). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.renewal.stop();
    clearInterval(this.sweepTimer);
    this.keepAlive.stop();
    await Promise.allSettled([...this.opening.values()]);
    await Promise.all(this.entries.all().map((e) => this.evict(e, 'shutdown')));
  }

  /** Tenants with a connected client in this worker. */
  connectedTenants(): string[] {
    return this.entries.tenants();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether one more client fits under MTPROTO_POOL_MAX without closing another. */
  hasRoom(): boolean {
    return this.entries.size + this.opening.size < this.config.mtproto.poolMax;
  }

  /** Runs `listener` for every client the pool opens, right after it joined the pool. */
  onOpened(listener: (opened: OpenedSession) => void): void {
    this.openedListeners.push(listener);
  }

  /** Runs `listener` for every client the pool closes, whatever the reason. */
  onClosed(listener: (tenantId: string, session: TelegramUserSession) => void): void {
    this.closedListeners.push(listener);
  }

  /** The tenant's client in this worker, if it has one. */
  session(tenantId: string): OpenedSession | undefined {
    const entry = this.entries.get(tenantId);
    return entry && { tenantId, session: entry.session, fence: entry.lease.fence };
  }

  /** Opens the tenant's client here unless it is open already (NotOwnerError: another worker holds it). */
  async hold(tenantId: string): Promise<void> {
    await this.use(tenantId, () => Promise.resolve());
  }

  /** Marks the tenant's client as receiving updates: it then stays open while idle (see PoolEntries). */
  setReceiving(tenantId: string, session: TelegramUserSession, receiving: boolean): void {
    const entry = this.entries.get(tenantId);
    if (entry?.session === session) entry.receiving = receiving;
  }

  /**
   * Runs one operation with the tenant's client, under the tenant's rate_limit_rps and
   * max_concurrent_requests: the operation holds one concurrency slot and one rate token for its
   * first Telegram request, and calls `meter()` before each further request (they run one after
   * another, so they need rate tokens but no more slots). Throws NotOwnerError when another
   * worker holds the session.
   */
  async use<T>(tenantId: string, fn: (session: TelegramUserSession, meter: Meter) => Promise<T>): Promise<T> {
    const { entry, slot } = await this.checkout(tenantId);
    entry.busy += 1;
    let release: SlotRelease | undefined = slot;
    try {
      release ??= await this.rate.slotFor(entry);
      const result = await fn(entry.session, this.rate.meterFor(entry));
      if (!entry.watching) {
        // Listening from the start would make gramjs look up the account on every connection-state
        // event of the connect itself: an extra request in the way of the first call.
        entry.watching = true;
        entry.session.onStale(() => void this.probe(entry));
      }
      return result;
    } catch (err) {
      throw await this.translate(entry, err);
    } finally {
      entry.busy -= 1;
      entry.lastUsed = Date.now();
      entry.lastAlive = entry.lastUsed;
      // Giving the slot back need not delay the answer.
      if (release)
        void release().catch((e: unknown) => this.log.warn(`rate slot release failed: ${(e as Error).message}`));
      void this.lastUsed.stamp(tenantId);
    }
  }

  /** Closes the tenant's client here, if this worker has one (session changed, disconnect). */
  async drop(tenantId: string): Promise<void> {
    const entry = this.entries.get(tenantId);
    if (entry) await this.evict(entry, 'dropped');
  }

  /**
   * Closes the tenant's client here if nothing uses it now and it does not receive updates: for work that
   * opened a client only for itself (analytics sampling), so it does not wait MTPROTO_IDLE_SECONDS in the pool.
   */
  async closeIfIdle(tenantId: string): Promise<void> {
    const entry = this.entries.get(tenantId);
    if (entry && entry.busy === 0 && !entry.receiving) await this.evict(entry, 'done');
  }

  /**
   * The tenant's entry, opened if needed. The caller that opened it also gets the rate slot for
   * its first call, taken while the client connected.
   */
  private async checkout(tenantId: string): Promise<Checkout> {
    if (this.stopping) throw telegramUnavailable('worker shutting down');
    const existing = this.entries.use(tenantId);
    if (existing) return { entry: existing };
    const pending = this.opening.get(tenantId);
    if (pending) return { entry: (await pending).entry };
    this.opener.assertNotBackingOff(tenantId);
    const opened = this.open(tenantId).finally(() => this.opening.delete(tenantId));
    this.opening.set(tenantId, opened);
    return opened;
  }

  private async open(tenantId: string): Promise<Checkout> {
    // The lease and the stored session are fetched together: both are needed, neither depends on the other.
    const [lease, creds] = await Promise.all([this.leases.acquire(tenantId), this.opener.load(tenantId)]);
    if (!lease) throw new NotOwnerError(await this.leases.owner(tenantId));
    let slot: SlotRelease | undefined;
    try {
      const stored = this.opener.storedSession(creds);
      await this.makeRoom();
      const connected = await this.opener.connect(tenantId, stored);
      slot = connected.slot;
      const session = connected.session;
      const now = Date.now();
      const entry: PoolEntry = {
        tenantId,
        session,
        lease,
        limits: stored.limits,
        lastUsed: now,
        lastAlive: now,
        watching: false,
        busy: 0,
      };
      if (this.stopping) {
        await session.destroy();
        throw telegramUnavailable('worker shutting down');
      }
      // gramjs gave up reconnecting: the client is closed now (its socket and timers with it), not at the next call.
      session.onLost(() => void this.evict(entry, 'connection lost'));
      this.entries.add(entry);
      this.opener.opened(tenantId);
      for (const listener of this.openedListeners) listener({ tenantId, session, fence: lease.fence });
      return { entry, slot };
    } catch (err) {
      if (slot) await slot().catch(() => undefined);
      await this.leases.release(lease).catch(() => undefined);
      throw err;
    }
  }

  /** Closes least recently used idle clients until one more fits; waits (bounded) while all are busy. */
  private async makeRoom(): Promise<void> {
    const deadline = Date.now() + SLOT_WAIT_MS;
    while (this.entries.size + this.opening.size > this.config.mtproto.poolMax) {
      const idle = this.entries.leastRecentlyUsedIdle();
      if (idle) {
        await this.evict(idle, 'pool full');
        continue;
      }
      if (Date.now() > deadline) throw telegramUnavailable('every session slot of this worker is busy');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async evict(entry: PoolEntry, why: string, releaseLease = true): Promise<void> {
    if (!this.entries.remove(entry)) return;
    this.log.debug(`closing the session of tenant ${entry.tenantId} (${why})`);
    this.closed(entry);
    await entry.session.destroy();
    if (releaseLease) await this.leases.release(entry.lease).catch(() => undefined);
  }

  /** Acts on what Telegram's answer means for the session, then names it as the API's error code. */
  private async translate(entry: PoolEntry, err: unknown): Promise<unknown> {
    if (!(err instanceof TelegramCallError)) return err;
    if (DEAD_SESSION_ERRORS.has(err.errorName)) {
      await this.sessionDied(entry, err.errorName);
    } else if (err.errorName === 'NETWORK') {
      // The connection is gone (or went silent): the next call opens a fresh client from the stored session.
      await this.evict(entry, 'connection lost');
    }
    return toDomainError(err, 'account');
  }

  /** Telegram hinted the session may be stale: one cheap authorized call tells whether it still lives. */
  private async probe(entry: PoolEntry): Promise<void> {
    if (!this.entries.isCurrent(entry)) return;
    try {
      await entry.session.probe();
    } catch (err) {
      if (isDeadSession(err)) await this.sessionDied(entry, err.errorName);
    }
  }

  /** A ping went unanswered (the client is replaced at the next call) or found the session dead. */
  private async pingFailed(entry: PoolEntry, err: unknown): Promise<void> {
    if (isDeadSession(err)) await this.sessionDied(entry, err.errorName);
    else await this.evict(entry, 'keep-alive failed');
  }

  private sessionDied(entry: PoolEntry, reason: string): Promise<void> {
    return this.deadSessions.died(entry, reason, async () => {
      this.entries.removeTenant(entry.tenantId);
      this.closed(entry);
      await entry.session.destroy();
    });
  }

  private closed(entry: PoolEntry): void {
    for (const listener of this.closedListeners) listener(entry.tenantId, entry.session);
  }

  private async sweepIdle(): Promise<void> {
    const cutoff = Date.now() - this.config.mtproto.idleSeconds * 1000;
    for (const e of this.entries.unusedSince(cutoff)) await this.evict(e, 'idle');
  }
}
