import {
  ADMIN_RIGHTS,
  type AdminRight,
  type AdminRights,
  adminRightsOf,
  banMember,
  MAX_ADMIN_RANK,
  setAdminRank,
  setChannelInfo,
  unbanMember,
} from '../channel-administration';
import { logAdminAction } from '../admin-log';
import { untilOrForever } from '../chat-permissions';
import { pendingCountOf } from '../join-requests';
import { writeLeft, writeTitleChanged } from '../service-messages';
import type { ChannelInvite, ChannelMember, SandboxBasicGroup, SandboxChannel, SandboxWorld } from '../world';
import { BotApiError } from './bot-api-error';
import {
  botMember,
  findGroup,
  inGroup,
  type Method,
  type MethodContext,
  notMember,
  ok,
  requireVisible,
  resolveChat,
} from './bot-api-methods';
import { botUserJson, type Json, userJson } from './serializers';

/**
 * Methods by which an administrator bot runs a channel or supergroup: promoting and demoting members, banning and
 * unbanning them, the chat's title and description, and its invite links. Gathered by `method-table.ts`.
 *
 * Refusals use Telegram's wording where it is known; where it is not, the wording follows the Bot API docs and is
 * marked so beside it.
 */

/** Telegram's limits (core.telegram.org/bots/api: setChatTitle, setChatDescription, createChatInviteLink). */
const MAX_TITLE = 128;
const MAX_DESCRIPTION = 255;
export const MAX_LINK_NAME = 32;
export const MAX_MEMBER_LIMIT = 100_000;

/** The rights a promotion may give in each kind of chat: the others belong to the other kind. */
const CHANNEL_ONLY: readonly AdminRight[] = ['can_post_messages', 'can_edit_messages'];
const SUPERGROUP_ONLY: readonly AdminRight[] = ['can_pin_messages', 'can_manage_topics'];

const appliesTo = (channel: SandboxChannel, right: AdminRight): boolean =>
  !(channel.megagroup ? CHANNEL_ONLY : SUPERGROUP_ONLY).includes(right);

/** A channel or supergroup the bot can see, for a method that works in those only. */
function channelOnly(ctx: MethodContext, privateRefusal: string): SandboxChannel {
  const chatId = ctx.params.chatId();
  const group = findGroup(ctx, chatId);
  if (group) {
    if (!inGroup(ctx, group)) throw BotApiError.chatNotFound();
    // The sandbox keeps a basic group's members and links as a list only; Telegram migrates a group to a supergroup
    // for most of this. Wording as the Bot API answers for methods of supergroups and channels (not checked).
    throw BotApiError.badRequest('method is available for supergroup and channel chats only');
  }
  const target = resolveChat(ctx, chatId);
  if (target.kind === 'private') {
    if (!ctx.session.knownUsers.has(target.user.id)) throw BotApiError.chatNotFound();
    throw BotApiError.badRequest(privateRefusal);
  }
  requireVisible(ctx, target.channel);
  return target.channel;
}

/** The bot's rights in the channel; a bot that is not in it has none. */
const botRights = (ctx: MethodContext, channel: SandboxChannel): AdminRights => adminRightsOf(botMember(ctx, channel));

/** `user_id`: a user's or a bot's id. */
export function memberParam(ctx: MethodContext): { kind: 'user' | 'bot'; id: number } {
  // Read as the official server reads it: one that is not a positive number is "invalid user_id specified".
  const id = ctx.params.userId();
  if (ctx.world.findUserById(id)) return { kind: 'user', id };
  if (ctx.world.findBotById(id)) return { kind: 'bot', id };
  throw BotApiError.badRequest('user not found');
}

const CHAT_OWNER = "can't remove chat owner";

/** An administrator this bot did not promote is out of its reach (Telegram: only who promoted an admin edits them). */
export const promotedByBot = (ctx: MethodContext, member: ChannelMember): boolean =>
  member.promotedBy?.kind === 'bot' && member.promotedBy.id === ctx.session.bot.id;

// ---- promoting ----

