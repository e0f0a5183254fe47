import {
  type BasicGroupMessage,
  BasicGroupMessageEvent,
  type BasicGroupMessagesDeletedEvent,
  ChannelMessage,
  ChannelMessageEvent,
  ContactAddedEvent,
  MemberChangedEvent,
  type MessageReactionsEvent,
  MessagesPinnedEvent,
  PrivateMessage,
  PrivateHistoryReadEvent,
  PrivateMessagesDeletedEvent,
  SandboxBasicGroup,
  SandboxChannel,
  type SandboxForwardOrigin,
  SandboxWorld,
  WorldEvent,
} from '../world';
import {
  basicGroupMessageToTl,
  basicGroupToTl,
  botToTl,
  channelMessageToTl,
  groupMessageAuthorIds,
  channelMessageUserIds,
  channelToTl,
  forwardAuthorIds,
  forwardOriginChannelIds,
  forwardOriginChatsToTl,
  emptyNotifySettings,
  peerChannel,
  peerChat,
  peerUser,
  entitiesToTl,
  fwdHeaderToTl,
  privateMessageToTl,
  reactionsUpdateToTl,
  unixNow,
  userToTl,
} from '../mtproto/tl-builders';
import type { TlObject } from '../mtproto/tl-codec';
import { updateMessagePollToTl } from '../mtproto/poll-tl';
import { pollAudience, type PollUpdatedEvent } from '../polls';
import { reactionAudience, reactionCounts } from '../reactions';
import { pendingSummary, requestDeciders } from '../join-requests';
import { pendingJoinRequestsToTl } from '../mtproto/join-requests';
import { present } from '../../common/present';
import { visibleTo } from '../basic-group-management';
import {
  ChannelUpdate,
  channelLog,
  entriesSince,
  LogEntry,
  recordChannel,
  recordUserPts,
  recordUserSeq,
  UserUpdate,
  UserUpdateBox,
  userBox,
} from './update-log';

export interface UpdateLimits {
  /** Updates kept per user; a client further behind gets `differenceTooLong`. */
  userLogSize: number;
  /** Updates kept per channel; a client further behind gets `channelDifferenceTooLong`. */
  channelLogSize: number;
  /** Most pts one `getDifference` answer covers before it becomes a `differenceSlice`. */
  differenceLimit: number;
  /** Most pts one `getChannelDifference` answer covers (Telegram allows users 100). */
  channelDifferenceLimit: number;
  /** Updates waiting for one connection beyond this are replaced by a single `updatesTooLong`. */
  pushBatchLimit: number;
}

export const DEFAULT_UPDATE_LIMITS: UpdateLimits = {
  userLogSize: 1000,
  channelLogSize: 1000,
  differenceLimit: 1000,
  channelDifferenceLimit: 100,
  pushBatchLimit: 100,
};

/** Seconds a client should wait before polling a channel again (Telegram's `timeout`). */
const CHANNEL_POLL_TIMEOUT = 30;

/**
 * An update addressed to one user, built for them only if one of their sessions is listening
 * (`undefined` when what it was about is gone already).
 */
export type PushHandler = (userId: number, build: () => TlObject | undefined) => void;

/** The RPC error an invalid difference request gets. */
export class UpdateStateError extends Error {
  constructor(readonly errorMessage: string) {
    super(errorMessage);
    this.name = 'UpdateStateError';
  }
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN);

/**
 * Records every world change that Telegram reports as an update in the right pts box (state kept in
 * `world.updateState`), hands each one to `push` for the live sessions, and answers
 * `updates.getState`, `updates.getDifference` and `updates.getChannelDifference` from the same logs.
 */
export class SandboxUpdates {
  private readonly listeners: [WorldEvent, (...args: unknown[]) => void][] = [];

