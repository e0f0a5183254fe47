/**
 * Telegram's account updates as the product reads them (core.telegram.org/api/updates), built by the
 * MTProto adapter (telegram-user-session.ts) from the raw TL objects: plain values, ids as strings.
 */

/** The common box's state: `pts` (private chats and basic groups), `qts`, `date` and `seq`. */
export interface CommonState {
  pts: number;
  qts: number;
  date: number;
  seq: number;
}

/** The chat a message is in: a private chat (named by the other user), a basic group or supergroup, a channel. */
export interface PeerRef {
  type: 'user' | 'group' | 'channel';
  id: string;
}

export interface AccountMessage {
  id: number;
  /** Unix seconds. */
  date: number;
  text: string;
  /** Sent by the account itself. */
  out: boolean;
  peer: PeerRef;
  /** The sender's user id; null for a channel's own posts. */
  fromId: string | null;
  editDate: number | null;
}

export interface AccountUser {
  id: string;
  username?: string;
  firstName?: string;
  /** The account itself. */
  self: boolean;
  /** In the account's contacts. */
  contact?: boolean;
}

export interface AccountChannel {
  id: string;
  accessHash?: string;
  username?: string;
  title?: string;
  /** A supergroup (a group kept as a channel) rather than a broadcast channel. */
  megagroup: boolean;
}

/** `pts`/`ptsCount` are absent on messages listed by a difference (the difference's state covers them). */
export type AccountUpdate =
  | { kind: 'message'; message: AccountMessage; pts?: number; ptsCount?: number }
  | { kind: 'edit'; message: AccountMessage; pts: number; ptsCount: number }
  | { kind: 'delete'; messageIds: number[]; pts: number; ptsCount: number }
  /** Another common-box update that moves pts (read receipts and the like): nothing to record but its pts. */
  | { kind: 'pts'; pts: number; ptsCount: number }
  | { kind: 'qts'; qts: number }
  /**
   * The account added (or imported) the user to its contacts: Telegram's `updatePeerSettings` with
   * nothing left to offer for that user, who comes flagged as a contact. Sequenced by `seq`, no pts.
   */
  | { kind: 'contact'; userId: string }
  | { kind: 'channelMessage'; channelId: string; message: AccountMessage; pts?: number; ptsCount?: number }
  | { kind: 'channelEdit'; channelId: string; message: AccountMessage; pts: number; ptsCount: number }
  | { kind: 'channelDelete'; channelId: string; messageIds: number[]; pts: number; ptsCount: number }
  | { kind: 'channelPts'; channelId: string; pts: number; ptsCount: number }
  /** The channel has news the account must fetch with getChannelDifference (from `pts` if it does not track it yet). */
  | { kind: 'channelTooLong'; channelId: string; pts?: number }
  /** Too much happened to push: the account catches up with getDifference. */
  | { kind: 'tooLong' };

/** Updates as they arrive together, with the users and channels they mention. `seq` 0: not sequenced. */
export interface UpdateBatch {
  updates: AccountUpdate[];
  users: AccountUser[];
  channels: AccountChannel[];
  seq: number;
  seqStart: number;
  date: number;
}

export type Difference =
  | { kind: 'empty'; date: number; seq: number }
  /** `final` false: a slice; ask again from `state`. */
  | { kind: 'difference'; final: boolean; batch: UpdateBatch; state: CommonState }
  /** Too far behind: continue from `pts`. */
  | { kind: 'tooLong'; pts: number };

export type ChannelDifference =
  | { kind: 'empty'; pts: number }
  | { kind: 'difference'; final: boolean; pts: number; batch: UpdateBatch }
  /** Too far behind: the channel's newest messages (in `batch`) and its current pts. */
  | { kind: 'tooLong'; pts: number; batch: UpdateBatch };

export const emptyBatch = (): UpdateBatch => ({ updates: [], users: [], channels: [], seq: 0, seqStart: 0, date: 0 });
