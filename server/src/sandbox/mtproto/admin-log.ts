import {
  type AdminLogAction,
  type AdminLogEvent,
  type AdminLogKind,
  type AdminLogParticipant,
  adminLogKindOf,
  adminLogOf,
} from '../admin-log';
import type { ChannelInvite, ChannelMessage, SandboxChannel, SandboxUser, SandboxWorld } from '../world';
import { bannedRightsToTl } from './banned-rights';
import { bannedToTl, participantToTl } from './channel-participants';
import { chatFullPhotoToTl } from './file-tl';
import { RpcError } from './rpc-error';
import { channelMessageToTl, channelToTl } from './tl-builders';
import { isTlObject, type TlObject } from './tl-codec';

/**
 * `channels.getAdminLog`: a channel's or supergroup's "Recent actions" (admin-log.ts keeps them), newest first, for
 * its administrators only. Filtered by kind (`events_filter`), by who acted (`admins`), by text (`q`: a word of a
 * title, description or message, or the name of someone the event names), paged by event id (`max_id`, `min_id`,
 * `limit` up to 100).
 */

/** Telegram's largest page of admin log events. */
export const MAX_ADMIN_LOG_LIMIT = 100;

/** What the handler needs of rpc.ts. */
export interface AdminLogCall {
  world: SandboxWorld;
  me: SandboxUser;
  channel: SandboxChannel;
  req: TlObject;
  /** The ids of the users and bots of `admins` (InputUser). */
  adminIds: (inputs: unknown[]) => number[];
  usersToTl: (ids: Iterable<number>) => TlObject[];
  inviteToTl: (invite: ChannelInvite) => TlObject;
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0);

const FILTER_FLAGS: AdminLogKind[] = [
  'join',
  'leave',
  'invite',
  'ban',
  'unban',
  'kick',
  'unkick',
  'promote',
  'demote',
  'info',
  'settings',
  'pinned',
  'edit',
  'delete',
  'invites',
];

/** The kinds a filter asks for; undefined (no filter, or no flag set) is every kind. */
function kindsOf(filter: unknown): Set<AdminLogKind> | undefined {
  if (!isTlObject(filter)) return undefined;
  const kinds = new Set(FILTER_FLAGS.filter((flag) => filter[flag] === true));
  return kinds.size ? kinds : undefined;
}

/** Everyone an event names: who acted, whom it is about, who promoted them, the authors of its messages. */
function namedIds(event: AdminLogEvent): number[] {
  const { action } = event;
  const ofParticipant = (p: AdminLogParticipant): number[] => [
    p.id,
    ...(p.member?.promotedBy ? [p.member.promotedBy.id] : []),
  ];
  const ofMessage = (m: ChannelMessage): number[] => [
    ...(m.fromUserId !== undefined ? [m.fromUserId] : []),
    ...(m.viaBotId !== undefined ? [m.viaBotId] : []),
  ];
  const ids = [event.actorId];
  switch (action.type) {
    case 'edit':
      ids.push(...ofMessage(action.prev), ...ofMessage(action.now));
      break;
    case 'delete':
    case 'pin':
      ids.push(...ofMessage(action.message));
      break;
    case 'join':
      if (action.approvedBy !== undefined) ids.push(action.approvedBy);
      break;
    case 'invite_revoke':
      ids.push(action.invite.adminUserId);
      break;
    case 'invite_edit':
      ids.push(action.now.adminUserId);
      break;
    case 'invite':
      ids.push(...ofParticipant(action.participant));
      break;
    case 'admin':
    case 'ban':
      ids.push(...ofParticipant(action.prev), ...ofParticipant(action.now));
      break;
    default:
      break;
  }
  return ids;
}

/** The text a search (`q`) looks in: titles, descriptions, messages, and the names of everyone the event names. */
function searchText(world: SandboxWorld, event: AdminLogEvent): string {
  const { action } = event;
  const parts: string[] = [];
  for (const id of namedIds(event)) {
    const user = world.findUserById(id);
    const bot = user ? undefined : world.findBotById(id);
    if (user) parts.push(user.firstName, user.lastName, user.username ?? '');
    if (bot) parts.push(bot.firstName, bot.username);
  }
  if (action.type === 'title' || action.type === 'about') parts.push(action.prev, action.now);
  if (action.type === 'edit') parts.push(action.prev.text, action.now.text);
  if (action.type === 'delete' || action.type === 'pin') parts.push(action.message.text);
  return parts.join('\n').toLowerCase();
}

/** A member's standing as a `ChannelParticipant`: restricted, banned, out (`channelParticipantLeft`), or in. */
function participantStateToTl(channel: SandboxChannel, p: AdminLogParticipant, viewerId: number): TlObject {
  const peer = { _: 'peerUser', user_id: BigInt(p.id) };
  if (p.ban) return bannedToTl(channel, p.id, p.ban);
  if (!p.member) return { _: 'channelParticipantLeft', peer };
  if (p.restriction && !p.member.admin && !p.member.creator) {
    return {
      _: 'channelParticipantBanned',
      peer,
      kicked_by: BigInt(channel.creatorUserId),
      date: p.restriction.date,
      banned_rights: bannedRightsToTl(p.restriction.permissions, p.restriction.untilDate),
    };
  }
  return participantToTl(p.member, viewerId, channel);
}

