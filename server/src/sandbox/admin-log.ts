import type {
  AdminLogAction,
  AdminLogEvent,
  AdminLogParticipant,
  ChannelMember,
  ChannelMessage,
  ChannelMessageEvent,
  MemberChangedEvent,
  MessagesPinnedEvent,
  SandboxChannel,
  SandboxWorld,
} from './world';
import { WorldEvent } from './world';

/**
 * A channel's or supergroup's admin log ("Recent actions"), kept by the world as the actions happen, whichever door
 * made them: title, description and photo changes, default permissions, posts edited and messages deleted or pinned,
 * members joining, leaving, invited, promoted or demoted, banned, restricted or let back. Apps read it with
 * `channels.getAdminLog` (mtproto/admin-log.ts); only the chat's administrators may. Telegram keeps an event 48 hours,
 * so does the sandbox, by the world's clock.
 *
 * Member changes are read from the world's `MemberChanged` events (they carry who made them), message edits,
 * deletions and pins from theirs (`followAdminLog`); title, description, photo and default permissions are recorded
 * by the functions that change them (`logAdminAction`).
 */

export type { AdminLogAction, AdminLogEvent, AdminLogParticipant } from './world';

/** How long Telegram keeps an admin log event: 48 hours. */
export const ADMIN_LOG_TTL_SECONDS = 48 * 60 * 60;

/** The kinds of event an app filters by (`channelAdminLogEventsFilter`'s flags). */
export type AdminLogKind =
  | 'join'
  | 'leave'
  | 'invite'
  | 'ban'
  | 'unban'
  | 'kick'
  | 'unkick'
  | 'promote'
  | 'demote'
  | 'info'
  | 'settings'
  | 'pinned'
  | 'edit'
  | 'delete'
  | 'invites';

/**
 * A message as an event keeps it: as it was then (a deleted one as it was before), without what keeps changing
 * after (its reactions and who viewed it).
 */
function copyMessage(message: ChannelMessage): ChannelMessage {
  const copy = { ...message };
  delete copy.deleted;
  delete copy.reactions;
  delete copy.viewedBy;
  delete copy.counters;
  return copy;
}

/** Records that `actorId` (a user or bot) did `action` in the channel, now; events older than 48 hours go. */
export function logAdminAction(
  world: SandboxWorld,
  channel: SandboxChannel,
  actorId: number,
  action: AdminLogAction,
): AdminLogEvent {
  const date = world.unixNow();
  const event: AdminLogEvent = { id: world.nextAdminLogEventId++, channelId: channel.id, date, actorId, action };
  world.adminLog = [...world.adminLog.filter((e) => e.date > date - ADMIN_LOG_TTL_SECONDS), event];
  return event;
}

/** A title or description change as the log keeps it: one event for each that changed. */
export function logInfoChange(
  world: SandboxWorld,
  channel: SandboxChannel,
  actorId: number,
  before: { title: string; about: string },
): void {
  if (channel.title !== before.title) {
    logAdminAction(world, channel, actorId, { type: 'title', prev: before.title, now: channel.title });
  }
  if ((channel.about ?? '') !== before.about) {
    logAdminAction(world, channel, actorId, { type: 'about', prev: before.about, now: channel.about ?? '' });
  }
}

/** The channel's events still kept (younger than 48 hours by the world's clock), newest first. */
export function adminLogOf(world: SandboxWorld, channel: SandboxChannel): AdminLogEvent[] {
  const since = world.unixNow() - ADMIN_LOG_TTL_SECONDS;
  return world.adminLog.filter((e) => e.channelId === channel.id && e.date > since).reverse();
}

/** The kind an app's filter knows the event by. */
export function adminLogKindOf(action: AdminLogAction): AdminLogKind {
  switch (action.type) {
    case 'title':
    case 'about':
    case 'photo':
      return 'info';
    case 'default_rights':
      return 'settings';
    case 'edit':
      return 'edit';
    case 'delete':
      return 'delete';
    case 'pin':
      return 'pinned';
    case 'join':
    case 'leave':
    case 'invite':
      return action.type;
    case 'invite_revoke':
    case 'invite_edit':
      return 'invites';
    case 'admin':
      return action.now.member?.admin ? 'promote' : 'demote';
    case 'ban':
      if (action.now.ban) return 'kick';
      if (action.prev.ban) return 'unkick';
      if (action.now.restriction) return 'ban';
      if (action.prev.restriction) return 'unban';
      // Removed with no ban kept: a kick.
      return 'kick';
  }
}

const standing = (member: ChannelMember, extra: Partial<AdminLogParticipant> = {}): AdminLogParticipant => ({
  kind: member.kind,
  id: member.id,
  ...extra,
});

function adminChanged(old: ChannelMember, now: ChannelMember): boolean {
  return (
    old.admin !== now.admin ||
    old.canPostMessages !== now.canPostMessages ||
    old.rank !== now.rank ||
    JSON.stringify(old.rights ?? {}) !== JSON.stringify(now.rights ?? {})
  );
}

