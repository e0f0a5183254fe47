import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { Coalescer } from '../../common/coalescer';
import { EventsError, EventsErrorCode } from './events.errors';
import { EventsNotifier } from './events-notifier';
import { type EventsMaintenanceResult, EventsRepository } from './events.repository';
import type { EventType, NewEvent, TenantEvent } from './event-types';

/** The most events one read answers. */
export const MAX_EVENTS_PER_READ = 500;

/** A read of a tenant's events: after a cursor (`'0'`: from the oldest kept), of some types (all when empty). */
export interface EventsQuery {
  after: string;
  types: readonly EventType[];
  limit: number;
}

/**
 * A transaction's wake-up cannot go out at its commit, which happens outside: it goes out a little
 * later, twice. A reader woken before the commit reads nothing and waits again; the second wake-up
 * (or its deadline) brings it back.
 */
const DEFERRED_WAKE_MS = [200, 2000];

/** Some tenants' events to append, each tenant's in order. */
type TenantBatches = { tenantId: string; events: NewEvent[] }[];

/** One caller's share of a shared append: its events by tenant, or why its statement failed. */
type AppendResult = { recorded: Map<string, TenantEvent[]> } | { error: unknown };

/**
 * A tenant's events: recording them (once per dedupe key), reading them from a cursor, waiting for
 * the next ones. Every pod's long polls and streams wake through EventsNotifier.
 */
