import { activeBan, adminRightsOf, MAX_ADMIN_RANK } from '../channel-administration';
import type { ChannelBan, ChannelMember, SandboxChannel, SandboxUser, SandboxWorld } from '../world';
import { RpcError } from './rpc-error';
import { adminRightsToTl, channelToTl } from './tl-builders';
import type { TlObject } from './tl-codec';

/**
 * A channel's members as members' apps read them one by one (`channels.getParticipant`): the creator, an
 * administrator with its rights, who promoted it and its custom title (`rank`, the Bot API's `custom_title`), a
 * member, a banned user. rpc.ts resolves the channel and the participant and hands them here.
 */

const toUnix = (d: Date): number => Math.floor(d.getTime() / 1000);

/** What the handler needs of rpc.ts: the caller, the channel and participant resolved, and users as TL. */
export interface ParticipantCall {
  world: SandboxWorld;
  me: SandboxUser;
  channel: SandboxChannel;
  who: { kind: 'user' | 'bot'; id: number };
  usersToTl: (ids: Iterable<number>) => TlObject[];
}

/** A member as a `ChannelParticipant`, seen by `viewerId` (whose own membership is `channelParticipantSelf`). */
export function participantToTl(member: ChannelMember, viewerId: number, channel: SandboxChannel): TlObject {
  const userId = BigInt(member.id);
  const date = toUnix(member.joinedAt);
  if (member.creator) {
    return {
      _: 'channelParticipantCreator',
      user_id: userId,
      admin_rights: adminRightsToTl(adminRightsOf(member)),
      rank: member.rank,
    };
  }
  if (member.admin) {
    const self = member.kind === 'user' && member.id === viewerId;
    const promoter = member.promotedBy?.id ?? channel.creatorUserId;
    return {
      _: 'channelParticipantAdmin',
      // Only who promoted an administrator (or the creator) may edit it.
      can_edit: promoter === viewerId || channel.creatorUserId === viewerId || undefined,
      self: self || undefined,
      user_id: userId,
      inviter_id: self ? BigInt(promoter) : undefined,
      promoted_by: BigInt(promoter),
      date,
      admin_rights: adminRightsToTl(adminRightsOf(member)),
      rank: member.rank,
    };
  }
  if (member.kind === 'user' && member.id === viewerId) {
    return { _: 'channelParticipantSelf', user_id: userId, inviter_id: BigInt(channel.creatorUserId), date };
  }
  return { _: 'channelParticipant', user_id: userId, date };
}

/** Someone banned from the channel (out of it until the ban ends) as a `channelParticipantBanned`. */
export function bannedToTl(channel: SandboxChannel, id: number, ban: ChannelBan): TlObject {
  return {
    _: 'channelParticipantBanned',
    left: true,
    peer: { _: 'peerUser', user_id: BigInt(id) },
    kicked_by: BigInt(channel.creatorUserId),
    date: ban.date,
    banned_rights: { _: 'chatBannedRights', view_messages: true, until_date: ban.untilDate },
  };
}

/** channels.getParticipant: one member of a channel the caller is in (a channel's subscribers only its admins see). */
export function getParticipant({ world, me, channel, who, usersToTl }: ParticipantCall): TlObject {
  const mine = channel.members.get(`user:${me.id}`);
  if (!mine) throw new RpcError(400, 'CHANNEL_PRIVATE');
  if (!channel.megagroup && !mine.admin && !mine.creator && who.id !== me.id) {
    throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
  }
  const member = channel.members.get(`${who.kind}:${who.id}`);
  const ban = member ? undefined : activeBan(world, channel, who.kind, who.id);
  let participant: TlObject;
  if (member) participant = participantToTl(member, me.id, channel);
  else if (ban) participant = bannedToTl(channel, who.id, ban);
  else throw new RpcError(400, 'USER_NOT_PARTICIPANT');
  const ids = [who.id, me.id, ...(member?.promotedBy ? [member.promotedBy.id] : []), channel.creatorUserId];
  return {
    _: 'channels.channelParticipant',
    participant,
    chats: [channelToTl(channel, me.id)],
    users: usersToTl(ids),
  };
}

/**
 * The custom title `channels.editAdmin` gives: 0-16 characters (RANK_TOO_LONG beyond, Telegram's documented error),
 * kept on the administrator by the world.
 */
export function rankFromTl(rank: unknown): string | undefined {
  if (typeof rank !== 'string') return undefined;
  if ([...rank].length > MAX_ADMIN_RANK) throw new RpcError(400, 'RANK_TOO_LONG');
  return rank.trim();
}