const promoteChatMember: Method = (ctx) => {
  const { world, params, session } = ctx;
  const channel = channelOnly(ctx, "chat member status can't be changed in private chats");
  const target = memberParam(ctx);
  const mine = botRights(ctx, channel);
  if (!mine.can_promote_members) throw BotApiError.badRequest('not enough rights');
  const member = channel.members.get(`${target.kind}:${target.id}`);
  if (member?.creator) throw BotApiError.badRequest(CHAT_OWNER);
  // Telegram's MTProto error for a promotion of someone not in the chat, as the Bot API passes it on (not checked).
  if (!member) throw BotApiError.badRequest('USER_NOT_PARTICIPANT');
  if (member.admin && !promotedByBot(ctx, member)) throw BotApiError.badRequest('CHAT_ADMIN_REQUIRED');

  const rights = Object.fromEntries(
    ADMIN_RIGHTS.map((r) => [r, appliesTo(channel, r) && params.boolean(r)]),
  ) as AdminRights;
  const granted = ADMIN_RIGHTS.some((r) => rights[r]);
  // Any other right implies managing the chat (ChatAdministratorRights.can_manage_chat).
  if (granted) rights.can_manage_chat = true;
  // An administrator gives only rights it has itself.
  if (ADMIN_RIGHTS.some((r) => rights[r] && !mine[r])) throw BotApiError.badRequest('RIGHT_FORBIDDEN');

  if (!granted && !member.admin) return ok(true);
  world.setMember(
    channel.id,
    {
      kind: target.kind,
      id: target.id,
      admin: granted,
      canPostMessages: granted && rights.can_post_messages,
      rights: granted ? rights : undefined,
      promotedBy: { kind: 'bot', id: session.bot.id },
    },
    undefined,
    session.bot.id,
  );
  return ok(true);
};

// ---- custom titles ----

/** Emoji, which an administrator's title may not hold (Bot API: "emoji are not allowed"). */
const EMOJI = /\p{Extended_Pictographic}/u;

const setChatAdministratorCustomTitle: Method = (ctx) => {
  const { world, params, session } = ctx;
  const chatId = params.chatId();
  const group = findGroup(ctx, chatId);
  if (group) {
    if (!inGroup(ctx, group)) throw BotApiError.chatNotFound();
    // A basic group keeps no titles; Telegram gives them in supergroups (the older server's wording, not checked).
    throw BotApiError.badRequest('method is available only for supergroups');
  }
  const target = resolveChat(ctx, chatId);
  if (target.kind === 'private' && !session.knownUsers.has(target.user.id)) throw BotApiError.chatNotFound();
  if (target.kind === 'channel') requireVisible(ctx, target.channel);
  if (target.kind === 'private' || !target.channel.megagroup) {
    throw BotApiError.badRequest('method is available only for groups and supergroups');
  }
  const channel = target.channel;
  const who = memberParam(ctx);
  const member = channel.members.get(`${who.kind}:${who.id}`);
  if (member?.creator) throw BotApiError.badRequest('only the owner can edit their custom title');
  if (!member?.admin) throw BotApiError.badRequest('user is not an administrator');
  // The bot edits only an administrator it promoted, and only while it may promote members.
  if (!promotedByBot(ctx, member) || !botRights(ctx, channel).can_promote_members) {
    throw BotApiError.badRequest('not enough rights to change custom title of the user');
  }
  const title = (params.string('custom_title') ?? '').trim();
  // MTProto's errors for a title with emoji or one too long, as the Bot API passes them on (not checked).
  if (EMOJI.test(title)) throw BotApiError.badRequest('ADMIN_RANK_EMOJI_NOT_ALLOWED');
  if ([...title].length > MAX_ADMIN_RANK) throw BotApiError.badRequest('ADMIN_RANK_INVALID');
  setAdminRank(world, channel.id, who, title, { botId: session.bot.id });
  return ok(true);
};

// ---- banning ----

/** A ban's or restriction's `until_date`: one under 30 seconds or over 366 days from now is forever (0). */
export function untilDateParam(ctx: MethodContext): number {
  return untilOrForever(ctx.world, ctx.params.clampedInteger('until_date', 0));
}

export const NO_RESTRICT_RIGHTS = 'not enough rights to restrict/unrestrict chat member';

/** The member the bot may ban or unban: not the owner, not an administrator someone else promoted. */
function restrictable(ctx: MethodContext, channel: SandboxChannel): { kind: 'user' | 'bot'; id: number } {
  const target = memberParam(ctx);
  if (!botRights(ctx, channel).can_restrict_members) throw BotApiError.badRequest(NO_RESTRICT_RIGHTS);
  const member = channel.members.get(`${target.kind}:${target.id}`);
  if (member?.creator) throw BotApiError.badRequest(CHAT_OWNER);
  if (member?.admin && !promotedByBot(ctx, member)) {
    throw BotApiError.badRequest('user is an administrator of the chat');
  }
  return target;
}

const banChatMember: Method = (ctx) => {
  const { world, params, session } = ctx;
  const channel = channelOnly(ctx, "can't ban members in private chats");
  const target = restrictable(ctx, channel);
  const untilDate = untilDateParam(ctx);
  // revoke_messages: in channels and supergroups a removed user sees none of the chat's messages anyway.
  params.boolean('revoke_messages');
  // A member removed: the chat says so (while they are still in it); banning someone who is not in it says nothing.
  if (channel.members.has(`${target.kind}:${target.id}`)) {
    writeLeft(world, { kind: 'channel', channel }, { kind: 'bot', id: session.bot.id }, target.id);
  }
  banMember(world, channel.id, target, untilDate, { botId: session.bot.id });
  return ok(true);
};