  constructor(
    private readonly world: SandboxWorld,
    readonly limits: UpdateLimits,
    private readonly push: PushHandler,
  ) {
    this.listen(WorldEvent.PrivateMessage, (m: PrivateMessage) => this.onPrivateMessage(m, 'newMessage'));
    this.listen(WorldEvent.PrivateMessageEdited, (m: PrivateMessage) => this.onPrivateMessage(m, 'editMessage'));
    this.listen(WorldEvent.PrivateHistoryRead, (e: PrivateHistoryReadEvent) => this.onRead(e));
    this.listen(WorldEvent.PrivateMessagesDeleted, (e: PrivateMessagesDeletedEvent) => this.onPrivateDeleted(e));
    this.listen(WorldEvent.ChannelMessage, ({ channel, message }: ChannelMessageEvent) =>
      this.onChannel(channel, { kind: 'newChannelMessage', messageId: message.id }),
    );
    this.listen(WorldEvent.ChannelMessageEdited, ({ channel, message }: ChannelMessageEvent) =>
      this.onChannel(channel, { kind: 'editChannelMessage', messageId: message.id }),
    );
    this.listen(WorldEvent.ChannelMessageDeleted, ({ channel, message }: ChannelMessageEvent) =>
      this.onChannel(channel, { kind: 'deleteChannelMessages', messageIds: [message.id] }),
    );
    this.listen(WorldEvent.MemberChanged, (e: MemberChangedEvent) => this.onMemberChanged(e));
    this.listen(WorldEvent.ChannelEdited, (channel: SandboxChannel) => {
      for (const member of channel.members.values()) this.onMemberChanged({ channel, member, left: false });
    });
    this.listen(WorldEvent.ContactAdded, (e: ContactAddedEvent) => this.onContactAdded(e));
    this.listen(WorldEvent.BasicGroupMessage, (e: BasicGroupMessageEvent) => this.onBasicGroupMessage(e));
    this.listen(WorldEvent.BasicGroupMessageEdited, (e: BasicGroupMessageEvent) => this.onBasicGroupMessage(e, true));
    this.listen(WorldEvent.BasicGroupMessagesDeleted, (e: BasicGroupMessagesDeletedEvent) =>
      this.onPrivateDeleted({ deletions: e.userIds.map((userId) => ({ userId, messageIds: e.messageIds })) }),
    );
    this.listen(WorldEvent.MessagesPinned, (e: MessagesPinnedEvent) => this.onPinned(e));
    this.listen(WorldEvent.PollUpdated, (e: PollUpdatedEvent) => this.onPoll(e));
    this.listen(WorldEvent.MessageReactions, (e: MessageReactionsEvent) => this.onReactions(e));
    this.listen(WorldEvent.PendingJoinRequests, (channel: SandboxChannel) => this.onPendingJoinRequests(channel));
  }

  close(): void {
    for (const [event, fn] of this.listeners) this.world.off(event, fn);
    this.listeners.length = 0;
  }

  /** The user's common pts (what `updateShortSentMessage` reports after a send). */
  userPts(userId: number): number {
    return this.box(userId).pts;
  }

  getState(userId: number): TlObject {
    return this.stateTl(this.box(userId));
  }

