import { adminRightsOf } from '../channel-administration';
import {
  approveJoinRequest,
  declineJoinRequest,
  JoinRequestError,
  pendingRequests,
  pendingSummary,
} from '../join-requests';
import type { ChannelMessage, InviteImporter, SandboxChannel, SandboxUser, SandboxWorld } from '../world';
import { channelMessageToTl, channelToTl, channelMessageUserIds, peerChannel, unixNow } from './tl-builders';
import { isTlObject, type TlObject } from './tl-codec';
import { RpcError } from './rpc-error';

/**
 * Requests to join through the MTProto door: an administrator's app lists who asked (or who joined by a link) with
 * `messages.getChatInviteImporters` and answers with `messages.hideChatJoinRequest` or
 * `messages.hideAllChatJoinRequests`; it is told of changes by `updatePendingJoinRequests`. The requests are the
 * world's (`../join-requests.ts`); rpc.ts resolves the peers and users and hands them here.
 */

/** What the handlers need of rpc.ts: the caller, the chat resolved from the request's peer, and users as TL. */
export interface JoinRequestCall {
  world: SandboxWorld;
  me: SandboxUser;
  channel: SandboxChannel;
  req: TlObject;
  usersToTl(ids: Iterable<number>): TlObject[];
}

/** The most importers one call lists (Telegram's page size for apps). */
const MAX_IMPORTERS = 100;

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN);

/** An administrator who may invite users (the right that governs links and their requests). */
export function requireInviteAdmin(channel: SandboxChannel, me: SandboxUser): void {
  const member = channel.members.get(`user:${me.id}`);
  if (!(member?.admin || member?.creator) || !adminRightsOf(member).can_invite_users) {
    throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
  }
}

/** The hash of `link` as apps pass it (`https://t.me/+hash`, `t.me/joinchat/hash`, or the bare hash). */
const linkHash = (link: unknown): string | undefined =>
  typeof link === 'string' && link ? link.replace(/^.*\/(?:\+|joinchat\/)/, '').replace(/\/$/, '') : undefined;

/** `updatePendingJoinRequests`: how many requests wait in the chat and who asked last. */
export function pendingJoinRequestsToTl(world: SandboxWorld, channel: SandboxChannel): TlObject {
  const { count, recent } = pendingSummary(world, channel.id);
  return {
    _: 'updatePendingJoinRequests',
    peer: peerChannel(channel.id),
    requests_pending: count,
    recent_requesters: recent.map(BigInt),
  };
}

const importerToTl = (i: InviteImporter): TlObject => ({
  _: 'chatInviteImporter',
  requested: i.requested || undefined,
  user_id: BigInt(i.userId),
  date: i.date,
  approved_by: i.approvedBy === undefined ? undefined : BigInt(i.approvedBy),
});

/** Whether the user's name or username holds `q` (the search of `requested` lists). */
function matches(world: SandboxWorld, userId: number, q: string): boolean {
  if (!q) return true;
  const user = world.findUserById(userId);
  const text = [user?.firstName, user?.lastName, user?.username].filter(Boolean).join(' ').toLowerCase();
  return text.includes(q.toLowerCase());
}

/**
 * `messages.getChatInviteImporters`: with `requested` the requests waiting (of one link, or all the chat's), without
 * it who joined by `link`; newest first, paged by `offset_date` and `offset_user`.
 */
export function getChatInviteImporters(call: JoinRequestCall): TlObject {
  const { world, me, channel, req } = call;
  requireInviteAdmin(channel, me);
  const hash = linkHash(req.link);
  const invite = hash === undefined ? undefined : world.findInvite(hash);
  if (hash !== undefined && invite?.channelId !== channel.id) throw new RpcError(400, 'INVITE_HASH_EXPIRED');
  const q = typeof req.q === 'string' ? req.q.trim() : '';
  const all = (
    req.requested === true
      ? pendingRequests(world, channel.id, hash)
      : world.inviteImporters.filter(
          (i) => !i.requested && i.channelId === channel.id && (!hash || i.inviteHash === hash),
        )
  ).filter((i) => matches(world, i.userId, q));
  const newestFirst = [...all].sort((a, b) => b.date - a.date || b.userId - a.userId);
  const offsetDate = num(req.offset_date);
  const offsetUser = isTlObject(req.offset_user) ? num(req.offset_user.user_id) : NaN;
  const after =
    offsetDate > 0
      ? newestFirst.filter(
          (i) => i.date < offsetDate || (i.date === offsetDate && Number.isFinite(offsetUser) && i.userId < offsetUser),
        )
      : newestFirst;
  const asked = num(req.limit);
  const page = after.slice(0, asked > 0 ? Math.min(asked, MAX_IMPORTERS) : MAX_IMPORTERS);
  return {
    _: 'messages.chatInviteImporters',
    count: all.length,
    importers: page.map(importerToTl),
    users: call.usersToTl(page.flatMap((i) => (i.approvedBy === undefined ? [i.userId] : [i.userId, i.approvedBy]))),
  };
}

/** A join's service message, with the channel pts it took. */
interface Written {
  message: ChannelMessage;
  pts: number;
}

/** Approves one request; the service message it wrote, if any, goes on `written`. */
function approve(call: JoinRequestCall, userId: number, written: Written[]): void {
  const { world, me, channel } = call;
  const message = approveJoinRequest(world, channel, userId, { kind: 'user', id: me.id });
  if (message) written.push({ message, pts: channel.pts });
}

/** The Updates an answer to requests returns: the chat, the joins it wrote, and the requests left. */
function answerUpdates(call: JoinRequestCall, written: Written[]): TlObject {
  const { world, me, channel } = call;
  const updates: TlObject[] = [
    { _: 'updateChannel', channel_id: BigInt(channel.id) },
    ...written.map(({ message, pts }) => ({
      _: 'updateNewChannelMessage',
      message: channelMessageToTl(channel, message),
      pts,
      pts_count: 1,
    })),
    pendingJoinRequestsToTl(world, channel),
  ];
  return {
    _: 'updates',
    updates,
    users: call.usersToTl(written.flatMap((w) => channelMessageUserIds(w.message))),
    chats: [channelToTl(channel, me.id)],
    date: unixNow(),
    seq: 0,
  };
}

/** A refusal of the world's, as an RPC error. */
function asRpcError(err: unknown): unknown {
  return err instanceof JoinRequestError ? new RpcError(400, err.code) : err;
}

/** `messages.hideChatJoinRequest`: lets the user in (`approved`) or turns the request down. */
export function hideChatJoinRequest(call: JoinRequestCall, userId: number): TlObject {
  const { world, me, channel, req } = call;
  requireInviteAdmin(channel, me);
  const written: Written[] = [];
  try {
    if (req.approved === true) approve(call, userId, written);
    else declineJoinRequest(world, channel, userId);
  } catch (err) {
    throw asRpcError(err);
  }
  return answerUpdates(call, written);
}

/** `messages.hideAllChatJoinRequests`: the same answer for every request waiting (those of `link`, when given). */
export function hideAllChatJoinRequests(call: JoinRequestCall): TlObject {
  const { world, me, channel, req } = call;
  requireInviteAdmin(channel, me);
  const hash = linkHash(req.link);
  const written: Written[] = [];
  for (const request of pendingRequests(world, channel.id, hash)) {
    try {
      if (req.approved === true) approve(call, request.userId, written);
      else declineJoinRequest(world, channel, request.userId);
    } catch (err) {
      // One who got in meanwhile is simply passed over.
      if (!(err instanceof JoinRequestError)) throw err;
    }
  }
  return answerUpdates(call, written);
}