@Injectable()
export class EventsService implements OnModuleDestroy {
  private readonly streams = new Map<string, number>();
  private readonly readers = new Set<AbortController>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly recordedHooks: ((tenantId: string) => void)[] = [];
  /** Appends asked for at the same time share a statement (group commit; see appendTogether). */
  private readonly appends = new Coalescer<TenantBatches, AppendResult>((calls) => this.appendTogether(calls), {
    maxBatch: 100,
    maxInFlight: 2,
  });

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: EventsRepository,
    private readonly notifier: EventsNotifier,
  ) {}

  onModuleDestroy(): void {
    // Long polls and streams answer now instead of holding the server's shutdown.
    for (const reader of this.readers) reader.abort();
    for (const timer of this.timers) clearTimeout(timer);
  }

  /**
   * Records one event and answers it; null when its dedupe key was used before. With `em` (a
   * `TenantDb.run` transaction of this tenant) it commits or rolls back with the caller's writes.
   */
  async emit(
    tenantId: string,
    type: EventType,
    data: Record<string, unknown>,
    options: { dedupeKey?: string; em?: EntityManager } = {},
  ): Promise<TenantEvent | null> {
    const [event] = await this.emitMany(tenantId, [{ type, data, dedupeKey: options.dedupeKey }], options.em);
    return event ?? null;
  }

  /** Records events in order, one statement (or in the caller's `em`), and answers those recorded. */
  async emitMany(tenantId: string, events: NewEvent[], em?: EntityManager): Promise<TenantEvent[]> {
    if (!em) return (await this.emitForTenants([{ tenantId, events }])).get(tenantId) ?? [];
    const recorded = await this.repo.append(tenantId, events, em);
    if (recorded.length === 0) return recorded;
    for (const delay of DEFERRED_WAKE_MS) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.notifier.publish(tenantId);
        this.runRecordedHooks(tenantId);
      }, delay);
      timer.unref();
      this.timers.add(timer);
    }
    return recorded;
  }

  /**
   * Records several tenants' events (each tenant's in order) in one statement, shared with the other
   * appends asked for meanwhile, and answers those recorded by tenant; each tenant with new events is
   * woken at once.
   */
  async emitForTenants(batches: TenantBatches): Promise<Map<string, TenantEvent[]>> {
    const result = await this.appends.call(batches);
    if ('error' in result) throw result.error;
    const recorded = result.recorded;
    for (const tenantId of recorded.keys()) {
      // Not awaited: recording is done, and a slow or absent Redis must not hold up the writer.
      void this.notifier.publish(tenantId);
      this.runRecordedHooks(tenantId);
    }
    return recorded;
  }

  /**
   * Appends several callers' events: callers with no tenant in common share one statement (its answer
   * is split by tenant), so a caller naming a tenant another one names goes in a statement of its own,
   * run beside. Each statement's failure is its callers' only: the others' events are recorded.
   */
  private async appendTogether(calls: TenantBatches[]): Promise<AppendResult[]> {
    const groups: { tenants: Set<string>; calls: number[] }[] = [];
    calls.forEach((batches, k) => {
      const tenants = batches.map((b) => b.tenantId);
      let group = groups.find((g) => !tenants.some((t) => g.tenants.has(t)));
      if (!group) {
        group = { tenants: new Set(), calls: [] };
        groups.push(group);
      }
      for (const t of tenants) group.tenants.add(t);
      group.calls.push(k);
    });
    const results: AppendResult[] = calls.map(() => ({ recorded: new Map() }));
    await Promise.all(
      groups.map(async (group) => {
        try {
          const recorded = await this.repo.appendForTenants(group.calls.flatMap((k) => calls[k] ?? []));
          for (const k of group.calls) {
            const mine = new Map<string, TenantEvent[]>();
            for (const { tenantId } of calls[k] ?? []) {
              const events = recorded.get(tenantId);
              if (events) mine.set(tenantId, events);
            }
            results[k] = { recorded: mine };
          }
        } catch (error) {
          for (const k of group.calls) results[k] = { error };
        }
      }),
    );
    return results;
  }

  /**
   * Calls `hook` with the tenant's id whenever this process records events for it (after the commit;
   * for events written in a caller's transaction, at the deferred wake-ups). A hook must not throw
   * and must not wait: webhook dispatch registers one to be woken at once.
   */
  onRecorded(hook: (tenantId: string) => void): void {
    this.recordedHooks.push(hook);
  }

  private runRecordedHooks(tenantId: string): void {
    for (const hook of this.recordedHooks) hook(tenantId);
  }

  /** The id of the tenant's newest kept event ('0' when none): where a new reader starts. */
  latestId(tenantId: string): Promise<string> {
    return this.repo.latestId(tenantId);
  }

  /**
   * Wakes the tenant's long polls and streams for events another module's statement appended through
   * `events_append` (the send path's record of sent posts); call once it has committed.
   */
  recordedElsewhere(tenantId: string): void {
    void this.notifier.publish(tenantId);
    this.runRecordedHooks(tenantId);
  }

  /** Partition upkeep for every tenant (the housekeeping job): see EventsRepository.maintainPartitions. */
  maintainPartitions(retentionDays: number, daysAhead: number, now: Date): Promise<EventsMaintenanceResult> {
    return this.repo.maintainPartitions(retentionDays, daysAhead, now);
  }

  /** The tenant's events after the cursor, oldest first; in the caller's transaction `em` (this tenant's) when given. */
  list(tenantId: string, q: EventsQuery, em?: EntityManager): Promise<TenantEvent[]> {
    return this.repo.listAfter(tenantId, q.after, q.types, Math.min(q.limit, MAX_EVENTS_PER_READ), em);
  }

  /**
   * Like `list`, but when nothing is there yet waits up to `waitMs` and answers as soon as something
   * arrives: a wake-up for the tenant (from any pod) makes it read again; no polling in between.
   * Answers what it has (possibly nothing) when `signal` aborts or the app shuts down.
   */
  async wait(tenantId: string, q: EventsQuery, waitMs: number, signal?: AbortSignal): Promise<TenantEvent[]> {
    const reader = new AbortController();
    const abort = (): void => reader.abort();
    signal?.addEventListener('abort', abort);
    if (signal?.aborted) reader.abort();
    this.readers.add(reader);
    let woken = false;
    let wake: (() => void) | undefined;
    const stopListening = this.notifier.listen(tenantId, () => {
      woken = true;
      wake?.();
    });
    const onAbort = (): void => wake?.();
    reader.signal.addEventListener('abort', onAbort);
    const deadline = Date.now() + waitMs;
    try {
      for (;;) {
        woken = false;
        const events = await this.list(tenantId, q);
        if (events.length > 0 || reader.signal.aborted) return events;
        const left = deadline - Date.now();
        if (left <= 0) return events;
        if (!woken) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, left);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
        if (reader.signal.aborted) return [];
      }
    } finally {
      stopListening();
      reader.signal.removeEventListener('abort', onAbort);
      signal?.removeEventListener('abort', abort);
      this.readers.delete(reader);
    }
  }

  /**
   * Counts an open event stream of the tenant in this process; answers the function that ends it.
   * Past EVENTS_STREAMS_PER_TENANT: 429, so one tenant cannot hold a pod's connections.
   */
  openStream(tenantId: string): () => void {
    const open = this.streams.get(tenantId) ?? 0;
    const max = this.config.events.streamsPerTenant;
    if (open >= max) {
      throw new EventsError(
        EventsErrorCode.TooManyStreams,
        `At most ${max} event streams may be open at once; close one first.`,
        { limit: max },
      );
    }
    this.streams.set(tenantId, open + 1);
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      const left = (this.streams.get(tenantId) ?? 1) - 1;
      if (left > 0) this.streams.set(tenantId, left);
      else this.streams.delete(tenantId);
    };
  }

  /** An abort signal that fires when the app shuts down (streams end with it). */
  shutdownSignal(): { signal: AbortSignal; release: () => void } {
    const reader = new AbortController();
    this.readers.add(reader);
    return { signal: reader.signal, release: () => this.readers.delete(reader) };
  }
}