  getDifference(userId: number, req: TlObject): TlObject {
    const box = this.box(userId);
    const asked = num(req.pts_total_limit);
    const limit = asked > 0 ? Math.min(asked, this.limits.differenceLimit) : this.limits.differenceLimit;
    const date = num(req.date);
    const since = entriesSince(
      box.log,
      box.pts,
      { pts: num(req.pts), date: Number.isFinite(date) ? date : undefined },
      limit,
    );
    // Channels keep their own pts: the difference only names those with news, and the client fetches each.
    const stale = since.kind === 'entries' && !since.final ? [] : this.channelsChangedSince(userId, date);
    const tooLong = stale.map((c) => ({ _: 'updateChannelTooLong', channel_id: BigInt(c.id), pts: c.pts }));
    switch (since.kind) {
      case 'invalid':
        throw new UpdateStateError('PERSISTENT_TIMESTAMP_INVALID');
      case 'empty':
        if (!stale.length) return { _: 'updates.differenceEmpty', date: unixNow(), seq: box.seq };
        return {
          _: 'updates.difference',
          new_messages: [],
          new_encrypted_messages: [],
          other_updates: tooLong,
          chats: stale.map((c) => channelToTl(c, userId)),
          users: this.usersTl([userId], userId),
          state: this.stateTl({ ...box, date: unixNow() }),
        };
      case 'tooLong':
        return { _: 'updates.differenceTooLong', pts: box.pts };
      case 'entries':
        break;
    }
    const { entries, final } = since;
    const newIds = new Set(entries.flatMap((e) => (e.update.kind === 'newMessage' ? [e.update.messageId] : [])));
    const newMessages: TlObject[] = [];
    const otherUpdates: TlObject[] = [];
    const userIds: number[] = [userId];
    const channels = new Map<number, SandboxChannel>();
    const groups = new Map<number, TlObject>();
    // The channels forwards name as their origin go in the chats too.
    const addOriginChannels = (message: { forwardOrigin?: SandboxForwardOrigin }): void => {
      for (const id of forwardOriginChannelIds([message])) {
        const origin = this.world.findChannel(id);
        if (origin) channels.set(origin.id, origin);
      }
    };
    for (const entry of entries) {
      const { update } = entry;
      if (update.kind === 'newGroupMessage') {
        const found = this.groupMessage(update.groupId, update.messageId, userId);
        if (!found) continue;
        userIds.push(...groupMessageAuthorIds(found.message));
        groups.set(found.group.id, basicGroupToTl(found.group, userId));
        addOriginChannels(found.message);
        newMessages.push(basicGroupMessageToTl(found.group, found.message, userId));
        continue;
      }
      if (update.kind === 'editGroupMessage') {
        const found = this.groupMessage(update.groupId, update.messageId, userId);
        if (!found) continue;
        userIds.push(...groupMessageAuthorIds(found.message));
        groups.set(found.group.id, basicGroupToTl(found.group, userId));
        otherUpdates.push(this.userUpdateTl(entry, userId) as TlObject);
        continue;
      }
      if (update.kind === 'pinnedMessages') {
        const group = update.peer.kind === 'chat' ? this.world.findBasicGroup(update.peer.id) : undefined;
        if (group) groups.set(group.id, basicGroupToTl(group, userId));
        else userIds.push(update.peer.id);
        otherUpdates.push(this.userUpdateTl(entry, userId) as TlObject);
        continue;
      }
      if (update.kind === 'channel') {
        const channel = this.world.findChannel(update.channelId);
        if (channel) channels.set(channel.id, channel);
        otherUpdates.push({ _: 'updateChannel', channel_id: BigInt(update.channelId) });
        continue;
      }
      if (update.kind === 'contact') {
        userIds.push(update.userId);
        otherUpdates.push(this.userUpdateTl(entry, userId) as TlObject);
        continue;
      }
      if (update.kind === 'deleteMessages' || update.kind === 'readInbox' || update.kind === 'readOutbox') {
        if (update.kind !== 'deleteMessages') userIds.push(update.peerId);
        otherUpdates.push(this.userUpdateTl(entry, userId) as TlObject);
        continue;
      }
      const message = this.world.findPrivateMessage(update.messageId);
      // Deleted since: the deletion that follows in the log says so.
      if (!message || message.deletedFor?.includes(userId)) continue;
      userIds.push(message.fromId, message.toId, ...forwardAuthorIds(message));
      addOriginChannels(message);
      if (update.kind === 'newMessage') newMessages.push(privateMessageToTl(message, userId));
      // An edit of a message that is itself new in this difference is already in its current text.
      else if (!newIds.has(update.messageId)) otherUpdates.push(this.userUpdateTl(entry, userId) as TlObject);
    }
    const last = entries.at(-1);
    for (const c of stale) channels.set(c.id, c);
    const body = {
      new_messages: newMessages,
      new_encrypted_messages: [],
      other_updates: [...otherUpdates, ...tooLong],
      chats: [...channels.values()].map((c) => channelToTl(c, userId)).concat([...groups.values()]),
      users: this.usersTl(userIds, userId),
    };
    return final
      ? { _: 'updates.difference', ...body, state: this.stateTl(stale.length ? { ...box, date: unixNow() } : box) }
      : {
          _: 'updates.differenceSlice',
          ...body,
          intermediate_state: this.stateTl({ ...box, ...sliceEnd(last) }),
        };
  }

