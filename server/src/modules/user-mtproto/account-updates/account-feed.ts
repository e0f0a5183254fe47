import type { Logger } from '@nestjs/common';
import type { EventsService } from '../../events/events.service';
import type { TelegramUserSession } from '../telegram-user-session';
import { accountEvents, privatePeers } from './account-events';
import { type AccountUpdate, type CommonState, emptyBatch, type UpdateBatch } from './account-update-types';
import type { AccountUpdatesRepository, StoredUpdateState } from './account-updates.repository';
import { type ChannelState, planLive } from './update-gaps';

/** Rounds of one catch-up (each a difference slice); far more than a session that was away a while needs. */
const MAX_ROUNDS = 1000;
/** Most messages one getChannelDifference answers (Telegram's limit for user accounts). */
const CHANNEL_DIFFERENCE_LIMIT = 100;
/** After a failed step the feed reloads the stored state and catches up again, this much later. */
const RETRY_MS = 1000;

/** What a feed needs from the worker: its session's calls (through the pool) and where it records. */
export interface FeedDeps {
  /** Runs `fn` with the feed's own session under the pool's rules; fails when that session is gone. */
  call<T>(fn: (session: TelegramUserSession) => Promise<T>): Promise<T>;
  repo: AccountUpdatesRepository;
  events: EventsService;
  log: Logger;
  /** The feed ended for good (its session closed, another worker took over, or receiving was turned off). */
  ended(): void;
}

/** Ends the feed: another worker records the account now, or receiving is off. */
const isFinal = (err: unknown): boolean =>
  err instanceof Error && ['StaleUpdateWriterError', 'NotOwnerError', 'StaleFeedSessionError'].includes(err.name);

/**
 * One account's updates while its session is open in this worker: on open and after every reconnect it
 * catches up from the stored state (getDifference until final, then getChannelDifference per tracked
 * channel), and applies pushed batches in pts order, asking for a difference at a gap. Everything runs
 * one step at a time; each step records its events together with the state they lead to (one
 * transaction, under the lease's fencing token), so whoever resumes starts exactly after it.
 */
export class AccountFeed {
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private common: CommonState | null = null;
  private readonly channels = new Map<string, ChannelState>();
  private retry?: NodeJS.Timeout;
  /** Pushed batches not yet applied: those that arrive while a step runs are applied together by the next. */
  private pending: UpdateBatch[] = [];
  private listening = false;

  constructor(
    readonly tenantId: string,
    readonly session: TelegramUserSession,
    private readonly fence: number,
    private readonly deps: FeedDeps,
  ) {}

