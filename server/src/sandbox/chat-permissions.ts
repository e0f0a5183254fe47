import { adminRightsOf } from './channel-administration';
import { logAdminAction } from './admin-log';
import type {
  ChatPermission,
  ChatPermissions,
  MemberChangedEvent,
  MemberRestriction,
  SandboxChannel,
  SandboxMessageMedia,
  SandboxWorld,
} from './world';
import {
  CHAT_PERMISSIONS,
  isFileMedia,
  MEDIA_PERMISSIONS,
  SandboxInvalidError,
  SandboxNotFoundError,
  WorldEvent,
} from './world';

/**
 * What a supergroup's members may do, as both doors see it: the chat's default permissions (Bot API
 * `setChatPermissions`, MTProto `messages.editChatDefaultBannedRights`) and a member's own restriction (Bot API
 * `restrictChatMember`, MTProto `channels.editBanned`), until its date passes by the world's clock. A member may do
 * what both allow; the creator and administrators are never restricted.
 */

export { CHAT_PERMISSIONS, type ChatPermission, type ChatPermissions, type MemberRestriction } from './world';

/** A ban or restriction of under 30 seconds or over 366 days from now is forever (Telegram's until_date). */
const MIN_SECONDS = 30;
const MAX_SECONDS = 366 * 24 * 60 * 60;

/** A ban's or restriction's end as Telegram keeps it: 0 (forever) unless within 30 seconds to 366 days from now. */
export function untilOrForever(world: SandboxWorld, until: number): number {
  const ahead = until - world.unixNow();
  return ahead < MIN_SECONDS || ahead > MAX_SECONDS ? 0 : until;
}

const memberKey = (kind: 'user' | 'bot', id: number): string => `${kind}:${id}`;

export function allPermissions(value: boolean): ChatPermissions {
  return Object.fromEntries(CHAT_PERMISSIONS.map((p) => [p, value])) as ChatPermissions;
}

/** The chat's default permissions; a chat whose defaults were never set lets members do everything. */
export function defaultPermissionsOf(channel: SandboxChannel): ChatPermissions {
  return channel.defaultPermissions ?? allPermissions(true);
}

/** The member's own restriction now (one whose date has passed is over), if any. */
export function activeRestriction(
  world: SandboxWorld,
  channel: SandboxChannel,
  kind: 'user' | 'bot',
  id: number,
): MemberRestriction | undefined {
  const restriction = channel.restricted?.[memberKey(kind, id)];
  if (!restriction) return undefined;
  if (restriction.untilDate !== 0 && restriction.untilDate <= world.unixNow()) return undefined;
  return restriction;
}

/** What the member may do in the chat now: everything for its creator and administrators. */
export function effectivePermissions(
  world: SandboxWorld,
  channel: SandboxChannel,
  kind: 'user' | 'bot',
  id: number,
): ChatPermissions {
  const member = channel.members.get(memberKey(kind, id));
  if (member?.creator || member?.admin) return allPermissions(true);
  const defaults = defaultPermissionsOf(channel);
  const own = activeRestriction(world, channel, kind, id)?.permissions;
  return Object.fromEntries(CHAT_PERMISSIONS.map((p) => [p, defaults[p] && (own?.[p] ?? true)])) as ChatPermissions;
}

const isAll = (p: ChatPermissions): boolean => CHAT_PERMISSIONS.every((name) => p[name]);

/**
 * Restricts a user or bot in a supergroup to `permissions` until `untilDate` (0: forever), whether they are in it
 * or not yet. Permissions granting everything lift the restriction: the member is a plain member again. Bot doors
 * are told (`chat_member`), the member's apps read the restriction from the channel object. Answers the restriction
 * now.
 */
export function restrictMember(
  world: SandboxWorld,
  channelId: number,
  target: { kind: 'user' | 'bot'; id: number },
  permissions: ChatPermissions,
  untilDate: number,
  actor: { userId?: number; botId?: number },
): MemberRestriction | undefined {
  const channel = requireSupergroup(world, channelId);
  const key = memberKey(target.kind, target.id);
  const member = channel.members.get(key);
  if (member?.creator || member?.admin) throw new SandboxInvalidError('an administrator cannot be restricted');
  const old = activeRestriction(world, channel, target.kind, target.id);
  const rest = { ...(channel.restricted ?? {}) };
  delete rest[key];
  const now: MemberRestriction | undefined = isAll(permissions)
    ? undefined
    : { permissions: { ...permissions }, untilDate, date: world.unixNow() };
  if (now) rest[key] = now;
  channel.restricted = rest;
  if (member) {
    const event: MemberChangedEvent = {
      channel,
      member,
      old: member,
      actorUserId: actor.userId ?? (actor.botId === undefined ? channel.creatorUserId : undefined),
      ...(actor.botId !== undefined ? { actorBotId: actor.botId } : {}),
      left: false,
      restriction: { old, now },
    };
    // The member's own apps are told the channel changed (its banned_rights); no one else sees a difference.
    world.emit(WorldEvent.MemberChanged, event);
  }
  return now;
}