function actionToTl(call: AdminLogCall, action: AdminLogAction): TlObject {
  const { world, channel, me } = call;
  const message = (m: ChannelMessage, extra: TlObject | object = {}): TlObject => ({
    ...channelMessageToTl(channel, m, undefined, me.id),
    ...extra,
  });
  const participant = (p: AdminLogParticipant): TlObject => participantStateToTl(channel, p, me.id);
  switch (action.type) {
    case 'title':
      return { _: 'channelAdminLogEventActionChangeTitle', prev_value: action.prev, new_value: action.now };
    case 'about':
      return { _: 'channelAdminLogEventActionChangeAbout', prev_value: action.prev, new_value: action.now };
    case 'photo':
      return {
        _: 'channelAdminLogEventActionChangePhoto',
        prev_photo: chatFullPhotoToTl(action.prev),
        new_photo: chatFullPhotoToTl(action.now),
      };
    case 'edit':
      return {
        _: 'channelAdminLogEventActionEditMessage',
        prev_message: message(action.prev),
        new_message: message(action.now),
      };
    case 'delete':
      return { _: 'channelAdminLogEventActionDeleteMessage', message: message(action.message) };
    case 'pin':
      return {
        _: 'channelAdminLogEventActionUpdatePinned',
        message: message(action.message, { pinned: action.pinned || undefined }),
      };
    case 'join': {
      const invite = action.inviteHash === undefined ? undefined : world.findInvite(action.inviteHash);
      if (!invite) return { _: 'channelAdminLogEventActionParticipantJoin' };
      if (action.approvedBy !== undefined) {
        return {
          _: 'channelAdminLogEventActionParticipantJoinByRequest',
          invite: call.inviteToTl(invite),
          approved_by: BigInt(action.approvedBy),
        };
      }
      return { _: 'channelAdminLogEventActionParticipantJoinByInvite', invite: call.inviteToTl(invite) };
    }
    case 'leave':
      return { _: 'channelAdminLogEventActionParticipantLeave' };
    case 'invite':
      return { _: 'channelAdminLogEventActionParticipantInvite', participant: participant(action.participant) };
    case 'admin':
      return {
        _: 'channelAdminLogEventActionParticipantToggleAdmin',
        prev_participant: participant(action.prev),
        new_participant: participant(action.now),
      };
    case 'ban':
      return {
        _: 'channelAdminLogEventActionParticipantToggleBan',
        prev_participant: participant(action.prev),
        new_participant: participant(action.now),
      };
    case 'invite_revoke':
      return { _: 'channelAdminLogEventActionExportedInviteRevoke', invite: call.inviteToTl(action.invite) };
    case 'invite_edit':
      return {
        _: 'channelAdminLogEventActionExportedInviteEdit',
        prev_invite: call.inviteToTl(action.prev),
        new_invite: call.inviteToTl(action.now),
      };
    case 'default_rights':
      return {
        _: 'channelAdminLogEventActionDefaultBannedRights',
        prev_banned_rights: bannedRightsToTl(action.prev, 0),
        new_banned_rights: bannedRightsToTl(action.now, 0),
      };
  }
}

/** channels.getAdminLog: the events the filters keep, newest first, with the users they name. */
export function getAdminLog(call: AdminLogCall): TlObject {
  const { world, me, channel, req } = call;
  const mine = channel.members.get(`user:${me.id}`);
  if (!mine?.admin && !mine?.creator) throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
  const kinds = kindsOf(req.events_filter);
  const admins = Array.isArray(req.admins) && req.admins.length ? new Set(call.adminIds(req.admins)) : undefined;
  const q = typeof req.q === 'string' ? req.q.trim().toLowerCase() : '';
  const maxId = num(req.max_id);
  const minId = num(req.min_id);
  const asked = num(req.limit);
  const limit = asked > 0 ? Math.min(asked, MAX_ADMIN_LOG_LIMIT) : MAX_ADMIN_LOG_LIMIT;
  const events = adminLogOf(world, channel)
    .filter(
      (e) =>
        (maxId <= 0 || e.id < maxId) &&
        e.id > minId &&
        (!kinds || kinds.has(adminLogKindOf(e.action))) &&
        (!admins || admins.has(e.actorId)) &&
        (!q || searchText(world, e).includes(q)),
    )
    .slice(0, limit);
  return {
    _: 'channels.adminLogResults',
    events: events.map((e) => ({
      _: 'channelAdminLogEvent',
      id: BigInt(e.id),
      date: e.date,
      user_id: BigInt(e.actorId),
      action: actionToTl(call, e.action),
    })),
    chats: [channelToTl(channel, me.id)],
    users: call.usersToTl(events.flatMap(namedIds)),
  };
}
