import {
  approveJoinRequest,
  declineJoinRequest,
  JoinRequestError,
  type JoinRequestedEvent,
  requestDeciders,
} from '../join-requests';
import { logAdminAction } from '../admin-log';
import type { SandboxWorld } from '../world';
import { BotApiError } from './bot-api-error';
import { type Method, type MethodContext, ok } from './bot-api-methods';
import { inviteLinkJson, inviteTarget, linkOptions, linkParam } from './chat-administration';
import { channelChatJson, type Json, userJson } from './serializers';

/**
 * Requests to join and the editing of invite links, for an administrator bot: `chat_join_request` updates,
 * approveChatJoinRequest, declineChatJoinRequest and editChatInviteLink. Gathered by `method-table.ts`; the requests
 * themselves are the world's (`../join-requests.ts`).
 */

/** The `chat_join_request` updates a new request makes: one per administrator bot that may invite users. */
export function joinRequestUpdates(world: SandboxWorld, e: JoinRequestedEvent): { botId: number; payload: Json }[] {
  const user = world.findUserById(e.request.userId);
  if (!user) return [];
  const payload: Json = {
    chat: channelChatJson(e.channel),
    from: userJson(user),
    // The private chat with the user, where the bot may write to them for 5 minutes (its id is the user's).
    user_chat_id: user.id,
    date: e.request.date,
    invite_link: inviteLinkJson(world, e.invite),
  };
  return requestDeciders(e.channel)
    .filter((d) => d.kind === 'bot')
    .map((d) => ({ botId: d.id, payload }));
}

/** A refusal of the world's, passed on as the official server passes MTProto's errors on. */
function asBotApiError(err: unknown): unknown {
  return err instanceof JoinRequestError ? BotApiError.badRequest(err.code) : err;
}

/** The requester `user_id` names: a user the sandbox knows. */
function requesterParam(ctx: MethodContext): number {
  const id = ctx.params.userId();
  if (!ctx.world.findUserById(id)) throw BotApiError.badRequest('user not found');
  return id;
}

const approveChatJoinRequest: Method = (ctx) => {
  const channel = inviteTarget(ctx);
  const userId = requesterParam(ctx);
  try {
    approveJoinRequest(ctx.world, channel, userId, { kind: 'bot', id: ctx.session.bot.id });
  } catch (err) {
    throw asBotApiError(err);
  }
  return ok(true);
};

const declineChatJoinRequest: Method = (ctx) => {
  const channel = inviteTarget(ctx);
  const userId = requesterParam(ctx);
  try {
    declineJoinRequest(ctx.world, channel, userId);
  } catch (err) {
    throw asBotApiError(err);
  }
  return ok(true);
};

/**
 * editChatInviteLink: the link's name, end, member limit and approval are set anew (a parameter left out clears
 * its setting, as the official server sends them all), checked as createChatInviteLink checks them.
 */
const editChatInviteLink: Method = (ctx) => {
  const channel = inviteTarget(ctx);
  const invite = linkParam(ctx, channel);
  // Telegram lets an administrator who is not the chat's owner edit only their own links (wording not checked).
  if (invite.adminUserId !== ctx.session.bot.id) throw BotApiError.badRequest('CHAT_ADMIN_REQUIRED');
  // A revoked link can no longer change (wording not checked: INVITE_HASH_EXPIRED as for a link of no use).
  if (invite.revoked) throw BotApiError.badRequest('INVITE_HASH_EXPIRED');
  const options = linkOptions(ctx);
  // The primary link has no settings (MTProto's CHAT_INVITE_PERMANENT, as the Bot API passes it on).
  if (invite.primary) throw BotApiError.badRequest('CHAT_INVITE_PERMANENT');
  const prev = { ...invite };
  invite.title = options.title;
  invite.expireDate = options.expireDate;
  invite.usageLimit = options.usageLimit;
  if (options.createsJoinRequest) invite.createsJoinRequest = true;
  else delete invite.createsJoinRequest;
  logAdminAction(ctx.world, channel, ctx.session.bot.id, { type: 'invite_edit', prev, now: { ...invite } });
  return ok(inviteLinkJson(ctx.world, invite));
};

export const JOIN_REQUEST_METHODS: Record<string, Method> = {
  approveChatJoinRequest,
  declineChatJoinRequest,
  editChatInviteLink,
};
