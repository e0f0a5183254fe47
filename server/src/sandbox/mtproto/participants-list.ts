import { activeBan, adminRightsOf } from '../channel-administration';
import { activeRestriction } from '../chat-permissions';
import type { ChannelMember, SandboxChannel, SandboxUser, SandboxWorld } from '../world';
import { bannedRightsToTl } from './banned-rights';
import { bannedToTl, participantToTl } from './channel-participants';
import { RpcError } from './rpc-error';
import { isTlObject, type TlObject } from './tl-codec';

/**
 * A channel's members as members' apps list them (`channels.getParticipants`, what gramjs's `getParticipants` and
 * mtcute's `getChatMembers` page through): the recent members, the administrators, the bots, members found by
 * name, the caller's contacts among them, and, for those who may ban, the banned and the restricted. A supergroup's
 * members may list its members; a broadcast channel's subscribers only its administrators see.
 */

/** Telegram's largest page of members. */
export const MAX_PARTICIPANTS_LIMIT = 200;

/** What the handler needs of rpc.ts: the caller, the channel resolved, the request, and users as TL. */
export interface ParticipantsListCall {
  world: SandboxWorld;
  me: SandboxUser;
  channel: SandboxChannel;
  req: TlObject;
  usersToTl: (ids: Iterable<number>) => TlObject[];
}

/** One entry of a list: whom it names (users and bots alike are users to an app) and how. */
interface Listed {
  id: number;
  participant: TlObject;
  /** Other users the entry names (who promoted an administrator), sent along with it. */
  named: number[];
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0);

/**
 * Telegram's hash of a list of ids (https://core.telegram.org/api/offsets#hash-generation), over the page's user
 * ids in order: an app that sends it back for an unchanged page is answered `channelParticipantsNotModified`.
 */
export function idsHash(ids: readonly number[]): bigint {
  let hash = 0n;
  for (const id of ids) {
    hash = BigInt.asUintN(64, hash ^ (hash >> 21n));
    hash = BigInt.asUintN(64, hash ^ (hash << 35n));
    hash = BigInt.asUintN(64, hash ^ (hash >> 4n));
    hash = BigInt.asUintN(64, hash + BigInt(id));
  }
  return BigInt.asIntN(64, hash);
}

/** The names a search matches: each word of the first and last name, the whole name, and the username. */
function namesOf(world: SandboxWorld, kind: 'user' | 'bot', id: number): string[] {
  const user = kind === 'user' ? world.findUserById(id) : undefined;
  const bot = kind === 'bot' ? world.findBotById(id) : undefined;
  const full = user ? `${user.firstName} ${user.lastName}`.trim() : (bot?.firstName ?? '');
  const username = user?.username ?? bot?.username;
  return [...full.split(/\s+/), full, ...(username ? [username] : [])].map((n) => n.toLowerCase());
}

/** Whether `q` (case-insensitive) begins one of the names; an empty `q` matches everyone. */
function matches(world: SandboxWorld, kind: 'user' | 'bot', id: number, q: string): boolean {
  const wanted = q.trim().toLowerCase().replace(/^@/, '');
  if (!wanted) return true;
  return namesOf(world, kind, id).some((name) => name.startsWith(wanted));
}

/** Newest members first, as Telegram lists "recent" members. */
const byJoinedDesc = (a: ChannelMember, b: ChannelMember): number => b.joinedAt.getTime() - a.joinedAt.getTime();

/** A member as listed: one under a restriction of their own is a `channelParticipantBanned` still in the chat. */
function memberEntry(world: SandboxWorld, channel: SandboxChannel, member: ChannelMember, viewerId: number): Listed {
  const restriction = activeRestriction(world, channel, member.kind, member.id);
  const participant =
    restriction && !member.admin && !member.creator
      ? {
          _: 'channelParticipantBanned',
          peer: { _: 'peerUser', user_id: BigInt(member.id) },
          kicked_by: BigInt(channel.creatorUserId),
          date: restriction.date,
          banned_rights: bannedRightsToTl(restriction.permissions, restriction.untilDate),
        }
      : participantToTl(member, viewerId, channel);
  const named = member.admin && !member.creator ? [member.promotedBy?.id ?? channel.creatorUserId] : [];
  return { id: member.id, participant, named };
}