  /** `channel` must already be resolved and readable by the user. */
  getChannelDifference(userId: number, channel: SandboxChannel, req: TlObject): TlObject {
    const log = channelLog(this.world.updateState, channel.id).log;
    const asked = num(req.limit);
    const limit = asked > 0 ? Math.min(asked, this.limits.channelDifferenceLimit) : this.limits.channelDifferenceLimit;
    const since = entriesSince(log, channel.pts, { pts: num(req.pts) }, limit);
    switch (since.kind) {
      case 'invalid':
        throw new UpdateStateError('PERSISTENT_TIMESTAMP_INVALID');
      case 'empty':
        return { _: 'updates.channelDifferenceEmpty', final: true, pts: channel.pts, timeout: CHANNEL_POLL_TIMEOUT };
      case 'tooLong':
        return this.channelTooLong(userId, channel, limit);
      case 'entries':
        break;
    }
    const { entries, final } = since;
    const newIds = new Set(entries.flatMap((e) => (e.update.kind === 'newChannelMessage' ? [e.update.messageId] : [])));
    const newMessages: ChannelMessage[] = [];
    const otherUpdates: TlObject[] = [];
    for (const entry of entries) {
      const { update } = entry;
      if (update.kind === 'newChannelMessage') {
        const message = channel.messages.find((m) => m.id === update.messageId);
        if (message && !message.deleted) newMessages.push(message);
      } else if (update.kind === 'editChannelMessage') {
        const message = channel.messages.find((m) => m.id === update.messageId);
        if (message && !message.deleted && !newIds.has(message.id)) {
          otherUpdates.push(this.channelUpdateTl(channel, entry) as TlObject);
        }
      } else {
        otherUpdates.push(this.channelUpdateTl(channel, entry) as TlObject);
      }
    }
    const last = entries.at(-1);
    return {
      _: 'updates.channelDifference',
      final,
      pts: final ? channel.pts : present(last, 'the last update of a partial difference').pts,
      timeout: final ? CHANNEL_POLL_TIMEOUT : undefined,
      new_messages: newMessages.map((m) => channelMessageToTl(channel, m, this.world.countersOf(channel, m), userId)),
      other_updates: otherUpdates,
      chats: [channelToTl(channel, userId), ...this.originChats(newMessages, userId, [channel.id])],
      users: this.usersTl(newMessages.flatMap(channelMessageUserIds), userId),
    };
  }

  /** Channels the user is in that changed at or after `date` (a client's state date). */
  private channelsChangedSince(userId: number, date: number): SandboxChannel[] {
    if (!Number.isFinite(date)) return [];
    return this.world.listChannels().filter((c) => {
      const log = this.world.updateState.channels[String(c.id)]?.log;
      const lastDate = log?.[log.length - 1]?.date;
      return lastDate !== undefined && lastDate >= date && c.members.has(`user:${userId}`);
    });
  }

  // ---- recording ----

  private listen<T>(event: WorldEvent, fn: (payload: T) => void): void {
    const listener = (...args: unknown[]): void => {
      try {
        fn(args[0] as T);
      } catch {
        // A failed update must never break the world's emitter, nor the caller who changed the world.
      }
    };
    // First in line: the other doors' listeners and the RPC answers read the pts recorded here.
    this.world.prependListener(event, listener);
    this.listeners.push([event, listener]);
  }

  private box(userId: number): UserUpdateBox {
    return userBox(this.world.updateState, userId, unixNow());
  }

  private onPrivateMessage(message: PrivateMessage, kind: 'newMessage' | 'editMessage'): void {
    const date = kind === 'newMessage' ? message.date : (message.editDate ?? unixNow());
    const userIds = new Set<number>();
    if (message.fromKind === 'user') userIds.add(message.fromId);
    if (message.toKind === 'user') userIds.add(message.toId);
    for (const userId of userIds) {
      // One who blocked the sender never hears of it (blocking.ts).
      if (!this.world.findUserById(userId) || message.deletedFor?.includes(userId)) continue;
      const entry = recordUserPts(this.box(userId), { kind, messageId: message.id }, 1, date, this.limits.userLogSize);
      this.push(userId, () => this.userPushTl(entry, message, userId));
    }
  }

  /** A basic group's message goes into each member's common box, and out to their sessions. */
  private onBasicGroupMessage({ group, message }: BasicGroupMessageEvent, edited = false): void {
    const update: UserUpdate = {
      kind: edited ? 'editGroupMessage' : 'newGroupMessage',
      groupId: group.id,
      messageId: message.id,
    };
    const date = edited ? (message.editDate ?? unixNow()) : message.date;
    for (const userId of group.userIds) {
      if (!this.world.findUserById(userId)) continue;
      const entry = recordUserPts(this.box(userId), update, 1, date, this.limits.userLogSize);
      this.push(userId, () => {
        const tl = this.userUpdateTl(entry, userId);
        return (
          tl && {
            _: 'updates',
            updates: [tl],
            users: this.usersTl(groupMessageAuthorIds(message), userId),
            chats: [basicGroupToTl(group, userId), ...this.originChats([message], userId)],
            date: entry.date,
            seq: 0,
          }
        );
      });
    }
  }

