/**
 * Telegram's update sequences (core.telegram.org/api/updates), as plain data: every user has one
 * common box (`pts` for private messages and basic groups, `qts`, `seq`, `date`), every channel its own
 * `pts`. Each change that Telegram reports as an update advances the right `pts` by its `pts_count`
 * and is kept in a bounded log, so a client that missed pushes can ask for the difference.
 *
 * Entries reference the world (message ids, channel ids) rather than holding built TL objects: a
 * difference shows messages as they are now, in the asking connection's layer, and the whole state
 * stays JSON-serialisable with the world.
 */

/** A change in a user's common box. `channel` (membership) and `contact` carry no pts: they are sequenced by `seq`. */
export type UserUpdate =
  | { kind: 'newMessage'; messageId: number }
  /** A message in a basic group the user is in: basic groups share the common box. */
  | { kind: 'newGroupMessage'; groupId: number; messageId: number }
  | { kind: 'editMessage'; messageId: number }
  /** A basic group's message changed (a bot edited its caption). */
  | { kind: 'editGroupMessage'; groupId: number; messageId: number }
  /** Messages of a private chat (`peer`: the other side) or basic group pinned or unpinned. */
  | { kind: 'pinnedMessages'; peer: { kind: 'user' | 'chat'; id: number }; messageIds: number[]; pinned: boolean }
  | { kind: 'deleteMessages'; messageIds: number[] }
  /** The user read what the peer wrote up to `maxId` (on this or another device). */
  | { kind: 'readInbox'; peerId: number; maxId: number }
  /** The peer read what the user wrote up to `maxId`. */
  | { kind: 'readOutbox'; peerId: number; maxId: number }
  | { kind: 'channel'; channelId: number }
  /** `userId` was added to the user's contacts (seq only, like `channel`). */
  | { kind: 'contact'; userId: number };

/** A change in a channel's (or supergroup's) own box. */
export type ChannelUpdate =
  | { kind: 'newChannelMessage'; messageId: number }
  | { kind: 'editChannelMessage'; messageId: number }
  | { kind: 'deleteChannelMessages'; messageIds: number[] }
  | { kind: 'pinnedChannelMessages'; messageIds: number[]; pinned: boolean };

export interface LogEntry<U> {
  /** The box's pts after this update. */
  pts: number;
  /** How far it moved pts; 0 for seq-only updates. */
  ptsCount: number;
  /** The user's seq after this update (0 in channel logs). */
  seq: number;
  /** Unix seconds. */
  date: number;
  update: U;
}

export interface UserUpdateBox {
  pts: number;
  /** Secret chats and bot-only updates move qts; the sandbox has neither, so it stays 0. */
  qts: number;
  seq: number;
  date: number;
  /** Oldest first, at most the configured size. */
  log: LogEntry<UserUpdate>[];
}

export interface ChannelUpdateLog {
  /** Oldest first, at most the configured size; the channel's current pts is `SandboxChannel.pts`. */
  log: LogEntry<ChannelUpdate>[];
}

/** All update state of a world, keyed by user id and channel id (as strings: plain JSON). */
export interface UpdateState {
  users: Record<string, UserUpdateBox>;
  channels: Record<string, ChannelUpdateLog>;
}

export const emptyUpdateState = (): UpdateState => ({ users: {}, channels: {} });

export function userBox(state: UpdateState, userId: number, now: number): UserUpdateBox {
  const key = String(userId);
  let box = state.users[key];
  if (!box) state.users[key] = box = { pts: 0, qts: 0, seq: 0, date: now, log: [] };
  return box;
}

export function channelLog(state: UpdateState, channelId: number): ChannelUpdateLog {
  const key = String(channelId);
  let log = state.channels[key];
  if (!log) state.channels[key] = log = { log: [] };
  return log;
}

function append<U>(log: LogEntry<U>[], entry: LogEntry<U>, maxEntries: number): void {
  log.push(entry);
  if (log.length > maxEntries) log.splice(0, log.length - maxEntries);
}

/** Moves the user's pts by `ptsCount` and logs the update. */
export function recordUserPts(
  box: UserUpdateBox,
  update: UserUpdate,
  ptsCount: number,
  date: number,
  maxEntries: number,
): LogEntry<UserUpdate> {
  box.pts += ptsCount;
  box.date = Math.max(box.date, date);
  const entry = { pts: box.pts, ptsCount, seq: box.seq, date, update };
  append(box.log, entry, maxEntries);
  return entry;
}

/** Moves the user's seq by one (an update that has no pts) and logs it. */
export function recordUserSeq(
  box: UserUpdateBox,
  update: UserUpdate,
  date: number,
  maxEntries: number,
): LogEntry<UserUpdate> {
  box.seq += 1;
  box.date = Math.max(box.date, date);
  const entry = { pts: box.pts, ptsCount: 0, seq: box.seq, date, update };
  append(box.log, entry, maxEntries);
  return entry;
}

/** Logs a channel update; the world has already moved the channel's pts to `pts`. */
export function recordChannel(
  log: ChannelUpdateLog,
  update: ChannelUpdate,
  pts: number,
  ptsCount: number,
  date: number,
  maxEntries: number,
): LogEntry<ChannelUpdate> {
  const entry = { pts, ptsCount, seq: 0, date, update };
  append(log.log, entry, maxEntries);
  return entry;
}

export type Since<U> =
  /** The client's pts is ahead of the box: its state is not one the server gave. */
  | { kind: 'invalid' }
  | { kind: 'empty' }
  /** The log no longer reaches back to the client's pts: it must start again from the current state. */
  | { kind: 'tooLong' }
  /** `final` is false when `limit` cut the list; the client asks again from the last entry's state. */
  | { kind: 'entries'; entries: LogEntry<U>[]; final: boolean };

/**
 * What a client at `from.pts` (and, for seq-only updates, `from.date`) has not seen, at most `limit`
 * pts worth (always at least one entry, as a single update cannot be split).
 */
export function entriesSince<U>(
  log: LogEntry<U>[],
  currentPts: number,
  from: { pts: number; date?: number },
  limit: number,
): Since<U> {
  if (!Number.isInteger(from.pts) || from.pts > currentPts || from.pts < 0) return { kind: 'invalid' };
  const first = log[0];
  const reach = first ? first.pts - first.ptsCount : currentPts;
  if (from.pts < reach) return { kind: 'tooLong' };
  const fresh = log.filter((e) =>
    e.ptsCount > 0 ? e.pts > from.pts : e.pts >= from.pts && (from.date === undefined || e.date >= from.date),
  );
  if (!fresh.length) return { kind: 'empty' };
  const entries: LogEntry<U>[] = [];
  let total = 0;
  for (const e of fresh) {
    if (entries.length && total + e.ptsCount > limit) break;
    entries.push(e);
    total += e.ptsCount;
  }
  return { kind: 'entries', entries, final: entries.length === fresh.length };
}