  /**
   * Loads the stored state and, when the account receives updates, listens to the session and catches
   * up. Pushes that came before the listening started are in the difference the catch-up asks for.
   */
  start(): void {
    this.enqueue(() => this.resync());
  }

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    this.session.onUpdates((batch) => {
      if (this.stopped) return;
      this.pending.push(batch);
      if (this.pending.length === 1) this.enqueue(() => this.live(this.pending.splice(0)));
    });
    this.session.onReconnected(() => this.enqueue(() => this.catchUp()));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Resolves once every step queued so far has run. */
  idle(): Promise<void> {
    return this.chain;
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.stopped) return;
      try {
        await step();
      } catch (err) {
        this.failed(err);
      }
    });
  }

  private failed(err: unknown): void {
    if (isFinal(err)) {
      this.stop();
      this.deps.ended();
      return;
    }
    this.deps.log.warn(`account updates of tenant ${this.tenantId}: ${(err as Error).message}; catching up again`);
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.enqueue(() => this.resync()), RETRY_MS);
    this.retry.unref();
  }

  /** Starts over from what is stored (at open, and after a step failed half-way). */
  private async resync(): Promise<void> {
    const stored: StoredUpdateState = await this.deps.repo.load(this.tenantId);
    if (!stored.receiveUpdates) {
      this.stop();
      this.deps.ended();
      return;
    }
    this.listen();
    this.common = stored.common;
    this.channels.clear();
    for (const c of stored.channels) this.channels.set(c.channelId, c);
    await this.catchUp();
  }

  /**
   * Pushed batches, in the order they came, checked one after another against the state; what fits is
   * recorded in one step, then a gap asks for the difference.
   */
  private async live(batches: UpdateBatch[]): Promise<void> {
    const start = this.common;
    if (!start) return; // Not started yet: the catch-up that follows brings these.
    let common = start;
    const channels = new Map(this.channels);
    const moved = new Map<string, ChannelState>();
    const merged = emptyBatch();
    const applied: AccountUpdate[] = [];
    let difference = false;
    const gaps = new Set<string>();
    for (const batch of batches) {
      const plan = planLive({ common, channels }, batch);
      common = plan.common;
      for (const c of plan.channels) {
        channels.set(c.channelId, c);
        moved.set(c.channelId, c);
      }
      applied.push(...plan.apply);
      merged.updates.push(...batch.updates);
      merged.users.push(...batch.users);
      merged.channels.push(...batch.channels);
      difference ||= plan.difference;
      for (const g of plan.channelGaps) gaps.add(g);
    }
    const changed =
      common.pts !== start.pts || common.qts !== start.qts || common.seq !== start.seq || common.date !== start.date;
    if (applied.length > 0 || moved.size > 0 || changed) {
      await this.record(merged, applied, common, [...moved.values()]);
    }
    if (difference) await this.catchUpCommon();
    for (const channelId of gaps) await this.channelTooLong(merged, channelId);
  }

  /** The common box, then every tracked channel. Before the first state there is nothing to catch up on. */
  private async catchUp(): Promise<void> {
    if (!this.common) {
      // The start: from Telegram's state of now, knowing whom the account talked to or has in its contacts
      // (no lead when one of them is added again) and which channels it reads.
      const state = await this.deps.call((s) => s.updateState());
      const { userIds, channels } = await this.deps.call((s) => s.dialogs());
      const contacts = await this.deps.call((s) => s.contacts());
      await this.record(emptyBatch(), [], state, channels, [...userIds, ...contacts.map((c) => c.userId)]);
      return;
    }
    await this.catchUpCommon();
    for (const channelId of [...this.channels.keys()]) await this.catchUpChannel(channelId);
  }

  private async catchUpCommon(): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const from = this.current();
      const d = await this.deps.call((s) => s.difference(from));
      if (d.kind === 'empty') {
        if (d.date !== from.date || d.seq !== from.seq) {
          await this.record(emptyBatch(), [], { ...from, date: d.date, seq: d.seq }, []);
        }
        return;
      }
      if (d.kind === 'tooLong') {
        await this.record(emptyBatch(), [], { ...from, pts: d.pts }, []);
        continue;
      }
      const tooLong: string[] = [];
      const started: ChannelState[] = [];
      const hashes = new Map(d.batch.channels.map((c) => [c.id, c.accessHash]));
      for (const u of d.batch.updates) {
        if (u.kind !== 'channelTooLong') continue;
        const accessHash = hashes.get(u.channelId);
        if (this.channels.has(u.channelId)) tooLong.push(u.channelId);
        // A channel not tracked yet starts where Telegram says it stands.
        else if (accessHash && u.pts !== undefined) started.push({ channelId: u.channelId, accessHash, pts: u.pts });
      }
      await this.record(d.batch, d.batch.updates, d.state, started);
      for (const channelId of tooLong) await this.catchUpChannel(channelId);
      if (d.final) return;
    }
  }

  private async catchUpChannel(channelId: string): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const ch = this.channels.get(channelId);
      if (!ch) return;
      const d = await this.deps.call((s) => s.channelDifference(ch, ch.pts, CHANNEL_DIFFERENCE_LIMIT));
      if (d.kind === 'empty') {
        if (d.pts !== ch.pts) await this.record(emptyBatch(), [], null, [{ ...ch, pts: d.pts }]);
        return;
      }
      await this.record(d.batch, d.batch.updates, null, [{ ...ch, pts: d.pts }]);
      if (d.kind === 'tooLong' || d.final) return;
    }
  }

  /** A pushed channelTooLong: a tracked channel catches up; one not tracked yet starts at the pts given. */
  private async channelTooLong(batch: UpdateBatch, channelId: string): Promise<void> {
    if (this.channels.has(channelId)) return this.catchUpChannel(channelId);
    const update = batch.updates.find(
      (u): u is Extract<AccountUpdate, { kind: 'channelTooLong' }> =>
        u.kind === 'channelTooLong' && u.channelId === channelId,
    );
    const accessHash = batch.channels.find((c) => c.id === channelId)?.accessHash;
    if (update?.pts !== undefined && accessHash) {
      await this.record(emptyBatch(), [], null, [{ channelId, accessHash, pts: update.pts }]);
    }
  }

  private current(): CommonState {
    if (!this.common) throw new Error('the update state is not loaded');
    return this.common;
  }

  /**
   * One step's events and the state they lead to, in one transaction under the lease's fencing token;
   * the feed's own copy of the state moves only once it committed.
   */
  private async record(
    batch: UpdateBatch,
    updates: readonly AccountUpdate[],
    common: CommonState | null,
    channels: ChannelState[],
    knownPeers: string[] = [],
  ): Promise<void> {
    await this.deps.repo.record(this.tenantId, async (tx) => {
      await tx.claim(this.fence);
      await tx.addKnownPeers(knownPeers);
      const fresh = await tx.addKnownPeers(privatePeers(updates));
      const events = accountEvents(batch, updates, fresh);
      if (events.length > 0) await this.deps.events.emitMany(this.tenantId, events, tx.em);
      if (common) await tx.saveCommon(common);
      await tx.saveChannels(channels);
    });
    if (common) this.common = common;
    for (const c of channels) this.channels.set(c.channelId, c);
  }
}