/** What a member change means in the log. */
function onMemberChanged(world: SandboxWorld, e: MemberChangedEvent): void {
  const { channel, member } = e;
  // A deleted channel's log goes with it.
  if (world.findChannel(channel.id) !== channel) return;
  const actorId = e.actorBotId ?? e.actorUserId ?? channel.creatorUserId;
  const bySelf =
    member.kind === 'user' ? e.actorBotId === undefined && e.actorUserId === member.id : e.actorBotId === member.id;
  if (e.restriction) {
    const prev = standing(member, { member: { ...member }, restriction: e.restriction.old });
    const now = standing(member, { member: { ...member }, restriction: e.restriction.now });
    logAdminAction(world, channel, actorId, { type: 'ban', prev, now });
    return;
  }
  if (e.ban || e.oldBan) {
    const prev = standing(member, e.oldBan ? { ban: e.oldBan } : e.old ? { member: e.old } : {});
    const now = standing(member, e.ban ? { ban: e.ban } : {});
    logAdminAction(world, channel, actorId, { type: 'ban', prev, now });
    return;
  }
  if (e.left) {
    if (!e.old) return;
    if (bySelf) logAdminAction(world, channel, member.id, { type: 'leave' });
    else
      logAdminAction(world, channel, actorId, {
        type: 'ban',
        prev: standing(member, { member: e.old }),
        now: standing(member),
      });
    return;
  }
  if (!e.old) {
    onNewcomer(world, channel, member, bySelf, actorId);
    return;
  }
  if (adminChanged(e.old, member)) {
    logAdminAction(world, channel, actorId, {
      type: 'admin',
      prev: standing(member, { member: e.old }),
      now: standing(member, { member: { ...member } }),
    });
  }
}

/** Someone new in the chat: joined (by a link, or let in on request), or invited; an administrator made so too. */
function onNewcomer(
  world: SandboxWorld,
  channel: SandboxChannel,
  member: ChannelMember,
  bySelf: boolean,
  actorId: number,
): void {
  const now = world.unixNow();
  // The link they came by (join-requests.ts records it just before they come in).
  const importer = world.inviteImporters.find(
    (i) => i.channelId === channel.id && i.userId === member.id && !i.requested && i.date === now,
  );
  if (member.kind === 'user' && importer && (bySelf || importer.approvedBy !== undefined)) {
    logAdminAction(world, channel, member.id, {
      type: 'join',
      inviteHash: importer.inviteHash,
      ...(importer.approvedBy !== undefined ? { approvedBy: importer.approvedBy } : {}),
    });
    return;
  }
  if (bySelf) {
    logAdminAction(world, channel, member.id, { type: 'join' });
    return;
  }
  const plain: ChannelMember = { ...member, admin: false, canPostMessages: false, rights: undefined };
  delete plain.rank;
  delete plain.promotedBy;
  logAdminAction(world, channel, actorId, { type: 'invite', participant: standing(member, { member: plain }) });
  if (member.admin) {
    logAdminAction(world, channel, actorId, {
      type: 'admin',
      prev: standing(member, { member: plain }),
      now: standing(member, { member: { ...member } }),
    });
  }
}

function onMessageEdited(world: SandboxWorld, e: ChannelMessageEvent): void {
  // A supergroup's messages are edited by their authors: only a channel's post edits are the admins' doing.
  if (!e.prev || e.channel.megagroup || e.message.service) return;
  const actorId = e.editorBotId ?? e.editorUserId ?? e.channel.creatorUserId;
  logAdminAction(world, e.channel, actorId, { type: 'edit', prev: copyMessage(e.prev), now: copyMessage(e.message) });
}

function onMessageDeleted(world: SandboxWorld, e: ChannelMessageEvent): void {
  const { channel, message, by } = e;
  if (world.findChannel(channel.id) !== channel) return;
  // In a supergroup, one deleting their own message is no admin's doing.
  const own = by !== undefined && (by.kind === 'user' ? message.fromUserId === by.id : message.viaBotId === by.id);
  if (channel.megagroup && (by === undefined || own)) return;
  logAdminAction(world, channel, by?.id ?? channel.creatorUserId, { type: 'delete', message: copyMessage(message) });
}

function onPinned(world: SandboxWorld, e: MessagesPinnedEvent): void {
  if (e.chat.kind !== 'channel') return;
  const { channel } = e.chat;
  for (const id of e.messageIds) {
    const message = channel.messages.find((m) => m.id === id);
    if (!message) continue;
    logAdminAction(world, channel, e.by?.id ?? channel.creatorUserId, {
      type: 'pin',
      message: copyMessage(message),
      pinned: e.pinned,
    });
  }
}

/** Keeps the world's admin logs from now on, reading the changes it tells of (once per world). */
export function followAdminLog(world: SandboxWorld): void {
  world.on(WorldEvent.MemberChanged, (e: MemberChangedEvent) => onMemberChanged(world, e));
  world.on(WorldEvent.ChannelMessageEdited, (e: ChannelMessageEvent) => onMessageEdited(world, e));
  world.on(WorldEvent.ChannelMessageDeleted, (e: ChannelMessageEvent) => onMessageDeleted(world, e));
  world.on(WorldEvent.MessagesPinned, (e: MessagesPinnedEvent) => onPinned(world, e));
}
