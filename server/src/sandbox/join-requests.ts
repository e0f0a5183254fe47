import { adminRightsOf } from './channel-administration';
import { type ServiceSender, writeServiceMessage } from './service-messages';
import {
  type ChannelInvite,
  type ChannelMessage,
  type InviteImporter,
  type SandboxChannel,
  type SandboxWorld,
  WorldEvent,
} from './world';

/**
 * Requests to join, as both doors share them: a user who opens an invite link made with `creates_join_request`
 * (`request_needed` in MTProto) is not let in but asks; the chat's administrators who may invite users hear of it
 * (a bot as `chat_join_request`, an app as `updatePendingJoinRequests`) and approve or decline it. The requests and
 * who came by each link are kept in `world.inviteImporters`.
 */

/** Payload of {@link WorldEvent.JoinRequested}. */
export interface JoinRequestedEvent {
  channel: SandboxChannel;
  invite: ChannelInvite;
  request: InviteImporter;
}

/** A refusal worded as Telegram's servers word it (an MTProto error; the Bot API passes it on). */
export class JoinRequestError extends Error {
  constructor(readonly code: string) {
    super(code);
    this.name = 'JoinRequestError';
  }
}

/** How many requesters `updatePendingJoinRequests` names (Telegram names the few most recent). */
const RECENT_REQUESTERS = 3;

/** The requests to join the channel that wait for an answer, oldest first (those of one link, when given). */
export function pendingRequests(world: SandboxWorld, channelId: number, inviteHash?: string): InviteImporter[] {
  return world.inviteImporters.filter(
    (i) => i.requested && i.channelId === channelId && (inviteHash === undefined || i.inviteHash === inviteHash),
  );
}

/** The link's requests waiting for an answer (a ChatInviteLink's `pending_join_request_count`). */
export const pendingCountOf = (world: SandboxWorld, invite: ChannelInvite): number =>
  pendingRequests(world, invite.channelId, invite.hash).length;

/** The users who joined the channel by the link (not those still waiting), oldest first. */
export const joinedByLink = (world: SandboxWorld, invite: ChannelInvite): InviteImporter[] =>
  world.inviteImporters.filter((i) => !i.requested && i.inviteHash === invite.hash);

/** The pending count and the newest requesters, as `updatePendingJoinRequests` carries them. */
export function pendingSummary(world: SandboxWorld, channelId: number): { count: number; recent: number[] } {
  const pending = pendingRequests(world, channelId);
  return { count: pending.length, recent: pending.slice(-RECENT_REQUESTERS).map((r) => r.userId) };
}

/** The user and bot ids of the channel's administrators who may answer its requests to join. */
export function requestDeciders(channel: SandboxChannel): { kind: 'user' | 'bot'; id: number }[] {
  return [...channel.members.values()]
    .filter((m) => (m.admin || m.creator) && adminRightsOf(m).can_invite_users)
    .map((m) => ({ kind: m.kind, id: m.id }));
}

/** A user joined the channel by the link (no approval needed): the link's list of who joined names them. */
export function recordJoinedByLink(world: SandboxWorld, invite: ChannelInvite, userId: number): void {
  world.inviteImporters.push({
    inviteHash: invite.hash,
    channelId: invite.channelId,
    userId,
    date: world.unixNow(),
  });
}

/**
 * The user asks to join through a link that needs approval. Asking again while a request waits changes nothing
 * (the app is told INVITE_REQUEST_SENT either way).
 */
export function requestToJoin(
  world: SandboxWorld,
  channel: SandboxChannel,
  invite: ChannelInvite,
  userId: number,
): InviteImporter {
  const waiting = pendingRequests(world, channel.id).find((r) => r.userId === userId);
  if (waiting) return waiting;
  const request: InviteImporter = {
    inviteHash: invite.hash,
    channelId: channel.id,
    userId,
    date: world.unixNow(),
    requested: true,
  };
  world.inviteImporters.push(request);
  const event: JoinRequestedEvent = { channel, invite, request };
  world.emit(WorldEvent.JoinRequested, event);
  world.emit(WorldEvent.PendingJoinRequests, channel);
  return request;
}

function takeRequest(world: SandboxWorld, channel: SandboxChannel, userId: number): InviteImporter {
  const request = pendingRequests(world, channel.id).find((r) => r.userId === userId);
  // Telegram's answer to a decision on a user with no request waiting.
  if (!request) throw new JoinRequestError('HIDE_REQUESTER_MISSING');
  return request;
}

/**
 * An administrator lets the user in: they become a member, the chat says they joined by request (a service message
 * from them), and their request leaves the list (kept as who joined by the link). Returns the service message.
 */
export function approveJoinRequest(
  world: SandboxWorld,
  channel: SandboxChannel,
  userId: number,
  by: ServiceSender,
): ChannelMessage | undefined {
  const request = takeRequest(world, channel, userId);
  if (channel.members.has(`user:${userId}`)) {
    // Already in (added meanwhile): the request is of no more use.
    world.inviteImporters = world.inviteImporters.filter((r) => r !== request);
    world.emit(WorldEvent.PendingJoinRequests, channel);
    throw new JoinRequestError('USER_ALREADY_PARTICIPANT');
  }
  delete request.requested;
  request.approvedBy = by.id;
  request.date = world.unixNow();
  const invite = world.findInvite(request.inviteHash);
  if (invite) invite.usage += 1;
  const [actorUserId, actorBotId] = by.kind === 'user' ? [by.id, undefined] : [undefined, by.id];
  world.setMember(channel.id, { kind: 'user', id: userId }, actorUserId, actorBotId);
  const service = writeServiceMessage(
    world,
    { kind: 'channel', channel },
    { kind: 'user', id: userId },
    { type: 'chat_joined_by_request' },
  );
  world.emit(WorldEvent.PendingJoinRequests, channel);
  return service;
}

/** An administrator turns the request down: it is dropped, and the user stays out. */
export function declineJoinRequest(world: SandboxWorld, channel: SandboxChannel, userId: number): void {
  const request = takeRequest(world, channel, userId);
  world.inviteImporters = world.inviteImporters.filter((r) => r !== request);
  world.emit(WorldEvent.PendingJoinRequests, channel);
}