  /**
   * Pinning or unpinning: a channel's own box moves (`updatePinnedChannelMessages`); in a basic group every member's
   * common box, in a private chat each user side's (`updatePinnedMessages`, the peer being the chat).
   */
  private onPinned({ chat, messageIds, pinned }: MessagesPinnedEvent): void {
    if (chat.kind === 'channel') {
      this.onChannel(chat.channel, { kind: 'pinnedChannelMessages', messageIds, pinned });
      return;
    }
    const sides: [number, UserUpdate][] =
      chat.kind === 'group'
        ? chat.group.userIds.map((uid) => [
            uid,
            { kind: 'pinnedMessages', peer: { kind: 'chat', id: chat.group.id }, messageIds, pinned },
          ])
        : [[chat.userId, { kind: 'pinnedMessages', peer: { kind: 'user', id: chat.peerId }, messageIds, pinned }]];
    if (chat.kind === 'private' && chat.peerKind === 'user' && chat.peerId !== chat.userId) {
      sides.push([
        chat.peerId,
        { kind: 'pinnedMessages', peer: { kind: 'user', id: chat.userId }, messageIds, pinned },
      ]);
    }
    for (const [uid, update] of sides) {
      if (!this.world.findUserById(uid)) continue;
      const entry = recordUserPts(this.box(uid), update, 1, unixNow(), this.limits.userLogSize);
      this.push(uid, () => this.shortTl(this.userUpdateTl(entry, uid), entry.date));
    }
  }

  /**
   * New results of a poll (a vote, or the poll closed) go to every member of its chat, and of the chats it was
   * forwarded to, as `updateMessagePoll` (once each: the update names the poll, not a message), each with their own
   * choice marked. Telegram sends it outside any pts box: nothing to catch up on, since the message itself shows the
   * results when it is next read.
   */
  private onPoll({ chat, poll }: PollUpdatedEvent): void {
    for (const userId of pollAudience(this.world, poll)) {
      this.push(userId, () =>
        this.shortTl(updateMessagePollToTl(chat, userId, unixNow(), entitiesToTl(poll.explanationEntities)), unixNow()),
      );
    }
  }

  /**
   * Reactions changed on a message: each user of its chat is told with `updateMessageReactions`, which Telegram sends
   * outside any pts box (a difference carries the messages with their reactions as they are then).
   */
  private onReactions({ target, date }: MessageReactionsEvent): void {
    const counts = reactionCounts(this.world, target);
    const chatTl = (viewerId: number): TlObject[] => {
      if (target.kind === 'channel') return [channelToTl(target.channel, viewerId)];
      return target.kind === 'group' ? [basicGroupToTl(target.group, viewerId)] : [];
    };
    const named = target.kind === 'channel' && !target.channel.megagroup ? [] : (target.message.reactions ?? []);
    const peers = target.kind === 'private' ? [target.message.fromId, target.message.toId] : [];
    for (const userId of reactionAudience(target)) {
      this.push(userId, () => ({
        _: 'updates',
        updates: [reactionsUpdateToTl(target, counts, userId)],
        users: this.usersTl([...peers, ...named.map((r) => r.id)], userId),
        chats: chatTl(userId),
        date,
        seq: 0,
      }));
    }
  }

  /**
   * The requests to join a chat changed: its administrators who may invite users are told how many wait and who
   * asked last (`updatePendingJoinRequests`, outside any pts box, as Telegram sends it).
   */
  private onPendingJoinRequests(channel: SandboxChannel): void {
    const { recent } = pendingSummary(this.world, channel.id);
    for (const decider of requestDeciders(channel)) {
      if (decider.kind !== 'user') continue;
      const userId = decider.id;
      this.push(userId, () => ({
        _: 'updates',
        updates: [pendingJoinRequestsToTl(this.world, channel)],
        users: this.usersTl(recent, userId),
        chats: [channelToTl(channel, userId)],
        date: unixNow(),
        seq: 0,
      }));
    }
  }

