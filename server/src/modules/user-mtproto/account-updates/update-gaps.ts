import type { AccountUpdate, CommonState, UpdateBatch } from './account-update-types';

export type { CommonState } from './account-update-types';

/** A channel's own state as tracked. */
export interface ChannelState {
  channelId: string;
  accessHash: string;
  pts: number;
}

/**
 * How an update with `pts`/`ptsCount` fits a box at `local` (core.telegram.org/api/updates):
 * `apply` when it is the next one, `skip` when it was applied already, `gap` when some are missing.
 */
export function checkPts(local: number, pts: number, ptsCount: number): 'apply' | 'skip' | 'gap' {
  if (local + ptsCount === pts) return 'apply';
  if (local + ptsCount > pts) return 'skip';
  return 'gap';
}

/** The same for `qts` (each update moves it by one). */
export function checkQts(local: number, qts: number): 'apply' | 'skip' | 'gap' {
  return checkPts(local, qts, 1);
}

/** The same for a sequenced container (`seq` 0: not sequenced, always fits). */
export function checkSeq(local: number, seqStart: number, seq: number): 'apply' | 'skip' | 'gap' {
  if (seq === 0) return 'apply';
  if (local + 1 === seqStart) return 'apply';
  if (local + 1 > seqStart) return 'skip';
  return 'gap';
}

/** What a live batch does to the state: what to record, the state after it, and what must be fetched. */
export interface LivePlan {
  apply: AccountUpdate[];
  common: CommonState;
  /** Channels whose state changed (first seen or moved). */
  channels: ChannelState[];
  /** The common box has a gap (or Telegram said too long): ask getDifference. */
  difference: boolean;
  /** Channels with a gap (or too long): ask getChannelDifference for each. */
  channelGaps: string[];
}

/**
 * Checks a pushed batch against the state, update by update: the next ones are applied, those
 * already applied are dropped, and a gap stops its box (the difference brings the rest). A channel
 * the account does not track yet starts at its first update, when the batch names its access hash.
 */
export function planLive(
  state: { common: CommonState; channels: ReadonlyMap<string, ChannelState> },
  batch: UpdateBatch,
): LivePlan {
  const common = { ...state.common };
  const channels = new Map<string, ChannelState>();
  const hashes = new Map(batch.channels.flatMap((c) => (c.accessHash ? [[c.id, c.accessHash] as const] : [])));
  const apply: AccountUpdate[] = [];
  const gaps = new Set<string>();
  let difference = false;

  const seq = checkSeq(common.seq, batch.seqStart, batch.seq);
  if (seq === 'gap') difference = true;

  for (const u of batch.updates) {
    if (u.kind === 'tooLong') {
      difference = true;
      continue;
    }
    if (u.kind === 'qts') {
      const fit = checkQts(common.qts, u.qts);
      if (fit === 'gap') difference = true;
      else if (fit === 'apply') common.qts = u.qts;
      continue;
    }
    if (u.kind === 'contact') {
      // Seq only: it comes with its container, which a gap leaves to the difference.
      if (seq === 'apply' && !difference) apply.push(u);
      continue;
    }
    if (u.kind === 'message' || u.kind === 'edit' || u.kind === 'delete' || u.kind === 'pts') {
      if (u.pts === undefined || u.ptsCount === undefined) continue;
      const fit = difference ? 'gap' : checkPts(common.pts, u.pts, u.ptsCount);
      if (fit === 'gap') difference = true;
      else if (fit === 'apply') {
        common.pts = u.pts;
        if (u.kind !== 'pts') apply.push(u);
      }
      continue;
    }
    const { channelId } = u;
    if (gaps.has(channelId)) continue;
    if (u.kind === 'channelTooLong') {
      gaps.add(channelId);
      continue;
    }
    if (u.pts === undefined || u.ptsCount === undefined) continue;
    const tracked = channels.get(channelId) ?? state.channels.get(channelId);
    if (!tracked) {
      const accessHash = hashes.get(channelId);
      if (accessHash) channels.set(channelId, { channelId, accessHash, pts: u.pts });
      if (u.kind !== 'channelPts') apply.push(u);
      continue;
    }
    const fit = checkPts(tracked.pts, u.pts, u.ptsCount);
    if (fit === 'gap') gaps.add(channelId);
    else if (fit === 'apply') {
      channels.set(channelId, { ...tracked, accessHash: hashes.get(channelId) ?? tracked.accessHash, pts: u.pts });
      if (u.kind !== 'channelPts') apply.push(u);
    }
  }
  if (!difference && seq === 'apply' && batch.seq !== 0) common.seq = batch.seq;
  if (!difference && batch.date > common.date) common.date = batch.date;
  return { apply, common, channels: [...channels.values()], difference, channelGaps: [...gaps] };
}