/** Sets what members may do by default; members' apps are told the chat changed. */
export function setDefaultPermissions(
  world: SandboxWorld,
  channelId: number,
  permissions: ChatPermissions,
  /** Who set them: the chat's admin log names them. */
  by?: { kind: 'user' | 'bot'; id: number },
): void {
  const channel = requireSupergroup(world, channelId);
  const prev = defaultPermissionsOf(channel);
  channel.defaultPermissions = isAll(permissions) ? undefined : { ...permissions };
  const now = defaultPermissionsOf(channel);
  if (CHAT_PERMISSIONS.some((p) => prev[p] !== now[p])) {
    logAdminAction(world, channel, by?.id ?? channel.creatorUserId, { type: 'default_rights', prev, now });
  }
  world.emit(WorldEvent.ChannelEdited, channel);
}

/** What a member sends, as the rights that govern it see it. */
export type SendKind =
  'text' | 'photo' | 'video' | 'document' | 'audio' | 'voice' | 'video_note' | 'animation' | 'sticker' | 'poll';

/** Each kind of content, the right it needs and MTProto's error when it is missing. */
const NEEDS: Record<SendKind, { right: ChatPermission; error: string; media: boolean }> = {
  text: { right: 'can_send_messages', error: 'CHAT_SEND_PLAIN_FORBIDDEN', media: false },
  photo: { right: 'can_send_photos', error: 'CHAT_SEND_PHOTOS_FORBIDDEN', media: true },
  video: { right: 'can_send_videos', error: 'CHAT_SEND_VIDEOS_FORBIDDEN', media: true },
  document: { right: 'can_send_documents', error: 'CHAT_SEND_DOCS_FORBIDDEN', media: true },
  audio: { right: 'can_send_audios', error: 'CHAT_SEND_AUDIOS_FORBIDDEN', media: true },
  voice: { right: 'can_send_voice_notes', error: 'CHAT_SEND_VOICES_FORBIDDEN', media: true },
  video_note: { right: 'can_send_video_notes', error: 'CHAT_SEND_ROUNDVIDEOS_FORBIDDEN', media: true },
  animation: { right: 'can_send_other_messages', error: 'CHAT_SEND_GIFS_FORBIDDEN', media: false },
  sticker: { right: 'can_send_other_messages', error: 'CHAT_SEND_STICKERS_FORBIDDEN', media: false },
  poll: { right: 'can_send_polls', error: 'CHAT_SEND_POLL_FORBIDDEN', media: false },
};

/**
 * The kind of a message already written (one forwarded): its file's kind, a poll, else text. A location, venue,
 * contact or dice goes as text: the sandbox's best reading (Telegram's rule for those is not certain here).
 */
export function sendKindOfMedia(media: SandboxMessageMedia | undefined): SendKind {
  if (!media) return 'text';
  if (isFileMedia(media)) return media.kind;
  return media.kind === 'poll' ? 'poll' : 'text';
}

/** Whether the permissions let one send nothing at all (MTProto's `send_messages` flag of `chatBannedRights`). */
export function sendsNothing(p: ChatPermissions): boolean {
  return (
    !p.can_send_messages && !p.can_send_polls && !p.can_send_other_messages && MEDIA_PERMISSIONS.every((m) => !p[m])
  );
}

/** Whether the permissions let one send no media (the `send_media` flag). */
export const sendsNoMedia = (p: ChatPermissions): boolean => MEDIA_PERMISSIONS.every((m) => !p[m]);

/**
 * MTProto's error for a member who may not send this in the supergroup, undefined when they may:
 * CHAT_WRITE_FORBIDDEN when they may send nothing at all, CHAT_SEND_MEDIA_FORBIDDEN when no media, else the
 * error of the kind (CHAT_SEND_PLAIN_FORBIDDEN, CHAT_SEND_PHOTOS_FORBIDDEN...).
 */
export function sendRefusal(
  world: SandboxWorld,
  channel: SandboxChannel,
  userId: number,
  kind: SendKind,
): string | undefined {
  if (!channel.megagroup) return undefined;
  const p = effectivePermissions(world, channel, 'user', userId);
  const need = NEEDS[kind];
  if (p[need.right]) return undefined;
  if (sendsNothing(p)) return 'CHAT_WRITE_FORBIDDEN';
  if (need.media && sendsNoMedia(p)) return 'CHAT_SEND_MEDIA_FORBIDDEN';
  return need.error;
}

/** Whether the member may restrict others: the creator, or an administrator with the right to. */
export const mayRestrict = (channel: SandboxChannel, kind: 'user' | 'bot', id: number): boolean =>
  adminRightsOf(channel.members.get(memberKey(kind, id))).can_restrict_members;

function requireSupergroup(world: SandboxWorld, channelId: number): SandboxChannel {
  const channel = world.findChannel(channelId);
  if (!channel) throw new SandboxNotFoundError('channel not found');
  if (!channel.megagroup) throw new SandboxInvalidError('only a supergroup has member permissions');
  return channel;
}