  private onRead({ userId, peerKind, peerId, maxId }: PrivateHistoryReadEvent): void {
    const sides: [number, UserUpdate][] = [[userId, { kind: 'readInbox', peerId, maxId }]];
    if (peerKind === 'user' && peerId !== userId) sides.push([peerId, { kind: 'readOutbox', peerId: userId, maxId }]);
    for (const [uid, update] of sides) {
      if (!this.world.findUserById(uid)) continue;
      const entry = recordUserPts(this.box(uid), update, 1, unixNow(), this.limits.userLogSize);
      this.push(uid, () => this.shortTl(this.userUpdateTl(entry, uid), entry.date));
    }
  }

  private onPrivateDeleted({ deletions }: PrivateMessagesDeletedEvent): void {
    for (const { userId, messageIds } of deletions) {
      if (!this.world.findUserById(userId)) continue;
      const update: UserUpdate = { kind: 'deleteMessages', messageIds };
      const entry = recordUserPts(this.box(userId), update, messageIds.length, unixNow(), this.limits.userLogSize);
      this.push(userId, () => this.shortTl(this.userUpdateTl(entry, userId), entry.date));
    }
  }

  private onChannel(channel: SandboxChannel, update: ChannelUpdate): void {
    const entry = recordChannel(
      channelLog(this.world.updateState, channel.id),
      update,
      channel.pts,
      1,
      unixNow(),
      this.limits.channelLogSize,
    );
    for (const member of channel.members.values()) {
      if (member.kind === 'user') this.push(member.id, () => this.channelPushTl(channel, entry, member.id));
    }
  }

  private onMemberChanged({ channel, member }: MemberChangedEvent): void {
    // Joining, leaving, a change of rights and a new title all change the channel as the user sees it.
    if (member.kind !== 'user') return;
    const entry = recordUserSeq(
      this.box(member.id),
      { kind: 'channel', channelId: channel.id },
      unixNow(),
      this.limits.userLogSize,
    );
    this.push(member.id, () => ({
      _: 'updates',
      updates: [{ _: 'updateChannel', channel_id: BigInt(channel.id) }],
      users: [],
      chats: [channelToTl(channel, member.id)],
      date: entry.date,
      seq: entry.seq,
    }));
  }

  /**
   * A contact added (or renamed) by the user, on any of its devices: Telegram tells every session of the
   * account with `updatePeerSettings` for that user (nothing left to offer: no "add contact" bar), the
   * user now flagged as a contact, in a sequenced container.
   */
  private onContactAdded({ ownerId, userId }: ContactAddedEvent): void {
    const entry = recordUserSeq(this.box(ownerId), { kind: 'contact', userId }, unixNow(), this.limits.userLogSize);
    this.push(ownerId, () => ({
      _: 'updates',
      updates: [this.userUpdateTl(entry, ownerId)],
      users: this.usersTl([userId], ownerId),
      chats: [],
      date: entry.date,
      seq: entry.seq,
    }));
  }

  // ---- TL ----

  private shortTl(update: TlObject | undefined, date: number): TlObject | undefined {
    return update && { _: 'updateShort', update, date };
  }

  private stateTl(box: Pick<UserUpdateBox, 'pts' | 'qts' | 'seq' | 'date'>): TlObject {
    return { _: 'updates.state', pts: box.pts, qts: box.qts, date: box.date, seq: box.seq, unread_count: 0 };
  }

