import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { AuditAction, systemActor } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { CredentialsService } from '../credentials/credentials.service';
import { TenantDb } from '../database/tenant-db';
import { NotificationsService } from '../bot/notifications.service';
import { TenantRateLimiter } from '../rate-limit/tenant-rate-limiter';
import { MtprotoClientFactory } from './mtproto-client.factory';
import { MtprotoLease, MtprotoLeaseService } from './mtproto-lease.service';
import { MtprotoSessionEvents } from './mtproto-session-events';
import { DEAD_SESSION_ERRORS, TelegramCallError, toDomainError } from './telegram-errors';
import { TelegramUserSession } from './telegram-user-session';
import { notConfigured, telegramUnavailable } from './user-mtproto.errors';

interface PoolEntry {
  tenantId: string;
  session: TelegramUserSession;
  lease: MtprotoLease;
  limits: { rps: number; maxConcurrent: number };
  lastUsed: number;
  /** When the connection last proved alive (opened, pinged, or answered a call). */
  lastAlive: number;
  /** Whether the stale-session hint is being listened for (from the first finished call on). */
  watching: boolean;
  busy: number;
}

/** Takes a rate token for one more Telegram request of the running operation. */
export type Meter = () => Promise<void>;

/** A rate token without a concurrency slot: the limiter's concurrency bound is set out of reach. */
const TOKEN_ONLY_CONCURRENCY = 1_000_000;

/** Another worker holds the tenant's session; the request belongs there. */
export class NotOwnerError extends Error {
  constructor(readonly ownerId: string | null) {
    super(ownerId ? `session owned by ${ownerId}` : 'session lease is taken');
    this.name = 'NotOwnerError';
  }
}

/** How long a call waits for the tenant's rate budget, and for a free pool slot. */
const LIMIT_WAIT_MS = 5000;
const SLOT_WAIT_MS = 10_000;
/** mtproto_last_used_at is written at most this often per tenant. */
const LAST_USED_WRITE_MS = 60_000;
/** Keep-alive pings: once a minute per connection, as Telegram's own clients do, with its 75 s disconnect delay. */
const KEEPALIVE_MS = 60_000;
const KEEPALIVE_DISCONNECT_SECONDS = 75;
const KEEPALIVE_TICK_MS = 1000;
const KEEPALIVE_PARALLEL = 32;
/**
 * After a failed connect, calls answer TELEGRAM_UNAVAILABLE at once for a while instead of dialling again: from
 * 0.5 s, doubling, at most 4 s, so the first call after Telegram is back waits a few seconds at worst.
 */
const OPEN_BACKOFF_FIRST_MS = 500;
const OPEN_BACKOFF_MAX_MS = 4000;

/**
 * The worker's gramjs clients, one per tenant, each held under that tenant's lease. Least
 * recently used clients make room when MTPROTO_POOL_MAX is reached; idle ones close after
 * MTPROTO_IDLE_SECONDS; every close is `destroy()` (which also ends gramjs's update loop and
 * its timers) followed by releasing the lease. One pool timer pings each connection once a
 * minute (Telegram's own clients' rhythm) in place of gramjs's per-client loop, which pings every
 * 9 s. A session Telegram declares dead is cleared, audited and reported to the tenant once, and
 * never reopened: the stored session is gone.
 *
 * A lost connection heals by replacement. gramjs's own reconnect (autoReconnect, connectionRetries,
 * retryDelay) rides out short drops; when it gives up, or a call or ping gets no answer, the client
 * is destroyed at once and the next call opens a fresh one from the stored session. Calls during an
 * outage answer TELEGRAM_UNAVAILABLE without waiting (see the connect back-off below).
 */
