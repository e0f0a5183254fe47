import type { AdminRights, ChannelBan, ChannelMember, MemberChangedEvent, SandboxChannel, SandboxWorld } from './world';
import { ADMIN_RIGHTS, SandboxInvalidError, SandboxNotFoundError, WorldEvent } from './world';
import { logInfoChange } from './admin-log';

/**
 * A chat's administration as both doors see it: an administrator's rights one by one, bans, and the chat's title
 * and description. Rights carry the Bot API's names (`ChatAdministratorRights`); the MTProto door maps them to
 * `chatAdminRights` flags.
 */

export { ADMIN_RIGHTS, type AdminRight, type AdminRights, type ChannelBan } from './world';

const memberKey = (kind: 'user' | 'bot', id: number): string => `${kind}:${id}`;

function allRights(value: boolean): AdminRights {
  return Object.fromEntries(ADMIN_RIGHTS.map((r) => [r, value])) as AdminRights;
}

/**
 * What a member may do as an administrator: everything for the creator, nothing for a plain member, the rights it
 * was given for an administrator promoted with them. An administrator set before rights were kept one by one has
 * what such admins always had: all but promoting others, posting and editing as `canPostMessages` says.
 */
export function adminRightsOf(member: ChannelMember | undefined): AdminRights {
  if (!member?.admin && !member?.creator) return allRights(false);
  if (member.creator) return { ...allRights(true), is_anonymous: false };
  if (member.rights) return { ...allRights(false), ...member.rights };
  return {
    ...allRights(true),
    is_anonymous: false,
    can_promote_members: false,
    can_manage_topics: false,
    can_post_messages: member.canPostMessages,
    can_edit_messages: member.canPostMessages,
  };
}

/** The ban the member is under now (a ban whose time has come is over), if any. */
export function activeBan(
  world: SandboxWorld,
  channel: SandboxChannel,
  kind: 'user' | 'bot',
  id: number,
): ChannelBan | undefined {
  const ban = channel.banned?.[memberKey(kind, id)];
  if (!ban) return undefined;
  if (ban.untilDate !== 0 && ban.untilDate <= world.unixNow()) return undefined;
  return ban;
}

/** Someone who is not (or no longer) in the chat, as a member change names them. */
function outsider(target: { kind: 'user' | 'bot'; id: number }): ChannelMember {
  return {
    kind: target.kind,
    id: target.id,
    admin: false,
    canPostMessages: false,
    creator: false,
    joinedAt: new Date(),
  };
}

/**
 * Bans a user or bot from the channel: a member is removed from it (every door told, the change shown as `kicked`),
 * and none may come back, by joining or by an invite link, until the ban ends. `untilDate` 0 is forever.
 */
export function banMember(
  world: SandboxWorld,
  channelId: number,
  target: { kind: 'user' | 'bot'; id: number },
  untilDate: number,
  actor: { userId?: number; botId?: number },
): ChannelBan {
  const channel = requireChannel(world, channelId);
  const key = memberKey(target.kind, target.id);
  const old = channel.members.get(key);
  if (old?.creator) throw new SandboxInvalidError("the chat's owner cannot be banned");
  const oldBan = activeBan(world, channel, target.kind, target.id);
  const ban: ChannelBan = { untilDate, date: world.unixNow() };
  channel.banned = { ...(channel.banned ?? {}), [key]: ban };
  channel.members.delete(key);
  const event: MemberChangedEvent = {
    channel,
    member: old ? { ...old, admin: false, canPostMessages: false, rights: undefined } : outsider(target),
    old: old ? { ...old } : undefined,
    actorUserId: actor.userId ?? (actor.botId === undefined ? channel.creatorUserId : undefined),
    ...(actor.botId !== undefined ? { actorBotId: actor.botId } : {}),
    left: true,
    ban,
    ...(oldBan ? { oldBan } : {}),
  };
  world.emit(WorldEvent.MemberChanged, event);
  return ban;
}

/** Lifts the member's ban: they may join again (the change shown as `kicked` to `left`). False when none was. */
export function unbanMember(
  world: SandboxWorld,
  channelId: number,
  target: { kind: 'user' | 'bot'; id: number },
  actor: { userId?: number; botId?: number },
): boolean {
  const channel = requireChannel(world, channelId);
  const key = memberKey(target.kind, target.id);
  const oldBan = activeBan(world, channel, target.kind, target.id);
  if (!channel.banned?.[key]) return false;
  const rest = { ...channel.banned };
  delete rest[key];
  channel.banned = rest;
  if (!oldBan) return false;
  const event: MemberChangedEvent = {
    channel,
    member: outsider(target),
    actorUserId: actor.userId ?? (actor.botId === undefined ? channel.creatorUserId : undefined),
    ...(actor.botId !== undefined ? { actorBotId: actor.botId } : {}),
    left: true,
    oldBan,
  };
  world.emit(WorldEvent.MemberChanged, event);
  return true;
}

/** Telegram's longest administrator title (Bot API: "0-16 characters, emoji are not allowed"). */
export const MAX_ADMIN_RANK = 16;

/**
 * Gives an administrator a custom title ('' removes it): members' apps read it as the participant's `rank`, bots as
 * `custom_title`. Every door is told the member changed. The caller checks who may do it.
 */
export function setAdminRank(
  world: SandboxWorld,
  channelId: number,
  target: { kind: 'user' | 'bot'; id: number },
  rank: string,
  actor: { userId?: number; botId?: number },
): ChannelMember {
  const channel = requireChannel(world, channelId);
  const member = channel.members.get(memberKey(target.kind, target.id));
  if (!member?.admin && !member?.creator) throw new SandboxInvalidError('only an administrator has a custom title');
  const old = { ...member };
  if (rank) member.rank = rank;
  else delete member.rank;
  const event: MemberChangedEvent = {
    channel,
    member,
    old,
    actorUserId: actor.userId ?? (actor.botId === undefined ? channel.creatorUserId : undefined),
    ...(actor.botId !== undefined ? { actorBotId: actor.botId } : {}),
    left: false,
  };
  world.emit(WorldEvent.MemberChanged, event);
  return member;
}

/**
 * Changes the channel's title or description for everyone: members' apps are told the channel changed (they read
 * its new title from the `channel` object, its description from the full channel). The service message of a new
 * title is the caller's to write (service-messages.ts), who knows who changed it.
 */
export function setChannelInfo(
  world: SandboxWorld,
  channelId: number,
  info: { title?: string; about?: string },
  /** Who changed it: the channel's admin log names them. */
  by?: { kind: 'user' | 'bot'; id: number },
): void {
  const channel = requireChannel(world, channelId);
  const before = { title: channel.title, about: channel.about ?? '' };
  if (info.title !== undefined) {
    if (!info.title.trim()) throw new SandboxInvalidError('title must not be empty');
    channel.title = info.title;
  }
  if (info.about !== undefined) channel.about = info.about || undefined;
  logInfoChange(world, channel, by?.id ?? channel.creatorUserId, before);
  world.emit(WorldEvent.ChannelEdited, channel);
}

function requireChannel(world: SandboxWorld, channelId: number): SandboxChannel {
  const channel = world.findChannel(channelId);
  if (!channel) throw new SandboxNotFoundError('channel not found');
  return channel;
}