  private userUpdateTl(entry: LogEntry<UserUpdate>, viewerId: number): TlObject | undefined {
    const { update } = entry;
    if (update.kind === 'channel') return { _: 'updateChannel', channel_id: BigInt(update.channelId) };
    if (update.kind === 'contact') {
      return { _: 'updatePeerSettings', peer: peerUser(update.userId), settings: { _: 'peerSettings' } };
    }
    if (update.kind === 'pinnedMessages') {
      const { peer } = update;
      return {
        _: 'updatePinnedMessages',
        pinned: update.pinned,
        peer: peer.kind === 'user' ? peerUser(peer.id) : peerChat(peer.id),
        messages: update.messageIds,
        pts: entry.pts,
        pts_count: entry.ptsCount,
      };
    }
    if (update.kind === 'newGroupMessage' || update.kind === 'editGroupMessage') {
      const found = this.groupMessage(update.groupId, update.messageId);
      if (!found) return undefined;
      return {
        _: update.kind === 'newGroupMessage' ? 'updateNewMessage' : 'updateEditMessage',
        message: basicGroupMessageToTl(found.group, found.message, viewerId),
        pts: entry.pts,
        pts_count: entry.ptsCount,
      };
    }
    if (update.kind === 'deleteMessages') {
      return { _: 'updateDeleteMessages', messages: update.messageIds, pts: entry.pts, pts_count: entry.ptsCount };
    }
    if (update.kind === 'readOutbox') {
      const peer = peerUser(update.peerId);
      return { _: 'updateReadHistoryOutbox', peer, max_id: update.maxId, pts: entry.pts, pts_count: entry.ptsCount };
    }
    if (update.kind === 'readInbox') {
      const kind = this.world.findUserById(update.peerId) ? 'user' : 'bot';
      const mark = this.world.privateReadMark(viewerId, kind, update.peerId);
      const stillUnread = this.world
        .privateMessagesOf('user', viewerId)
        .filter((m) => m.fromKind === kind && m.fromId === update.peerId && m.toId === viewerId && m.id > mark).length;
      return {
        _: 'updateReadHistoryInbox',
        peer: peerUser(update.peerId),
        max_id: update.maxId,
        still_unread_count: stillUnread,
        pts: entry.pts,
        pts_count: entry.ptsCount,
      };
    }
    const message = this.world.findPrivateMessage(update.messageId);
    if (!message) return undefined;
    return {
      _: update.kind === 'newMessage' ? 'updateNewMessage' : 'updateEditMessage',
      message: privateMessageToTl(message, viewerId),
      pts: entry.pts,
      pts_count: entry.ptsCount,
    };
  }

  /**
   * A new private message goes out as `updateShortMessage` when the viewer already has the other
   * side (they talked before), as Telegram does; otherwise as `updates` carrying the users.
   */
  private userPushTl(entry: LogEntry<UserUpdate>, message: PrivateMessage, viewerId: number): TlObject | undefined {
    const out = message.fromKind === 'user' && message.fromId === viewerId;
    const otherId = out ? message.toId : message.fromId;
    const known = this.world
      .privateMessagesOf('user', viewerId)
      .some((m) => m.id < message.id && (m.fromId === otherId || m.toId === otherId));
    // updateShortMessage has no room for media, nor for the author a forward names, nor for a via bot other than
    // the chat's: those go out in full.
    const via = message.inlineBotId;
    const short = !message.media && !message.forwardOrigin && (via === undefined || via === otherId);
    if (entry.update.kind === 'newMessage' && known && short) {
      return {
        _: 'updateShortMessage',
        out,
        id: message.id,
        user_id: BigInt(otherId),
        message: message.text,
        pts: entry.pts,
        pts_count: entry.ptsCount,
        date: message.date,
        fwd_from: fwdHeaderToTl(message.forwardOrigin),
        via_bot_id: via === undefined ? undefined : BigInt(via),
        entities: entitiesToTl(message.entities),
        reply_to:
          message.replyToId === undefined ? undefined : { _: 'messageReplyHeader', reply_to_msg_id: message.replyToId },
      };
    }
    const update = this.userUpdateTl(entry, viewerId);
    if (!update) return undefined;
    return {
      _: 'updates',
      updates: [update],
      users: this.usersTl([message.fromId, message.toId, ...forwardAuthorIds(message)], viewerId),
      chats: this.originChats([message], viewerId),
      date: entry.date,
      seq: 0,
    };
  }

  private channelUpdateTl(channel: SandboxChannel, entry: LogEntry<ChannelUpdate>): TlObject | undefined {
    const { update } = entry;
    if (update.kind === 'deleteChannelMessages') {
      return {
        _: 'updateDeleteChannelMessages',
        channel_id: BigInt(channel.id),
        messages: update.messageIds,
        pts: entry.pts,
        pts_count: entry.ptsCount,
      };
    }
    if (update.kind === 'pinnedChannelMessages') {
      return {
        _: 'updatePinnedChannelMessages',
        pinned: update.pinned,
        channel_id: BigInt(channel.id),
        messages: update.messageIds,
        pts: entry.pts,
        pts_count: entry.ptsCount,
      };
    }
    const message = channel.messages.find((m) => m.id === update.messageId);
    if (!message) return undefined;
    return {
      _: update.kind === 'newChannelMessage' ? 'updateNewChannelMessage' : 'updateEditChannelMessage',
      message: channelMessageToTl(channel, message, this.world.countersOf(channel, message)),
      pts: entry.pts,
      pts_count: entry.ptsCount,
    };
  }