@Injectable()
export class MtprotoClientPool implements OnModuleInit, BeforeApplicationShutdown {
  private readonly log = new Logger('MtprotoClientPool');
  /** Insertion order is recency order: a used entry is moved to the end. */
  private readonly entries = new Map<string, PoolEntry>();
  private readonly opening = new Map<string, Promise<{ entry: PoolEntry; slot?: () => Promise<void> }>>();
  private readonly dying = new Set<string>();
  private readonly lastUsedWritten = new Map<string, number>();
  /** Tenants whose last connect failed: calls answer at once until `until`, so an outage is not hammered. */
  private readonly openFailures = new Map<string, { until: number; delayMs: number }>();
  private renewTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private keepAliveTimer?: NodeJS.Timeout;
  private keepAliveRunning = false;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly factory: MtprotoClientFactory,
    private readonly leases: MtprotoLeaseService,
    private readonly credentials: CredentialsService,
    private readonly tenantDb: TenantDb,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly limiter: TenantRateLimiter,
    private readonly events: MtprotoSessionEvents,
  ) {}

  onModuleInit(): void {
    const renewEvery = Math.max(250, Math.floor(this.leases.ttlMs / 3));
    this.renewTimer = setInterval(() => void this.renewLeases(), renewEvery);
    const idleMs = this.config.mtproto.idleSeconds * 1000;
    this.sweepTimer = setInterval(() => void this.sweepIdle(), Math.min(Math.max(250, Math.floor(idleMs / 4)), 30_000));
    // One timer for every connection of the pool, instead of gramjs's loop per client.
    this.keepAliveTimer = setInterval(() => void this.keepAlive(), KEEPALIVE_TICK_MS);
    void this.events
      .subscribe((tenantId) => {
        // Another pod changed the stored session: drop the client that uses the old one.
        const entry = this.entries.get(tenantId);
        if (entry) void this.evict(entry, 'session changed');
      })
      .catch(() => undefined); // MtprotoSessionEvents reports its own subscription failures.
  }

  /** After the call server stopped taking requests and finished the running ones (its onModuleDestroy). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.renewTimer);
    clearInterval(this.sweepTimer);
    clearInterval(this.keepAliveTimer);
    await Promise.allSettled([...this.opening.values()]);
    await Promise.all([...this.entries.values()].map((e) => this.evict(e, 'shutdown')));
  }

  /** Tenants with a connected client in this worker. */
  connectedTenants(): string[] {
    return [...this.entries.keys()];
  }

  get size(): number {
    return this.entries.size;
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
    let release: (() => Promise<void>) | undefined = slot;
    try {
      release ??= await this.limiter.acquire(tenantId, await this.limitsOf(entry), { maxWaitMs: LIMIT_WAIT_MS });
      const meter: Meter = async () => {
        const token = await this.limiter.acquire(
          tenantId,
          { rps: entry.limits.rps, maxConcurrent: TOKEN_ONLY_CONCURRENCY },
          { maxWaitMs: LIMIT_WAIT_MS },
        );
        await token();
      };
      const result = await fn(entry.session, meter);
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
      void this.touchLastUsed(tenantId);
    }
  }

  /** The tenant's current limits (support may change them at any time); the credentials cache keeps this cheap. */
  private async limitsOf(entry: PoolEntry): Promise<{ rps: number; maxConcurrent: number }> {
    const creds = await this.credentials.get(entry.tenantId);
    if (creds) entry.limits = { rps: creds.rateLimitRps, maxConcurrent: creds.maxConcurrentRequests };
    return entry.limits;
  }

  /** Closes the tenant's client here, if this worker has one (session changed, disconnect). */
  async drop(tenantId: string): Promise<void> {
    const entry = this.entries.get(tenantId);
    if (entry) await this.evict(entry, 'dropped');
  }

  /**
   * The tenant's entry, opened if needed. The caller that opened it also gets the rate slot for
   * its first call, taken while the client connected.
   */
  private async checkout(tenantId: string): Promise<{ entry: PoolEntry; slot?: () => Promise<void> }> {
    if (this.stopping) throw telegramUnavailable('worker shutting down');
    const existing = this.entries.get(tenantId);
    if (existing) {
      this.entries.delete(tenantId);
      this.entries.set(tenantId, existing);
      return { entry: existing };
    }
    const pending = this.opening.get(tenantId);
    if (pending) return { entry: (await pending).entry };
    const failed = this.openFailures.get(tenantId);
    if (failed && failed.until > Date.now())
      throw telegramUnavailable('Telegram could not be reached; retrying shortly');
    const opened = this.open(tenantId).finally(() => this.opening.delete(tenantId));
    this.opening.set(tenantId, opened);
    return opened;
  }

  private async open(tenantId: string): Promise<{ entry: PoolEntry; slot?: () => Promise<void> }> {
    // The lease and the stored session are fetched together: both are needed, neither depends on the other.
    const [lease, creds] = await Promise.all([this.leases.acquire(tenantId), this.credentials.get(tenantId)]);
    if (!lease) throw new NotOwnerError(await this.leases.owner(tenantId));
    let slot: (() => Promise<void>) | undefined;
    try {
      if (!creds?.isMtprotoVerified || !creds.sessionString || !creds.telegramApiId || !creds.telegramApiHash) {
        throw notConfigured();
      }
      await this.makeRoom();
      const limits = { rps: creds.rateLimitRps, maxConcurrent: creds.maxConcurrentRequests };
      // The first call's rate slot is taken while the client connects.
      const [connected, limited] = await Promise.allSettled([
        TelegramUserSession.open(this.factory, {
          apiId: creds.telegramApiId,
          apiHash: creds.telegramApiHash,
          session: creds.sessionString,
          floodSleepSeconds: this.config.mtproto.floodSleepSeconds,
          keepAlive: 'external',
        }),
        this.limiter.acquire(tenantId, limits, { maxWaitMs: LIMIT_WAIT_MS }),
      ]);
      if (limited.status === 'fulfilled') slot = limited.value;
      if (connected.status === 'rejected') {
        const err = connected.reason as unknown;
        if (err instanceof TelegramCallError && err.errorName === 'NETWORK') {
          this.openFailed(tenantId);
          throw telegramUnavailable('connect failed');
        }
        throw err;
      }
      const session = connected.value;
      if (limited.status === 'rejected') {
        await session.destroy();
        throw limited.reason;
      }
      const entry: PoolEntry = {
        tenantId,
        session,
        lease,
        limits,
        lastUsed: Date.now(),
        lastAlive: Date.now(),
        watching: false,
        busy: 0,
      };
      if (this.stopping) {
        await session.destroy();
        throw telegramUnavailable('worker shutting down');
      }
      // gramjs gave up reconnecting: the client is closed now (its socket and timers with it), not at the next call.
      session.onLost(() => void this.evict(entry, 'connection lost'));
      this.entries.set(tenantId, entry);
      this.openFailures.delete(tenantId);
      return { entry, slot };
    } catch (err) {
      if (slot) await slot().catch(() => undefined);
      await this.leases.release(lease).catch(() => undefined);
      throw err;
    }
  }

  /** Backs off connecting for the tenant: 0.5 s after the first failure, doubling to at most OPEN_BACKOFF_MAX_MS. */
  private openFailed(tenantId: string): void {
    const delayMs = Math.min(
      (this.openFailures.get(tenantId)?.delayMs ?? OPEN_BACKOFF_FIRST_MS / 2) * 2,
      OPEN_BACKOFF_MAX_MS,
    );
    this.openFailures.delete(tenantId);
    this.openFailures.set(tenantId, { until: Date.now() + delayMs, delayMs });
    if (this.openFailures.size > this.config.mtproto.poolMax * 2) {
      const oldest = this.openFailures.keys().next().value;
      if (oldest !== undefined) this.openFailures.delete(oldest);
    }
  }

  /** Closes least recently used idle clients until one more fits; waits (bounded) while all are busy. */
  private async makeRoom(): Promise<void> {
    const deadline = Date.now() + SLOT_WAIT_MS;
    while (this.entries.size + this.opening.size > this.config.mtproto.poolMax) {
      const idle = [...this.entries.values()].find((e) => e.busy === 0);
      if (idle) {
        await this.evict(idle, 'pool full');
        continue;
      }
      if (Date.now() > deadline) throw telegramUnavailable('every session slot of this worker is busy');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async evict(entry: PoolEntry, why: string, releaseLease = true): Promise<void> {
    if (this.entries.get(entry.tenantId) !== entry) return;
    this.entries.delete(entry.tenantId);
    this.log.debug(`closing the session of tenant ${entry.tenantId} (${why})`);
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
    if (this.entries.get(entry.tenantId) !== entry) return;
    try {
      await entry.session.probe();
    } catch (err) {
      if (err instanceof TelegramCallError && DEAD_SESSION_ERRORS.has(err.errorName)) {
        await this.sessionDied(entry, err.errorName);
      }
    }
  }

  private async sessionDied(entry: PoolEntry, reason: string): Promise<void> {
    if (this.dying.has(entry.tenantId)) return;
    this.dying.add(entry.tenantId);
    try {
      this.entries.delete(entry.tenantId);
      await entry.session.destroy();
      // A holder that lost its lease leaves the cleanup to the new one.
      if (!(await this.leases.holds(entry.lease))) return;
      const actor = systemActor();
      await this.credentials.update(entry.tenantId, { sessionString: null, isMtprotoVerified: false }, actor);
      await this.audit.record({
        action: AuditAction.MtprotoSessionRevoked,
        actor,
        tenantId: entry.tenantId,
        target: `tenant:${entry.tenantId}`,
        meta: { reason },
      });
      this.log.warn(`tenant ${entry.tenantId}: Telegram answered ${reason}; the session was cleared`);
      await this.notifications.notify(entry.tenantId, { kind: 'session_revoked' }).catch((e: unknown) => {
        this.log.error(`session_revoked notification failed: ${(e as Error).message}`);
      });
      await this.leases.release(entry.lease).catch(() => undefined);
    } finally {
      this.dying.delete(entry.tenantId);
    }
  }

  private async renewLeases(): Promise<void> {
    const entries = [...this.entries.values()];
    try {
      const lost = new Set(await this.leases.renew(entries.map((e) => e.lease)));
      for (const e of entries) if (lost.has(e.tenantId)) await this.evict(e, 'lease lost', false);
    } catch (err) {
      this.log.error(`lease renewal failed: ${(err as Error).message}`);
    }
  }

  /**
   * Pings the connections that have been quiet for a minute, a bounded number at a time. A
   * connection that does not answer is closed; the next call opens a fresh one. A dead session
   * is handled like on any call.
   */
  private async keepAlive(): Promise<void> {
    if (this.keepAliveRunning || this.stopping) return;
    this.keepAliveRunning = true;
    try {
      const due = Date.now() - KEEPALIVE_MS;
      const quiet = [...this.entries.values()].filter((e) => e.lastAlive < due);
      for (let i = 0; i < quiet.length; i += KEEPALIVE_PARALLEL) {
        await Promise.all(
          quiet.slice(i, i + KEEPALIVE_PARALLEL).map(async (e) => {
            if (this.entries.get(e.tenantId) !== e) return;
            try {
              await e.session.keepAlive(KEEPALIVE_DISCONNECT_SECONDS);
              e.lastAlive = Date.now();
            } catch (err) {
              if (err instanceof TelegramCallError && DEAD_SESSION_ERRORS.has(err.errorName)) {
                await this.sessionDied(e, err.errorName);
              } else {
                await this.evict(e, 'keep-alive failed');
              }
            }
          }),
        );
      }
    } finally {
      this.keepAliveRunning = false;
    }
  }

  private async sweepIdle(): Promise<void> {
    const cutoff = Date.now() - this.config.mtproto.idleSeconds * 1000;
    for (const e of [...this.entries.values()]) {
      if (e.busy === 0 && e.lastUsed < cutoff) await this.evict(e, 'idle');
    }
  }

  private async touchLastUsed(tenantId: string): Promise<void> {
    const now = Date.now();
    if ((this.lastUsedWritten.get(tenantId) ?? 0) > now - LAST_USED_WRITE_MS) return;
    this.lastUsedWritten.set(tenantId, now);
    if (this.lastUsedWritten.size > this.config.mtproto.poolMax * 2) {
      const oldest = this.lastUsedWritten.keys().next().value;
      if (oldest !== undefined) this.lastUsedWritten.delete(oldest);
    }
    try {
      await this.tenantDb.run(tenantId, (em) =>
        em.query(`UPDATE "user_bot_credentials" SET "mtproto_last_used_at" = now() WHERE "user_id" = $1`, [tenantId]),
      );
    } catch (err) {
      this.log.warn(`could not record mtproto_last_used_at: ${(err as Error).message}`);
    }
  }
}