/** Who may list the channel's members at all, and the banned and restricted ones. */
function checkRights(world: SandboxWorld, me: SandboxUser, channel: SandboxChannel, filter: string): void {
  const mine = channel.members.get(`user:${me.id}`);
  const readable = mine !== undefined || (channel.username !== undefined && !activeBan(world, channel, 'user', me.id));
  if (!readable) throw new RpcError(400, 'CHANNEL_PRIVATE');
  // A broadcast channel's subscribers are seen by its administrators only.
  if (!channel.megagroup && !mine?.admin && !mine?.creator) throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
  const needsBanRight = filter === 'channelParticipantsKicked' || filter === 'channelParticipantsBanned';
  if (needsBanRight && !adminRightsOf(mine).can_restrict_members) throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
}

/** The whole list the filter selects, in Telegram's order. */
function listFor(world: SandboxWorld, me: SandboxUser, channel: SandboxChannel, filter: TlObject): Listed[] {
  const q = typeof filter.q === 'string' ? filter.q : '';
  // Of members who came in the same instant, the later one is listed first.
  const members = [...channel.members.values()].reverse().sort(byJoinedDesc);
  const entries = (list: ChannelMember[]): Listed[] => list.map((m) => memberEntry(world, channel, m, me.id));
  switch (filter._) {
    case 'channelParticipantsRecent':
      return entries(members);
    case 'channelParticipantsAdmins':
      return entries([...members.filter((m) => m.creator), ...members.filter((m) => m.admin && !m.creator)]);
    case 'channelParticipantsBots':
      return entries(members.filter((m) => m.kind === 'bot'));
    case 'channelParticipantsSearch':
    // Whom one may mention: the members, found by name as a search finds them (`top_msg_id`, a thread, aside).
    // falls through
    case 'channelParticipantsMentions':
      return entries(members.filter((m) => matches(world, m.kind, m.id, q)));
    case 'channelParticipantsContacts':
      return entries(
        members.filter((m) => m.kind === 'user' && world.isContact(me.id, m.id) && matches(world, m.kind, m.id, q)),
      );
    case 'channelParticipantsKicked':
      return Object.entries(channel.banned ?? {}).flatMap(([key, ban]) => {
        const [kind, raw] = key.split(':') as ['user' | 'bot', string];
        const id = Number(raw);
        if (!activeBan(world, channel, kind, id) || !matches(world, kind, id, q)) return [];
        return [{ id, participant: bannedToTl(channel, id, ban), named: [] }];
      });
    case 'channelParticipantsBanned':
      // Those under a restriction of their own, in the chat or not (yet).
      return Object.entries(channel.restricted ?? {}).flatMap(([key]) => {
        const [kind, raw] = key.split(':') as ['user' | 'bot', string];
        const id = Number(raw);
        const restriction = activeRestriction(world, channel, kind, id);
        if (!restriction || !matches(world, kind, id, q)) return [];
        const member = channel.members.get(key);
        if (member) return [memberEntry(world, channel, member, me.id)];
        const participant: TlObject = {
          _: 'channelParticipantBanned',
          left: true,
          peer: { _: 'peerUser', user_id: BigInt(id) },
          kicked_by: BigInt(channel.creatorUserId),
          date: restriction.date,
          banned_rights: bannedRightsToTl(restriction.permissions, restriction.untilDate),
        };
        return [{ id, participant, named: [] }];
      });
    default:
      throw new RpcError(400, 'INPUT_CONSTRUCTOR_INVALID');
  }
}

/** channels.getParticipants: a page (`offset`, `limit` up to 200) of the members the filter selects. */
export function getParticipants({ world, me, channel, req, usersToTl }: ParticipantsListCall): TlObject {
  const filter = isTlObject(req.filter) ? req.filter : { _: 'channelParticipantsRecent' };
  checkRights(world, me, channel, filter._);
  const offset = Math.max(0, num(req.offset));
  const limit = Math.min(Math.max(0, num(req.limit)), MAX_PARTICIPANTS_LIMIT);
  const list = listFor(world, me, channel, filter);
  const page = list.slice(offset, offset + limit);
  const hash = idsHash(page.map((e) => e.id));
  const asked = typeof req.hash === 'bigint' ? BigInt.asIntN(64, req.hash) : BigInt(num(req.hash));
  if (asked !== 0n && asked === hash) return { _: 'channels.channelParticipantsNotModified' };
  return {
    _: 'channels.channelParticipants',
    count: list.length,
    participants: page.map((e) => e.participant),
    chats: [],
    users: usersToTl(page.flatMap((e) => [e.id, ...e.named])),
  };
}