const unbanChatMember: Method = (ctx) => {
  const { world, params, session } = ctx;
  const channel = channelOnly(ctx, "can't unban members in private chats");
  const target = restrictable(ctx, channel);
  const member = channel.members.get(`${target.kind}:${target.id}`);
  if (member) {
    // Without only_if_banned the user is out of the chat after the call, free to join again: a member is removed.
    if (!params.boolean('only_if_banned')) {
      writeLeft(world, { kind: 'channel', channel }, { kind: 'bot', id: session.bot.id }, target.id);
      world.removeMember(channel.id, target.kind, target.id);
    }
    return ok(true);
  }
  unbanMember(world, channel.id, target, { botId: session.bot.id });
  return ok(true);
};

// ---- title and description ----

/** The chat whose info the bot changes: a channel or supergroup where it may change info, or a group it administers. */
export function infoTarget(
  ctx: MethodContext,
  noRights: string,
): { kind: 'channel'; channel: SandboxChannel } | { kind: 'group'; group: SandboxBasicGroup } {
  const chatId = ctx.params.chatId();
  const group = findGroup(ctx, chatId);
  if (group) {
    const me = group.bots.find((b) => b.id === ctx.session.bot.id);
    if (!me) throw BotApiError.chatNotFound();
    if (!me.admin) throw BotApiError.badRequest(noRights);
    return { kind: 'group', group };
  }
  const target = resolveChat(ctx, chatId);
  if (target.kind === 'private') {
    if (!ctx.session.knownUsers.has(target.user.id)) throw BotApiError.chatNotFound();
    // A private chat has no title or description to change (wording not checked).
    throw BotApiError.badRequest("can't change private chat info");
  }
  requireVisible(ctx, target.channel);
  if (!botMember(ctx, target.channel)) throw notMember(target.channel);
  if (!botRights(ctx, target.channel).can_change_info) throw BotApiError.badRequest(noRights);
  return target;
}

const setChatTitle: Method = (ctx) => {
  const target = infoTarget(ctx, 'not enough rights to change chat title');
  const title = (ctx.params.string('title') ?? '').trim();
  if (!title) throw BotApiError.badRequest('chat title is empty');
  // Telegram takes 1-128 characters and cuts a longer title to them (as TDLib cleans a chat's name).
  const kept = [...title].slice(0, MAX_TITLE).join('');
  const before = target.kind === 'group' ? target.group.title : target.channel.title;
  if (target.kind === 'group') target.group.title = kept;
  else setChannelInfo(ctx.world, target.channel.id, { title: kept }, { kind: 'bot', id: ctx.session.bot.id });
  // The same title again changes nothing, and the chat says nothing (the sandbox's best reading of the official
  // server, which answers true either way).
  if (kept !== before) writeTitleChanged(ctx.world, target, { kind: 'bot', id: ctx.session.bot.id }, kept);
  return ok(true);
};

const setChatDescription: Method = (ctx) => {
  // Wording of the refusal without the right not checked.
  const target = infoTarget(ctx, 'not enough rights to change chat description');
  const description = ctx.params.string('description') ?? '';
  // MTProto's CHAT_ABOUT_TOO_LONG, as the Bot API passes it on (not checked).
  if ([...description].length > MAX_DESCRIPTION) throw BotApiError.badRequest('CHAT_ABOUT_TOO_LONG');
  const current = target.kind === 'group' ? target.group.about : target.channel.about;
  if ((current ?? '') === description) throw BotApiError.badRequest('chat description is not modified');
  if (target.kind === 'group') target.group.about = description || undefined;
  else setChannelInfo(ctx.world, target.channel.id, { about: description }, { kind: 'bot', id: ctx.session.bot.id });
  return ok(true);
};

// ---- invite links ----

/** Links are the chat's invite links of `messages.exportChatInvite`: a member's app joins with the same hash. */
const linkOf = (invite: ChannelInvite): string => `https://t.me/+${invite.hash}`;

/** The hash of an invite link as Telegram writes them: `https://t.me/+hash` or `https://t.me/joinchat/hash`. */
function hashOf(link: string): string | undefined {
  return /^(?:https?:\/\/)?(?:t(?:elegram)?\.me|telegram\.dog)\/(?:\+|joinchat\/)([\w-]+)\/?$/i.exec(link.trim())?.[1];
}