  private channelPushTl(
    channel: SandboxChannel,
    entry: LogEntry<ChannelUpdate>,
    viewerId: number,
  ): TlObject | undefined {
    const update = this.channelUpdateTl(channel, entry);
    if (!update) return undefined;
    const changed = entry.update;
    if (changed.kind === 'deleteChannelMessages' || changed.kind === 'pinnedChannelMessages') {
      return { _: 'updateShort', update, date: entry.date };
    }
    const message = channel.messages.find((m) => m.id === changed.messageId);
    return {
      _: 'updates',
      updates: [update],
      users: this.usersTl(message ? channelMessageUserIds(message) : [], viewerId),
      chats: [channelToTl(channel, viewerId), ...this.originChats(message ? [message] : [], viewerId, [channel.id])],
      date: entry.date,
      seq: 0,
    };
  }

  /** The dialog and the newest messages of a channel, for a client too far behind to catch up. */
  private channelTooLong(userId: number, channel: SandboxChannel, limit: number): TlObject {
    const visible = channel.messages.filter((m) => !m.deleted);
    const latest = visible.slice(-limit).reverse();
    const top = latest[0]?.id ?? 0;
    return {
      _: 'updates.channelDifferenceTooLong',
      final: true,
      timeout: CHANNEL_POLL_TIMEOUT,
      dialog: {
        _: 'dialog',
        peer: peerChannel(channel.id),
        top_message: top,
        read_inbox_max_id: top,
        read_outbox_max_id: top,
        unread_count: 0,
        unread_mentions_count: 0,
        unread_reactions_count: 0,
        notify_settings: emptyNotifySettings(),
        pts: channel.pts,
      },
      messages: latest.map((m) => channelMessageToTl(channel, m, this.world.countersOf(channel, m), userId)),
      chats: [channelToTl(channel, userId)],
      users: this.usersTl(latest.flatMap(channelMessageUserIds), userId),
    };
  }

  /** A message of a basic group as `viewerId` sees it: none once deleted, for everyone or for them. */
  private groupMessage(
    groupId: number,
    messageId: number,
    viewerId?: number,
  ): { group: SandboxBasicGroup; message: BasicGroupMessage } | undefined {
    const group = this.world.findBasicGroup(groupId);
    const message = group?.messages.find(
      (m) => m.id === messageId && (viewerId === undefined || visibleTo(m, viewerId)),
    );
    return group && message ? { group, message } : undefined;
  }

  /** The channels forwards among `messages` name as their origin, for the `chats` beside them. */
  private originChats(
    messages: readonly { forwardOrigin?: SandboxForwardOrigin }[],
    viewerId: number,
    known: readonly number[] = [],
  ): TlObject[] {
    return forwardOriginChatsToTl(messages, (id) => this.world.findChannel(id), viewerId, known);
  }

  private usersTl(ids: Iterable<number | undefined>, viewerId: number): TlObject[] {
    const out: TlObject[] = [];
    for (const id of new Set(ids)) {
      if (id === undefined) continue;
      const user = this.world.findUserById(id);
      // The viewer's contacts come as Telegram shows them to it: flagged, under the name it gave them.
      const entry = user && this.world.contactsOf(viewerId).find((c) => c.userId === user.id);
      if (user) {
        out.push(
          userToTl(user, viewerId, entry ? { entry, mutual: this.world.isContact(user.id, viewerId) } : undefined),
        );
      }
      const bot = user ? undefined : this.world.findBotById(id);
      if (bot) out.push(botToTl(bot));
    }
    return out;
  }
}

/** Where a partial difference stops: its last update, which a partial difference always has. */
function sliceEnd(last: { pts: number; seq: number; date: number } | undefined): {
  pts: number;
  seq: number;
  date: number;
} {
  const { pts, seq, date } = present(last, 'the last update of a partial difference');
  return { pts, seq, date };
}
