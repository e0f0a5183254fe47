import {
  activeRestriction,
  allPermissions,
  type ChatPermission,
  type ChatPermissions,
  restrictMember,
  setDefaultPermissions,
} from '../chat-permissions';
import { adminRightsOf } from '../channel-administration';
import { MEDIA_PERMISSIONS, type SandboxChannel } from '../world';
import { BotApiError } from './bot-api-error';
import {
  botMember,
  findGroup,
  inGroup,
  type Method,
  type MethodContext,
  ok,
  requireVisible,
  resolveChat,
} from './bot-api-methods';
import { memberParam, NO_RESTRICT_RIGHTS, untilDateParam } from './chat-administration';

/**
 * restrictChatMember and setChatPermissions: what a supergroup's members may do, read as the official server reads
 * it (`get_chat_permissions`), refused as it and TDLib refuse. Gathered by `method-table.ts`.
 */

/** `permissions` fields read one by one; the rest are the official server's own names. */
const PLAIN_FIELDS: readonly [ChatPermission, string][] = [
  ['can_send_messages', 'can_send_messages'],
  ['can_send_polls', 'can_send_polls'],
  ['can_send_other_messages', 'can_send_other_messages'],
  ['can_add_web_page_previews', 'can_add_web_page_previews'],
  ['can_change_info', 'can_change_info'],
  ['can_invite_users', 'can_invite_users'],
  ['can_pin_messages', 'can_pin_messages'],
];

function boolField(object: Record<string, unknown>, name: string): boolean {
  const v = object[name];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') {
    throw BotApiError.badRequest(`can't parse chat permissions: Field "${name}" must be of type Boolean`);
  }
  return v;
}

/**
 * The permissions of a call: the `permissions` JSON object (a field left out is false), or, where `legacy` is
 * allowed (restrictChatMember), the old top-level can_send_* parameters. Without use_independent_chat_permissions a
 * right implies those it needs: other messages and link previews imply media, media and polls imply messages.
 * `legacy` in the answer: the old parameters were used without granting everything (the member then keeps the
 * other rights of a restriction they are under).
 */
function permissionsParam(ctx: MethodContext, allowLegacy: boolean): { permissions: ChatPermissions; legacy: boolean } {
  const { params } = ctx;
  const independent = params.boolean('use_independent_chat_permissions');
  const p = allPermissions(false);
  if (params.has('permissions')) {
    const value = params.json('permissions');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw BotApiError.badRequest('object expected as permissions');
    }
    const object = value as Record<string, unknown>;
    for (const [right, field] of PLAIN_FIELDS) p[right] = boolField(object, field);
    p.can_manage_topics = 'can_manage_topics' in object ? boolField(object, 'can_manage_topics') : p.can_pin_messages;
    if (MEDIA_PERMISSIONS.some((m) => m in object)) {
      for (const m of MEDIA_PERMISSIONS) p[m] = boolField(object, m);
    } else {
      const media = boolField(object, 'can_send_media_messages');
      for (const m of MEDIA_PERMISSIONS) p[m] = media;
      if (media && !independent) p.can_send_messages = true;
    }
    if ((p.can_send_other_messages || p.can_add_web_page_previews) && !independent) {
      for (const m of MEDIA_PERMISSIONS) p[m] = true;
      p.can_send_messages = true;
    }
    if (p.can_send_polls && !independent) p.can_send_messages = true;
    return { permissions: p, legacy: false };
  }
  if (!allowLegacy) return { permissions: p, legacy: false };
  p.can_send_messages = params.boolean('can_send_messages');
  let media = params.boolean('can_send_media_messages');
  p.can_send_other_messages = params.boolean('can_send_other_messages');
  p.can_add_web_page_previews = params.boolean('can_add_web_page_previews');
  if ((p.can_send_other_messages || p.can_add_web_page_previews) && !independent) media = true;
  if (media && !independent) p.can_send_messages = true;
  for (const m of MEDIA_PERMISSIONS) p[m] = media;
  if (p.can_send_messages && media && p.can_send_other_messages && p.can_add_web_page_previews) {
    // The old way of lifting a restriction.
    return { permissions: allPermissions(true), legacy: false };
  }
  return { permissions: p, legacy: true };
}

/**
 * A supergroup the bot can see, for a method of supergroups only. (The sandbox keeps no permissions for basic
 * groups, which Telegram migrates to supergroups for most of this: the sandbox's best reading refuses them alike.)
 */
function supergroupOnly(ctx: MethodContext): SandboxChannel {
  const chatId = ctx.params.chatId();
  const group = findGroup(ctx, chatId);
  if (group && !inGroup(ctx, group)) throw BotApiError.chatNotFound();
  const target = group ? undefined : resolveChat(ctx, chatId);
  if (target?.kind === 'private' && !ctx.session.knownUsers.has(target.user.id)) throw BotApiError.chatNotFound();
  if (target?.kind === 'channel') requireVisible(ctx, target.channel);
  if (target?.kind !== 'channel' || !target.channel.megagroup) {
    throw BotApiError.badRequest('method is available only for supergroups');
  }
  return target.channel;
}

const restrictChatMember: Method = (ctx) => {
  const { world, session } = ctx;
  const userId = ctx.params.userId();
  const { permissions, legacy } = permissionsParam(ctx, true);
  const channel = supergroupOnly(ctx);
  const target = memberParam(ctx);
  // TDLib's refusals, as the official server passes them on.
  if (target.kind === 'bot' && userId === session.bot.id) throw BotApiError.badRequest("can't restrict self");
  if (!adminRightsOf(botMember(ctx, channel)).can_restrict_members) throw BotApiError.badRequest(NO_RESTRICT_RIGHTS);
  const member = channel.members.get(`${target.kind}:${target.id}`);
  // Telegram's USER_ADMIN_INVALID. An administrator the bot promoted itself is, in the sandbox's best reading, out
  // of reach too: demote it first (promoteChatMember without rights).
  if (member?.creator || member?.admin) throw BotApiError.badRequest('user is an administrator of the chat');
  const untilDate = untilDateParam(ctx);
  const old = activeRestriction(world, channel, target.kind, target.id);
  if (legacy && old) {
    for (const right of ['can_send_polls', 'can_change_info', 'can_invite_users', 'can_pin_messages'] as const) {
      permissions[right] = old.permissions[right];
    }
    permissions.can_manage_topics = old.permissions.can_manage_topics;
  }
  restrictMember(world, channel.id, target, permissions, untilDate, { botId: session.bot.id });
  return ok(true);
};

const setChatPermissions: Method = (ctx) => {
  const { permissions } = permissionsParam(ctx, false);
  const channel = supergroupOnly(ctx);
  // TDLib's refusal without the right (not checked word for word).
  if (!adminRightsOf(botMember(ctx, channel)).can_restrict_members) {
    throw BotApiError.badRequest('not enough rights to change chat permissions');
  }
  setDefaultPermissions(ctx.world, channel.id, permissions, { kind: 'bot', id: ctx.session.bot.id });
  return ok(true);
};

export const CHAT_PERMISSIONS_METHODS: Record<string, Method> = { restrictChatMember, setChatPermissions };