/** A ChatInviteLink object. */
export function inviteLinkJson(world: SandboxWorld, invite: ChannelInvite): Json {
  const bot = world.findBotById(invite.adminUserId);
  const user = bot ? undefined : world.findUserById(invite.adminUserId);
  const pending = invite.createsJoinRequest ? pendingCountOf(world, invite) : 0;
  return {
    invite_link: linkOf(invite),
    creator: bot ? botUserJson(bot) : user ? userJson(user) : { id: invite.adminUserId, is_bot: false, first_name: '' },
    creates_join_request: invite.createsJoinRequest ?? false,
    is_primary: invite.primary ?? false,
    is_revoked: invite.revoked,
    ...(invite.title !== undefined ? { name: invite.title } : {}),
    ...(invite.expireDate !== undefined ? { expire_date: invite.expireDate } : {}),
    ...(invite.usageLimit !== undefined ? { member_limit: invite.usageLimit } : {}),
    // Written only when some wait, as the official server writes it.
    ...(pending ? { pending_join_request_count: pending } : {}),
  };
}

/** A channel or supergroup where the bot may invite users. */
export function inviteTarget(ctx: MethodContext): SandboxChannel {
  const channel = channelOnly(ctx, "can't invite members to a private chat");
  if (!botMember(ctx, channel)) throw notMember(channel);
  // TDLib's wording for a chat's links (older servers said "not enough rights to export chat invite link").
  if (!botRights(ctx, channel).can_invite_users)
    throw BotApiError.badRequest('not enough rights to manage chat invite link');
  return channel;
}

const exportChatInviteLink: Method = (ctx) => {
  const channel = inviteTarget(ctx);
  const invite = ctx.world.createInvite(channel.id, ctx.session.bot.id, { primary: true });
  return ok(linkOf(invite));
};

/** A link's settings as createChatInviteLink and editChatInviteLink read them (checked the same way). */
export function linkOptions(ctx: MethodContext): {
  title?: string;
  expireDate?: number;
  usageLimit?: number;
  createsJoinRequest: boolean;
} {
  const { world, params } = ctx;
  const name = params.string('name');
  if (name !== undefined && [...name].length > MAX_LINK_NAME)
    throw BotApiError.badRequest('invite link name is too long');
  // The official server clamps both (expire_date from 0, member_limit to 0-100,000), 0 meaning none.
  const expireDate = params.clampedInteger('expire_date', 0, 0);
  // MTProto's error for a date already past, as the Bot API passes it on (not checked).
  if (expireDate !== 0 && expireDate <= world.unixNow()) throw BotApiError.badRequest('EXPIRE_DATE_INVALID');
  const memberLimit = params.clampedInteger('member_limit', 0, 0, MAX_MEMBER_LIMIT) || undefined;
  const createsJoinRequest = params.boolean('creates_join_request');
  if (createsJoinRequest && memberLimit !== undefined) {
    throw BotApiError.badRequest("member limit can't be specified for links requiring administrator approval");
  }
  return { title: name || undefined, expireDate: expireDate || undefined, usageLimit: memberLimit, createsJoinRequest };
}

const createChatInviteLink: Method = (ctx) => {
  const channel = inviteTarget(ctx);
  const invite = ctx.world.createInvite(channel.id, ctx.session.bot.id, linkOptions(ctx));
  return ok(inviteLinkJson(ctx.world, invite));
};

/** The chat's link that `invite_link` names. */
export function linkParam(ctx: MethodContext, channel: SandboxChannel): ChannelInvite {
  const link = ctx.params.string('invite_link');
  if (!link) throw BotApiError.badRequest('invite_link is empty');
  const hash = hashOf(link);
  const invite = hash === undefined ? undefined : ctx.world.findInvite(hash);
  // Wording not checked: MTProto answers INVITE_HASH_EXPIRED for a link of no use.
  if (!invite || invite.channelId !== channel.id) throw BotApiError.badRequest('INVITE_HASH_EXPIRED');
  return invite;
}

const revokeChatInviteLink: Method = (ctx) => {
  const { world, session } = ctx;
  const channel = inviteTarget(ctx);
  const invite = linkParam(ctx, channel);
  const wasPrimary = !invite.revoked && invite.primary;
  invite.revoked = true;
  logAdminAction(world, channel, session.bot.id, { type: 'invite_revoke', invite: { ...invite } });
  // A chat always has a primary link: revoking it makes a new one.
  if (wasPrimary) world.createInvite(channel.id, session.bot.id, { primary: true });
  return ok(inviteLinkJson(ctx.world, invite));
};

export const CHAT_ADMINISTRATION_METHODS: Record<string, Method> = {
  promoteChatMember,
  setChatAdministratorCustomTitle,
  banChatMember,
  unbanChatMember,
  setChatTitle,
  setChatDescription,
  exportChatInviteLink,
  createChatInviteLink,
  revokeChatInviteLink,
};
