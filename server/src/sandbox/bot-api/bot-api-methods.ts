import { randomBytes } from 'node:crypto';
import { isFileMedia } from '../world';
import type {
  BasicGroupMessage,
  ChannelMessage,
  SandboxBasicGroup,
  SandboxBot,
  SandboxChannel,
  SandboxFile,
  SandboxForwardOrigin,
  SandboxMessageMedia,
  SandboxPlainMedia,
  SandboxUser,
  SandboxWorld,
} from '../world';
import { activeBan } from '../channel-administration';
import { activeRestriction } from '../chat-permissions';
import { botCommands, commandsKey, setBotCommands } from '../bot-profile';
import { isBlocked } from '../blocking';
import { ForumTopicError, GENERAL_TOPIC_ID, topicOfNewMessage } from '../forum-topics';
import { BotApiError } from './bot-api-error';
import type { BotPrivateMessage, BotSession } from './bot-session';
import { toUpdateJson } from './bot-session';
import { extensionOf, imageSize, mimeTypeFor } from './media';
import {
  definedAttributes,
  isPlayable,
  type MediaAttributes,
  type MediaKind,
  mediaKindTraits,
  mediaOfFile,
  wrongKindMessage,
} from '../media-kinds';
import { formatText, type FormattedText } from './parse-mode';
import { type Params, parseChatId } from './params';
import {
  botUserJson,
  channelChatJson,
  contentJson,
  entitiesFromJson,
  entitiesJson,
  chatMemberJson,
  fileJson,
  forwardOriginJson,
  getMeJson,
  groupChatJson,
  type Json,
  mediaJson,
  plainMediaJson,
  privateChatJson,
  userJson,
} from './serializers';
import { serviceFieldsJson } from './service-message-json';
import { requireSendRight } from './send-rights';
import { storeStickerFile } from './sticker-files';

export interface MethodContext {
  world: SandboxWorld;
  session: BotSession;
  params: Params;
  /** Aborted when the client goes away (a long poll stops waiting). */
  signal: AbortSignal;
}

/** A method's answer: `result`, plus the `description` some methods add on success. */
export interface MethodAnswer {
  result: unknown;
  description?: string;
}

export type Method = (ctx: MethodContext) => Promise<MethodAnswer> | MethodAnswer;

type Target = { kind: 'private'; user: SandboxUser } | { kind: 'channel'; channel: SandboxChannel };
/** Where a bot may send: a private chat, a channel or supergroup, or a basic group. */
export type SendTarget = Target | { kind: 'group'; group: SandboxBasicGroup };

const MAX_TEXT = 4096;
const MAX_CAPTION = 1024;
/** The notification or alert shown for a button press. */
const MAX_CALLBACK_ANSWER = 200;
/** The Bot API serves downloads up to 20 MB. */
const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
const MAX_URL_FETCH_BYTES = 20 * 1024 * 1024;
const ALL_UPDATE_TYPES = new Set([
  'message',
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'business_connection',
  'business_message',
  'edited_business_message',
  'deleted_business_messages',
  'message_reaction',
  'message_reaction_count',
  'inline_query',
  'chosen_inline_result',
  'callback_query',
  'shipping_query',
  'pre_checkout_query',
  'purchased_paid_media',
  'poll',
  'poll_answer',
  'my_chat_member',
  'chat_member',
  'chat_join_request',
  'chat_boost',
  'removed_chat_boost',
]);

/** The longest a getUpdates call waits, in seconds. */
const MAX_LONG_POLL_SECONDS = 50;
/** setWebhook's max_connections: 40 when not given, clamped to 1-100. */
const DEFAULT_WEBHOOK_CONNECTIONS = 40;
const MAX_WEBHOOK_CONNECTIONS = 100;
const MAX_SECRET_TOKEN = 256;
/** answerCallbackQuery's cache_time is clamped to 30 days. */
const MAX_CALLBACK_CACHE_SECONDS = 30 * 24 * 60 * 60;
/** The chat actions sendChatAction takes (any case); record_audio and upload_audio are older names. */
const CHAT_ACTIONS = new Set([
  'cancel',
  'typing',
  'record_video',
  'upload_video',
  'record_audio',
  'record_voice',
  'upload_audio',
  'upload_voice',
  'upload_photo',
  'upload_document',
  'choose_sticker',
  'pick_up_location',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

const now = (): number => Math.floor(Date.now() / 1000);
export const ok = (result: unknown, description?: string): MethodAnswer => ({ result, description });

/** A JSON-serialized parameter's value, or the official server's refusal naming what it is ("Can't parse <what> JSON object"). */
export function parseJsonParam(raw: string, what: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw BotApiError.badRequest(`Can't parse ${what} JSON object`);
  }
}

// ---- chats and rights ----

/** Resolves chat_id as Telegram does for a bot: user ids, -100… channel ids (number or string), '@username'. */
export function resolveChat(ctx: MethodContext, chatId: number | string): Target {
  const { world } = ctx;
  if (typeof chatId === 'number' && chatId > 0) {
    const user = world.findUserById(chatId);
    if (user) return { kind: 'private', user };
    throw BotApiError.chatNotFound();
  }
  if (typeof chatId === 'number' && chatId > -1000000000000) throw BotApiError.chatNotFound();
  const channel = world.findChannel(chatId);
  if (!channel) throw BotApiError.chatNotFound();
  return { kind: 'channel', channel };
}

export const notMember = (channel: SandboxChannel): BotApiError =>
  BotApiError.forbidden(`bot is not a member of the ${channel.megagroup ? 'supergroup' : 'channel'} chat`);

export function botMember(ctx: MethodContext, channel: SandboxChannel) {
  return channel.members.get(`bot:${ctx.session.bot.id}`);
}

/** Posting to a broadcast channel needs an admin with can_post_messages; a supergroup needs membership. */
export function requirePostRight(ctx: MethodContext, channel: SandboxChannel): void {
  const member = botMember(ctx, channel);
  if (channel.megagroup ? !member : !member?.admin || !member.canPostMessages) throw notMember(channel);
}

/** A private channel the bot is not in does not exist for it; a public one can be looked at. */
export function requireVisible(ctx: MethodContext, channel: SandboxChannel): void {
  if (!botMember(ctx, channel) && !channel.username) throw BotApiError.chatNotFound();
}

/**
 * The basic group a chat_id names (a negative id above the -100… channel range); undefined when it names
 * no group's id range. An unknown group is "chat not found".
 */
export function findGroup(ctx: MethodContext, chatId: number | string): SandboxBasicGroup | undefined {
  if (typeof chatId !== 'number' || chatId >= 0 || chatId <= -1000000000000) return undefined;
  const group = ctx.world.findBasicGroup(chatId);
  if (!group) throw BotApiError.chatNotFound();
  return group;
}

export const inGroup = (ctx: MethodContext, group: SandboxBasicGroup): boolean =>
  group.bots.some((b) => b.id === ctx.session.bot.id);

export function requireConversation(ctx: MethodContext, user: SandboxUser): void {
  if (isBlocked(ctx.world, user.id, 'bot', ctx.session.bot.id))
    throw BotApiError.forbidden('bot was blocked by the user');
  if (!ctx.session.knownUsers.has(user.id)) throw BotApiError.forbidden("bot can't initiate conversation with a user");
}

function targetChatId(target: SendTarget): number {
  if (target.kind === 'group') return -target.group.id;
  return target.kind === 'private' ? target.user.id : target.channel.botApiId;
}

// ---- messages as JSON ----

/** Button kinds an inline keyboard may hold; each button has exactly one of them. */
const INLINE_BUTTON_ACTIONS = [
  'url',
  'callback_data',
  'web_app',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
];
const MAX_CALLBACK_DATA_BYTES = 64;
const MAX_INLINE_BUTTONS = 100;

export function replyMarkupJson(ctx: MethodContext): Json | undefined {
  const markup = ctx.params.json('reply_markup');
  if (markup === undefined) return undefined;
  if (typeof markup !== 'object' || markup === null || Array.isArray(markup)) {
    throw BotApiError.badRequest("can't parse reply keyboard markup JSON object");
  }
  // Only inline keyboards are echoed back on the message, as Telegram does.
  if (!('inline_keyboard' in markup)) return undefined;
  return { inline_keyboard: inlineKeyboard((markup as Json).inline_keyboard) };
}

/** Checks an inline keyboard as Telegram does before it accepts the message. */
function inlineKeyboard(rows: unknown): Json[][] {
  const cantParse = (why: string): BotApiError => BotApiError.badRequest(`can't parse inline keyboard button: ${why}`);
  if (!Array.isArray(rows)) throw BotApiError.badRequest('field "inline_keyboard" must be an Array');
  const buttonCount = rows.reduce((n: number, row: unknown) => n + (Array.isArray(row) ? row.length : 1), 0);
  if (buttonCount > MAX_INLINE_BUTTONS) throw BotApiError.badRequest('reply markup is too long');
  return rows.map((row: unknown) => {
    if (!Array.isArray(row)) throw cantParse('field "inline_keyboard" must be an Array of Arrays');
    return row.map((button: unknown): Json => {
      if (typeof button !== 'object' || button === null || Array.isArray(button)) {
        throw cantParse('InlineKeyboardButton must be an Object');
      }
      const b = button as Json;
      if (typeof b.text !== 'string' || b.text === '') throw cantParse('field "text" must be of type String');
      const actions = INLINE_BUTTON_ACTIONS.filter((a) => b[a] !== undefined);
      const [action] = actions;
      if (action === undefined) throw cantParse('Text buttons are unallowed in the inline keyboard');
      if (actions.length > 1) throw BotApiError.badRequest('BUTTON_TYPE_INVALID');
      if (b.callback_data !== undefined) {
        const data = b.callback_data;
        if (typeof data !== 'string' || data === '' || Buffer.byteLength(data) > MAX_CALLBACK_DATA_BYTES) {
          throw BotApiError.badRequest('BUTTON_DATA_INVALID');
        }
      }
      if (b.url !== undefined && (typeof b.url !== 'string' || !/^(https?|tg):\/\/\S+$/i.test(b.url))) {
        throw BotApiError.badRequest('BUTTON_URL_INVALID');
      }
      // Only what Telegram keeps of a button is stored and echoed.
      return { text: b.text, [action]: b[action] };
    });
  });
}

function attachmentJson(world: SandboxWorld, fileId: string | undefined): Json {
  const file = fileId ? world.files.get(fileId) : undefined;
  return file
    ? mediaJson(file, file.width !== undefined ? { width: file.width, height: file.height ?? 0 } : undefined)
    : {};
}

/**
 * A message of a channel or supergroup as a bot sees it; a reply carries the message it answers as
 * `reply_to_message` (unless `nested`: Telegram nests one level only).
 */
export function channelMessageJson(
  world: SandboxWorld,
  channel: SandboxChannel,
  message: ChannelMessage,
  nested = false,
  /** The bot that reads it (a service message adding members names it first). */
  viewerBotId?: number,
): Json {
  const chat = channelChatJson(channel);
  const json: Json = { message_id: message.id, date: message.date, chat };
  // A forum topic's message (not the General topic's) names its topic.
  if (message.topicId !== undefined)
    Object.assign(json, { message_thread_id: message.topicId, is_topic_message: true });
  if (channel.megagroup) {
    const bot = message.viaBotId ? world.findBotById(message.viaBotId) : undefined;
    const user = message.fromUserId ? world.findUserById(message.fromUserId) : undefined;
    if (bot) json.from = botUserJson(bot);
    else if (user) json.from = userJson(user);
    else json.sender_chat = chat;
  } else {
    json.sender_chat = chat;
  }
  if (message.service) {
    const pinnedId = message.replyToId;
    const pinned = channel.messages.find((m) => m.id === pinnedId && !m.deleted);
    return Object.assign(
      json,
      serviceFieldsJson(world, message.service, {
        megagroup: channel.megagroup,
        senderId: message.fromUserId ?? message.viaBotId,
        viewerBotId,
        chat,
        pinnedId,
        pinned: () => (pinned ? channelMessageJson(world, channel, pinned, true) : undefined),
      }),
    );
  }
  // A member's text in a supergroup has its commands marked; a channel post or a bot's text is as it was sent.
  Object.assign(
    json,
    contentJson(world, message, channel.megagroup && message.fromUserId !== undefined, channel.noForwards),
  );
  // A topic's message that answers no other answers the topic's "topic created" message, as the official server shows.
  const replyToId =
    message.replyToId ?? (message.topicId !== undefined && message.topicId < message.id ? message.topicId : undefined);
  const replied =
    nested || replyToId === undefined ? undefined : channel.messages.find((m) => m.id === replyToId && !m.deleted);
  if (replied) json.reply_to_message = channelMessageJson(world, channel, replied, true);
  if (message.editDate) json.edit_date = message.editDate;
  if (message.replyMarkup) json.reply_markup = message.replyMarkup;
  return json;
}

/**
 * A message of a basic group as a bot sees it: a member's (commands marked), or a bot's text, or its photo or
 * document with the text as caption. A reply carries the message it answers, one level deep.
 */
export function groupMessageJson(
  world: SandboxWorld,
  group: SandboxBasicGroup,
  message: BasicGroupMessage,
  nested = false,
  viewerBotId?: number,
): Json {
  const bot = message.fromBotId === undefined ? undefined : world.findBotById(message.fromBotId);
  const user = message.fromUserId === undefined ? undefined : world.findUserById(message.fromUserId);
  const json: Json = {
    message_id: message.id,
    ...(bot ? { from: botUserJson(bot) } : user ? { from: userJson(user) } : {}),
    chat: groupChatJson(group),
    date: message.date,
  };
  if (message.service) {
    const pinnedId = message.replyToId;
    const pinned = group.messages.find((m) => m.id === pinnedId);
    return Object.assign(
      json,
      serviceFieldsJson(world, message.service, {
        megagroup: false,
        senderId: message.fromUserId ?? message.fromBotId,
        viewerBotId,
        chat: json.chat as Json,
        pinnedId,
        pinned: () => (pinned ? groupMessageJson(world, group, pinned, true) : undefined),
      }),
    );
  }
  Object.assign(json, contentJson(world, message, user !== undefined, group.noForwards));
  const replied =
    nested || message.replyToId === undefined ? undefined : group.messages.find((m) => m.id === message.replyToId);
  if (replied) json.reply_to_message = groupMessageJson(world, group, replied, true);
  if (message.editDate) json.edit_date = message.editDate;
  return json;
}

/**
 * A message the bot sent in a private chat. Given the bot's sent messages (`records`), a reply carries the message
 * it answers as `reply_to_message`; without them (a message nested in another) it carries none.
 */
export function privateMessageJson(
  world: SandboxWorld,
  bot: SandboxBot,
  user: SandboxUser,
  m: BotPrivateMessage,
  records?: ReadonlyMap<number, BotPrivateMessage>,
): Json {
  const json: Json = {
    message_id: m.messageId,
    from: botUserJson(bot),
    chat: privateChatJson(user),
    date: m.date,
  };
  const stored = world.findPrivateMessage(m.messageId);
  if (stored?.forwardOrigin) json.forward_origin = forwardOriginJson(world, stored.forwardOrigin);
  if (stored?.mediaGroupId) json.media_group_id = stored.mediaGroupId;
  if (stored?.noForwards) json.has_protected_content = true;
  if (stored?.media && !isFileMedia(stored.media)) {
    Object.assign(json, plainMediaJson(stored.media, world));
  } else if (m.fileId) {
    Object.assign(json, attachmentJson(world, m.fileId));
    if (m.caption) json.caption = m.caption;
  } else {
    json.text = m.text ?? '';
  }
  if (m.entities?.length) json[m.fileId ? 'caption_entities' : 'entities'] = m.entities;
  const replied =
    records && m.replyToId !== undefined ? privateRepliedJson(world, bot, user, m.replyToId, records) : undefined;
  if (replied) json.reply_to_message = replied;
  if (m.editDate) json.edit_date = m.editDate;
  if (m.replyMarkup) json.reply_markup = m.replyMarkup;
  return json;
}

/**
 * A message of the private chat between a bot and a user, as it is nested in a reply to it: one the bot sent
 * (found in its `records`), or one the user wrote. Undefined when the chat has no such message.
 */
export function privateRepliedJson(
  world: SandboxWorld,
  bot: SandboxBot,
  user: SandboxUser,
  messageId: number,
  records: ReadonlyMap<number, BotPrivateMessage>,
): Json | undefined {
  const own = records.get(messageId);
  if (own) return own.userId === user.id ? privateMessageJson(world, bot, user, own) : undefined;
  const m = world.findPrivateMessage(messageId);
  if (!m || m.fromKind !== 'user' || m.fromId !== user.id || m.toKind !== 'bot' || m.toId !== bot.id) return undefined;
  const json: Json = { message_id: m.id, from: userJson(user), chat: privateChatJson(user), date: m.date };
  Object.assign(json, contentJson(world, m));
  if (m.editDate) json.edit_date = m.editDate;
  return json;
}

// ---- limits ----

function throttle(ctx: MethodContext, method: string, target: SendTarget): void {
  if (!ctx.world.limitsEnabled) return;
  const chatId = targetChatId(target);
  const verdict = ctx.session.limiter.tryTake(chatId, target.kind !== 'private');
  if (verdict.ok) return;
  ctx.session.refusals.push({ method, chat_id: chatId, retry_after: verdict.retryAfter, date: now() });
  throw BotApiError.tooManyRequests(verdict.retryAfter);
}

// ---- sending ----

export interface Outgoing {
  method: string;
  text?: string;
  caption?: string;
  /** Entities of the text, or of the caption. */
  entities?: Json[];
  file?: SandboxFile;
  /** A location, venue, contact or dice roll (locations-contacts-dice.ts). */
  plain?: SandboxPlainMedia;
  /** Where a forwarded message was first written. */
  forwardOrigin?: SandboxForwardOrigin;
  /** The album (sendMediaGroup) the message is one of. */
  mediaGroupId?: string;
}

/** Which message a send answers, as the caller asked for it. */
interface ReplyRequest {
  messageId: number;
  /** The chat of that message, when the caller named one. */
  chatId?: unknown;
  /** Send as a plain message when there is no such message. */
  allowWithoutReply: boolean;
}

/** `reply_parameters` (a ReplyParameters object, or its JSON), or the older `reply_to_message_id` and its flag. */
function readReplyRequest(ctx: MethodContext): ReplyRequest | undefined {
  const { params } = ctx;
  if (!params.has('reply_parameters')) {
    // Junk, 0 or a negative id is no reply, as the official server reads it.
    const messageId = params.messageId('reply_to_message_id');
    if (messageId === 0) return undefined;
    return { messageId, allowWithoutReply: params.boolean('allow_sending_without_reply') };
  }
  const cantParse = BotApiError.badRequest("can't parse reply parameters JSON object");
  let value: unknown;
  try {
    value = params.json('reply_parameters');
  } catch {
    throw cantParse;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw BotApiError.badRequest('object expected as reply parameters');
  }
  const { message_id: rawId, chat_id: chatId, allow_sending_without_reply: allow } = value as Json;
  const messageId =
    typeof rawId === 'number' ? rawId : typeof rawId === 'string' && /^\s*-?\d+\s*$/.test(rawId) ? Number(rawId) : NaN;
  if (!Number.isSafeInteger(messageId)) throw cantParse;
  if (allow !== undefined && typeof allow !== 'boolean') throw cantParse;
  if (messageId <= 0) return undefined;
  return { messageId, chatId: chatId ?? undefined, allowWithoutReply: allow === true };
}

/** Whether a reply's chat_id names the chat the message goes to (by id, or a channel's @username). */
function namesTarget(ctx: MethodContext, chatId: unknown, target: SendTarget): boolean {
  const id = parseChatId(chatId);
  if (typeof id === 'number') return id === targetChatId(target);
  return id !== undefined && target.kind === 'channel' && ctx.world.findChannel(id) === target.channel;
}

export function messageInChat(ctx: MethodContext, target: SendTarget, messageId: number): boolean {
  if (target.kind === 'channel') return target.channel.messages.some((m) => m.id === messageId && !m.deleted);
  if (target.kind === 'group') return target.group.messages.some((m) => m.id === messageId);
  const { bot } = ctx.session;
  if (ctx.session.deletedPrivateIds.has(messageId)) return false;
  const m = ctx.world.findPrivateMessage(messageId);
  if (!m) return false;
  const between = (a: { kind: string; id: number }, b: { kind: string; id: number }): boolean =>
    m.fromKind === a.kind && m.fromId === a.id && m.toKind === b.kind && m.toId === b.id;
  const user = { kind: 'user', id: target.user.id };
  const self = { kind: 'bot', id: bot.id };
  return between(user, self) || between(self, user);
}

/**
 * The id of the message a send answers, checked as Telegram checks it: a message that is not in the chat (or was
 * deleted) is refused, unless allow_sending_without_reply sends a plain message instead. A reply to a message of
 * another chat (reply_parameters.chat_id) is not offered: it reads as a message not found.
 */
function replyToId(ctx: MethodContext, target: SendTarget): number | undefined {
  const request = readReplyRequest(ctx);
  if (!request) return undefined;
  const sameChat = request.chatId === undefined || namesTarget(ctx, request.chatId, target);
  if (sameChat && messageInChat(ctx, target, request.messageId)) return request.messageId;
  if (request.allowWithoutReply) return undefined;
  throw BotApiError.badRequest('message to be replied not found');
}

/**
 * The forum topic a bot's message goes to: message_thread_id, else that of the message it answers, else General
 * (undefined). Checked as the official server checks it: the General topic's id or a topic not there is "message
 * thread not found", a closed topic is TOPIC_CLOSED for a bot that may not manage topics. A chat that is no forum has
 * no topics: the parameter is ignored.
 */
function topicOfSend(ctx: MethodContext, channel: SandboxChannel, replyTo: number | undefined): number | undefined {
  const threadId = ctx.params.messageId('message_thread_id');
  if (channel.forum && threadId === GENERAL_TOPIC_ID) throw BotApiError.badRequest('message thread not found');
  try {
    return topicOfNewMessage(channel, { kind: 'bot', id: ctx.session.bot.id }, threadId || undefined, replyTo);
  } catch (err) {
    if (!(err instanceof ForumTopicError)) throw err;
    throw BotApiError.badRequest(err.code === 'TOPIC_ID_INVALID' ? 'message thread not found' : err.code);
  }
}

export function deliver(ctx: MethodContext, target: SendTarget, out: Outgoing): Json {
  const { world, session } = ctx;
  const replyMarkup = replyMarkupJson(ctx);
  const replyTo = replyToId(ctx, target);
  const topicId = target.kind === 'channel' ? topicOfSend(ctx, target.channel, replyTo) : undefined;
  const entities = out.entities?.length ? entitiesFromJson(out.entities) : undefined;
  const media: SandboxMessageMedia | undefined = out.plain ?? (out.file ? mediaOfFile(out.file) : undefined);
  if (target.kind === 'channel') requireSendRight(world, session.bot.id, target.channel, media);
  throttle(ctx, out.method, target);
  // protect_content: the message can be neither forwarded nor saved.
  const noForwards = ctx.params.has('protect_content') && ctx.params.boolean('protect_content') ? true : undefined;
  let json: Json;
  if (target.kind === 'channel') {
    const message = world.postToChannel(target.channel.id, {
      text: out.text ?? out.caption ?? '',
      viaBotId: session.bot.id,
      media,
      replyMarkup,
      entities,
      replyToId: replyTo,
      forwardOrigin: out.forwardOrigin,
      mediaGroupId: out.mediaGroupId,
      noForwards,
      topicId,
    });
    json = channelMessageJson(world, target.channel, message);
  } else if (target.kind === 'group') {
    const message = world.sendBasicGroupBotMessage(target.group.id, session.bot.id, out.text ?? out.caption ?? '', {
      media,
      entities,
      replyToId: replyTo,
      forwardOrigin: out.forwardOrigin,
      mediaGroupId: out.mediaGroupId,
      noForwards,
    });
    json = groupMessageJson(world, target.group, message);
  } else {
    const pm = world.sendPrivateMessage({
      fromKind: 'bot',
      fromId: session.bot.id,
      toKind: 'user',
      toId: target.user.id,
      text: out.text ?? out.caption ?? '',
      media,
      entities,
      replyToId: replyTo,
      forwardOrigin: out.forwardOrigin,
      mediaGroupId: out.mediaGroupId,
      noForwards,
    });
    const record: BotPrivateMessage = {
      messageId: pm.id,
      userId: target.user.id,
      date: pm.date,
      text: out.text,
      caption: out.caption,
      fileId: out.file?.fileId,
      ...(pm.entities ? { entities: entitiesJson(world, pm.entities) } : {}),
      ...(replyTo !== undefined ? { replyToId: replyTo } : {}),
      replyMarkup,
    };
    session.privateMessages.set(pm.id, record);
    json = privateMessageJson(world, session.bot, target.user, record, session.privateMessages);
  }
  session.sent.push({
    message_id: json.message_id as number,
    chat_id: targetChatId(target),
    ...(out.text !== undefined ? { text: out.text } : {}),
    ...(out.caption !== undefined ? { caption: out.caption } : {}),
    method: out.method,
    date: json.date as number,
    ...(out.file ? { file_id: out.file.fileId } : {}),
    ...(replyTo !== undefined ? { reply_to_message_id: replyTo } : {}),
  });
  return json;
}

export function resolveSendTarget(ctx: MethodContext): SendTarget {
  const chatId = ctx.params.chatId();
  const group = findGroup(ctx, chatId);
  if (group) {
    // A group upgraded to a supergroup takes no more messages: the official server names the supergroup.
    if (group.migratedTo) {
      const migrateTo = -(1000000000000 + group.migratedTo.channelId);
      throw new BotApiError(400, 'Bad Request: group chat was upgraded to a supergroup chat', {
        migrate_to_chat_id: migrateTo,
      });
    }
    if (!inGroup(ctx, group)) throw BotApiError.forbidden('bot is not a member of the group chat');
    return { kind: 'group', group };
  }
  const target = resolveChat(ctx, chatId);
  if (target.kind === 'channel') requirePostRight(ctx, target.channel);
  else requireConversation(ctx, target.user);
  return target;
}

export function readCaption(ctx: MethodContext): FormattedText | undefined {
  const raw = ctx.params.string('caption');
  if (raw === undefined) return undefined;
  return formatCaption(raw, ctx.params.string('parse_mode'), ctx.params.json('caption_entities'));
}

/** A caption with its parse_mode or caption_entities read; undefined when it is empty. */
export function formatCaption(
  raw: string,
  parseMode: string | undefined,
  entities: unknown,
): FormattedText | undefined {
  const caption = formatText(raw, parseMode, entities);
  if (caption.text.length > MAX_CAPTION) throw BotApiError.badRequest('message caption is too long');
  return caption.text ? caption : undefined;
}

/**
 * The text of sendMessage or editMessageText. As the official server does before it looks at the chat, an empty
 * parameter is refused and the formatting read; what Telegram itself refuses (text that is empty once formatted and
 * trimmed, or too long) is left to `checkText`, after the chat.
 */
function readText(ctx: MethodContext): FormattedText {
  const raw = ctx.params.text('text');
  if (raw === '') throw BotApiError.badRequest('Message text is empty');
  return formatText(raw, ctx.params.string('parse_mode'), ctx.params.json('entities'));
}

function checkText(formatted: FormattedText): FormattedText {
  if (!formatted.text.trim()) throw BotApiError.badRequest('message text is empty');
  if (formatted.text.length > MAX_TEXT) throw BotApiError.badRequest('message is too long');
  return formatted;
}

const randomId = (prefix: string, bytes: number): string => prefix + randomBytes(bytes).toString('base64url');

/**
 * Keeps an uploaded file in the world under a fresh file_id of its kind. A photo must be an image (its size is read
 * from it); a video, audio, voice note or animation keeps the attributes its sender gave.
 */
function storeFile(
  ctx: MethodContext,
  kind: MediaKind,
  data: Buffer,
  fileName: string,
  mime: string,
  attributes: MediaAttributes = {},
): SandboxFile {
  if (data.length === 0) throw BotApiError.badRequest('file must be non-empty');
  let dims: { width: number; height: number } | undefined;
  if (kind === 'photo') {
    dims = imageSize(data);
    if (!dims || dims.width === 0 || dims.height === 0) throw BotApiError.badRequest('IMAGE_PROCESS_FAILED');
  }
  if (kind === 'sticker') return storeStickerFile(ctx.world, data, ctx.session.bot.id);
  const traits = mediaKindTraits(kind);
  const named = kind !== 'photo' && kind !== 'voice' && kind !== 'video_note';
  const file: SandboxFile = {
    fileId: randomId(traits.fileIdPrefix, 36),
    fileUniqueId: randomId('AQAD', 9),
    kind,
    data,
    size: data.length,
    fileName: named ? fileName : undefined,
    mimeType: kind === 'photo' ? undefined : playableMime(kind, fileName, mime),
    filePath: `${traits.folder}/file_${randomBytes(8).toString('hex')}.${
      kind === 'photo' ? 'jpg' : extensionOf(fileName, traits.extension)
    }`,
    ownerBotId: ctx.session.bot.id,
    width: dims?.width,
    height: dims?.height,
    ...(isPlayable(kind) ? definedAttributes(attributes) : {}),
    createdAt: new Date(),
  };
  ctx.world.files.set(file.fileId, file);
  return file;
}

/** A file's MIME type: as uploaded or as its name says; for a player kind, the kind's own when neither tells. */
function playableMime(kind: MediaKind, fileName: string, declared: string): string {
  const mime = mimeTypeFor(fileName, declared);
  const fallback = mediaKindTraits(kind).defaultMime;
  return fallback && (mime === 'application/octet-stream' || mime === 'text/plain') ? fallback : mime;
}

async function fetchUrl(url: string, signal: AbortSignal): Promise<{ data: Buffer; fileName: string; mime: string }> {
  const failed = BotApiError.badRequest('failed to get HTTP URL content');
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) });
  } catch {
    throw failed;
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw failed;
  }
  const data = Buffer.from(await res.arrayBuffer());
  if (data.length > MAX_URL_FETCH_BYTES) throw BotApiError.badRequest('file is too big');
  const fileName = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '') || 'file';
  return { data, fileName, mime: res.headers.get('content-type')?.split(';', 1)[0] ?? 'application/octet-stream' };
}

/** An InputFile: an upload, 'attach://<part>', a file_id already on the server, or an HTTP URL Telegram fetches. */
export async function inputFile(
  ctx: MethodContext,
  field: string,
  kind: MediaKind,
  attributes?: MediaAttributes,
): Promise<SandboxFile> {
  const upload = ctx.params.file(field);
  if (upload) return storeFile(ctx, kind, upload.data, upload.fileName, upload.mimeType, attributes);
  const ref = ctx.params.string(field)?.trim();
  if (!ref) throw BotApiError.badRequest(`there is no ${field} in the request`);
  return inputFileRef(ctx, ref, kind, `there is no ${field} in the request`, attributes);
}

/**
 * A file named by text: 'attach://<part>' (refused with `missing` when the request has no such part), a file_id
 * already on the server, or an HTTP URL Telegram fetches.
 */
export async function inputFileRef(
  ctx: MethodContext,
  ref: string,
  kind: MediaKind,
  missing: string,
  attributes?: MediaAttributes,
): Promise<SandboxFile> {
  if (ref.startsWith('attach://')) {
    const attached = ctx.params.file(ref.slice('attach://'.length));
    if (!attached) throw BotApiError.badRequest(missing);
    return storeFile(ctx, kind, attached.data, attached.fileName, attached.mimeType, attributes);
  }
  if (/^https?:\/\//i.test(ref)) {
    const fetched = await fetchUrl(ref, ctx.signal);
    return storeFile(ctx, kind, fetched.data, fetched.fileName, fetched.mime, attributes);
  }
  const existing = ctx.world.files.get(ref);
  if (!existing) throw BotApiError.badRequest('wrong file identifier/HTTP URL specified');
  // A file sent again keeps the attributes it was first sent with. Every mismatch of kinds is refused, in the words
  // Telegram uses for one (its servers may let one kind of document stand in for another; that is not modelled).
  if (existing.kind !== kind) throw BotApiError.badRequest(wrongKindMessage(existing.kind, kind));
  return existing;
}

/**
 * Refuses a send whose file parameter names no file, as the official server does before it looks at the chat: no
 * upload under that name, no text, or an attach:// naming no part of the request.
 */
export function requireInputFile(ctx: MethodContext, field: string): void {
  if (ctx.params.file(field)) return;
  const ref = ctx.params.text(field);
  const attached = ref.startsWith('attach://') ? ctx.params.file(ref.slice('attach://'.length)) : undefined;
  if (ref === '' || (ref.startsWith('attach://') && !attached)) {
    throw BotApiError.badRequest(`There is no ${field} in the request`);
  }
}

function sendFileMethod(kind: 'photo' | 'document', method: string): Method {
  return async (ctx) => {
    // The file and the caption are read before the chat, as the official server reads them.
    requireInputFile(ctx, kind);
    const caption = readCaption(ctx);
    const target = resolveSendTarget(ctx);
    const file = await inputFile(ctx, kind, kind);
    return ok(deliver(ctx, target, { method, caption: caption?.text, entities: caption?.entities, file }));
  };
}

// ---- editing and deleting ----

/** message_id where a method cannot do without it: refused when absent (or 0, junk or negative, which read as absent). */
export function messageIdParam(ctx: MethodContext): number {
  const id = ctx.params.messageId();
  if (id === 0) throw BotApiError.badRequest('Message identifier is not specified');
  return id;
}

/**
 * The chat and message an edit names, read as the official server reads them: with neither chat_id nor message_id
 * the edit is of an inline message, and its inline_message_id is required; a message_id of 0 (absent, junk or
 * negative) in a chat is a message not found there. The sandbox has no inline messages: an inline_message_id given
 * is answered as Telegram answers one it does not know.
 */
export function editedMessage(ctx: MethodContext): { chatId: number | string; messageId: number } {
  const { params } = ctx;
  const messageId = params.messageId();
  if (!params.has('chat_id') && messageId === 0) {
    if (!params.has('inline_message_id')) throw BotApiError.badRequest('Message identifier is not specified');
    throw BotApiError.badRequest('MESSAGE_ID_INVALID');
  }
  return { chatId: params.chatId(), messageId };
}

/**
 * How the bot deletes one message of a chat, for deleteMessage and deleteMessages: undefined when the message is
 * not there (or already deleted), refused when the bot may not delete it. A channel's message goes for everyone;
 * in a private chat the bot's copy goes, as deleteMessage has always done here.
 */
export function messageDeletion(ctx: MethodContext, target: Target, messageId: number): (() => void) | undefined {
  const { world, session } = ctx;
  if (target.kind === 'channel') {
    const member = botMember(ctx, target.channel);
    if (!member) throw notMember(target.channel);
    const message = target.channel.messages.find((m) => m.id === messageId && !m.deleted);
    if (!message) return undefined;
    if (!member.admin && message.viaBotId !== session.bot.id) throw BotApiError.badRequest("message can't be deleted");
    return () => world.deleteChannelMessage(target.channel.id, messageId, { kind: 'bot', id: session.bot.id });
  }
  const inChat = world
    .privateMessagesOf('bot', session.bot.id)
    .some((m) => m.id === messageId && (m.fromId === target.user.id || m.toId === target.user.id));
  if (!inChat || session.deletedPrivateIds.has(messageId)) return undefined;
  return () => {
    session.deletedPrivateIds.add(messageId);
  };
}

export const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

// ---- the methods ----

/** The methods written here; `method-table.ts` adds those of the other files and looks them up. */
export const CORE_METHODS: Record<string, Method> = {
  getMe: (ctx) => ok(getMeJson(ctx.session.bot)),

  getUpdates: async (ctx) => {
    const { session, params } = ctx;
    if (session.webhook) {
      throw new BotApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    session.setAllowedUpdates(allowedUpdatesParam(ctx));
    // Read as the official server reads them: junk is 0, and a value out of bounds is clamped, never refused.
    const offset = params.clampedInteger('offset', 0);
    const limit = params.clampedInteger('limit', 100, 1, 100);
    const timeout = params.clampedInteger('timeout', 0, 0, MAX_LONG_POLL_SECONDS);
    const updates = await session.getUpdates(offset, limit, timeout, ctx.signal);
    return ok(updates.map(toUpdateJson));
  },

  setWebhook: (ctx) => {
    const { session, params } = ctx;
    const url = params.string('url')?.trim() ?? '';
    const dropPending = params.boolean('drop_pending_updates');
    if (url === '') {
      if (dropPending) session.dropPending();
      const had = session.webhook !== undefined;
      session.setWebhook(undefined);
      return ok(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
    }
    // The official server reads these only for a webhook being set, and clamps max_connections rather than refuse it.
    const maxConnections = params.clampedInteger(
      'max_connections',
      DEFAULT_WEBHOOK_CONNECTIONS,
      1,
      MAX_WEBHOOK_CONNECTIONS,
    );
    const secret = params.text('secret_token');
    if (secret.length > MAX_SECRET_TOKEN) throw BotApiError.badRequest('secret token is too long');
    if (!/^[A-Za-z0-9_-]*$/.test(secret)) throw BotApiError.badRequest('secret token contains unallowed characters');
    let parsed: URL;
    const schemeless = !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url);
    try {
      // A URL without a scheme is an HTTPS one, as the official server reads it.
      parsed = new URL(schemeless ? `https://${url}` : url);
    } catch {
      throw BotApiError.badRequest('invalid webhook URL specified');
    }
    // The sandbox looks up no names. A bare word with no scheme (not localhost nor an address) names no host Telegram
    // could resolve, and is refused as it refuses one; a URL with a scheme may name a local receiver's host.
    if (
      schemeless &&
      !parsed.hostname.includes('.') &&
      !parsed.hostname.includes(':') &&
      parsed.hostname !== 'localhost'
    ) {
      throw BotApiError.badRequest('bad webhook: Failed to resolve host: Name or service not known');
    }
    // Telegram insists on HTTPS; the sandbox also takes plain HTTP so local receivers can listen. Any other scheme is
    // no webhook URL at all.
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw BotApiError.badRequest('invalid webhook URL specified');
    }
    session.setAllowedUpdates(allowedUpdatesParam(ctx));
    const current = session.webhook;
    // As the official server: "already set" only when nothing changes and no pending updates are dropped.
    const same =
      !dropPending &&
      current?.url === url &&
      current.secretToken === (secret || undefined) &&
      current.maxConnections === maxConnections;
    if (dropPending) session.dropPending();
    session.setWebhook({ url, secretToken: secret || undefined, maxConnections, setAt: Date.now() });
    return ok(true, same ? 'Webhook is already set' : 'Webhook was set');
  },

  deleteWebhook: (ctx) => {
    const { session, params } = ctx;
    if (params.boolean('drop_pending_updates')) session.dropPending();
    const had = session.webhook !== undefined;
    session.setWebhook(undefined);
    return ok(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
  },

  getWebhookInfo: (ctx) => ok(ctx.session.webhookInfo()),

  sendMessage: (ctx) => {
    // The official server reads the text before it looks at the chat.
    const formatted = readText(ctx);
    const target = resolveSendTarget(ctx);
    const { text, entities } = checkText(formatted);
    return ok(deliver(ctx, target, { method: 'sendMessage', text, entities }));
  },

  sendPhoto: sendFileMethod('photo', 'sendPhoto'),
  sendDocument: sendFileMethod('document', 'sendDocument'),

  getFile: (ctx) => {
    const fileId = ctx.params.string('file_id')?.trim();
    if (!fileId) throw BotApiError.badRequest('file_id not specified');
    const file = ctx.world.files.get(fileId);
    if (!file) throw BotApiError.badRequest('invalid file_id');
    if (file.size > MAX_DOWNLOAD_BYTES) throw BotApiError.badRequest('file is too big');
    return ok(fileJson(file));
  },

  editMessageText: (ctx) => {
    const { world } = ctx;
    // The new text is read first, as the official server does.
    const formatted = readText(ctx);
    const named = editedMessage(ctx);
    const target = resolveChat(ctx, named.chatId);
    const { messageId } = named;
    const { text, entities } = checkText(formatted);
    const replyMarkup = replyMarkupJson(ctx);
    const sameMarkup = (current: Json | undefined): boolean =>
      replyMarkup === undefined || JSON.stringify(replyMarkup) === JSON.stringify(current);
    if (target.kind === 'channel') {
      requirePostRight(ctx, target.channel);
      const message = target.channel.messages.find((m) => m.id === messageId && !m.deleted);
      if (!message) throw BotApiError.badRequest('message to edit not found');
      if (message.viaBotId !== ctx.session.bot.id || message.service) {
        throw BotApiError.badRequest("message can't be edited");
      }
      if (message.media) throw BotApiError.badRequest('there is no text in the message to edit');
      if (message.text === text && sameMarkup(message.replyMarkup)) throw BotApiError.badRequest(NOT_MODIFIED);
      const edited = world.editChannelMessage(target.channel.id, messageId, text, {
        editorBotId: ctx.session.bot.id,
        replyMarkup,
        entities: entitiesFromJson(entities),
      });
      return ok(channelMessageJson(world, target.channel, edited));
    }
    requireConversation(ctx, target.user);
    const record = ctx.session.privateMessages.get(messageId);
    if (!record || record.userId !== target.user.id || ctx.session.deletedPrivateIds.has(messageId)) {
      throw BotApiError.badRequest('message to edit not found');
    }
    // A file, or a location, venue, contact or dice roll: the message has no text.
    if (record.fileId || world.findPrivateMessage(messageId)?.media) {
      throw BotApiError.badRequest('there is no text in the message to edit');
    }
    if (record.text === text && sameMarkup(record.replyMarkup)) throw BotApiError.badRequest(NOT_MODIFIED);
    // The world's message is what the user's apps show (they are pushed the edit); the record is what the bot reads.
    const edited = world.editPrivateMessageContent(messageId, text, entitiesFromJson(entities));
    record.text = text;
    record.entities = entities.length > 0 ? entities : undefined;
    record.editDate = edited.editDate;
    if (replyMarkup !== undefined) record.replyMarkup = replyMarkup;
    return ok(privateMessageJson(world, ctx.session.bot, target.user, record, ctx.session.privateMessages));
  },

  editMessageReplyMarkup: (ctx) => {
    const { world, session } = ctx;
    const given = replyMarkupJson(ctx);
    const named = editedMessage(ctx);
    const target = resolveChat(ctx, named.chatId);
    const { messageId } = named;
    // No markup, or an empty keyboard, takes the keyboard away.
    const markup = given && (given.inline_keyboard as unknown[]).length > 0 ? given : undefined;
    const same = (current: Json | undefined): boolean => JSON.stringify(markup) === JSON.stringify(current);
    if (target.kind === 'channel') {
      requirePostRight(ctx, target.channel);
      const message = target.channel.messages.find((m) => m.id === messageId && !m.deleted);
      if (!message) throw BotApiError.badRequest('message to edit not found');
      if (message.viaBotId !== session.bot.id || message.service) {
        throw BotApiError.badRequest("message can't be edited");
      }
      if (same(message.replyMarkup)) throw BotApiError.badRequest(NOT_MODIFIED);
      const edited = world.editChannelMessage(target.channel.id, messageId, message.text, {
        editorBotId: session.bot.id,
        replyMarkup: markup ?? null,
      });
      return ok(channelMessageJson(world, target.channel, edited));
    }
    requireConversation(ctx, target.user);
    const record = session.privateMessages.get(messageId);
    if (!record || record.userId !== target.user.id || session.deletedPrivateIds.has(messageId)) {
      throw BotApiError.badRequest('message to edit not found');
    }
    if (same(record.replyMarkup)) throw BotApiError.badRequest(NOT_MODIFIED);
    record.replyMarkup = markup;
    record.editDate = now();
    return ok(privateMessageJson(world, session.bot, target.user, record, session.privateMessages));
  },

  getChatMember: (ctx) => {
    const { world, params } = ctx;
    // user_id is read before the chat: absent, junk or not positive is refused.
    const userId = params.userId();
    const target = resolveChat(ctx, params.chatId());
    const kind = world.findBotById(userId) ? 'bot' : world.findUserById(userId) ? 'user' : undefined;
    if (!kind) throw BotApiError.badRequest('user not found');
    if (target.kind === 'private') {
      if (!ctx.session.knownUsers.has(target.user.id)) throw BotApiError.chatNotFound();
      if (userId !== target.user.id && userId !== ctx.session.bot.id) throw BotApiError.badRequest('user not found');
      return ok({ user: kind === 'bot' ? botUserJson(ctx.session.bot) : userJson(target.user), status: 'member' });
    }
    requireVisible(ctx, target.channel);
    const member = target.channel.members.get(`${kind}:${userId}`);
    const ban = member ? undefined : activeBan(world, target.channel, kind, userId);
    const restriction = activeRestriction(world, target.channel, kind, userId);
    return ok(chatMemberJson(world, target.channel, kind, userId, member, ban, restriction));
  },

  getChatAdministrators: (ctx) => {
    const target = resolveChat(ctx, ctx.params.chatId());
    if (target.kind === 'private') throw BotApiError.badRequest('there are no administrators in the private chat');
    requireVisible(ctx, target.channel);
    const admins = [...target.channel.members.values()].filter((m) => m.admin || m.creator);
    return ok(admins.map((m) => chatMemberJson(ctx.world, target.channel, m.kind, m.id, m)));
  },

  getChatMemberCount: (ctx) => {
    const target = resolveChat(ctx, ctx.params.chatId());
    if (target.kind === 'private') {
      if (!ctx.session.knownUsers.has(target.user.id)) throw BotApiError.chatNotFound();
      return ok(2);
    }
    requireVisible(ctx, target.channel);
    return ok(ctx.world.subscriberCount(target.channel));
  },

  sendChatAction: (ctx) => {
    // The action is read before the chat; one the Bot API does not know is refused.
    if (!CHAT_ACTIONS.has(ctx.params.text('action').toLowerCase())) {
      throw BotApiError.badRequest('Wrong parameter action in request');
    }
    resolveSendTarget(ctx);
    return ok(true);
  },

  setMyCommands: (ctx) => {
    const commands = ctx.params.has('commands') ? ctx.params.json('commands') : [];
    // No commands at all is an empty list, which takes the commands away.
    if (!Array.isArray(commands)) throw BotApiError.badRequest('Expected an Array of BotCommand');
    const parsed = commands.map((c: unknown) => readBotCommand(c));
    if (parsed.length > 100) throw BotApiError.badRequest('BOT_COMMANDS_TOO_MUCH');
    for (const { command, description } of parsed) {
      if (!/^[a-z0-9_]{1,32}$/.test(command.replace(/^\//, ''))) throw BotApiError.badRequest('BOT_COMMAND_INVALID');
      if (description.trim().length < 1 || description.length > 256) {
        throw BotApiError.badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
      }
    }
    const list = parsed.map(({ command, description }) => ({ command: command.replace(/^\//, ''), description }));
    setBotCommands(ctx.world, ctx.session.bot, commandsKeyOf(ctx), list);
    return ok(true);
  },

  getMyCommands: (ctx) => ok(botCommands(ctx.world, ctx.session.bot.id, commandsKeyOf(ctx)) ?? []),

  deleteMyCommands: (ctx) => {
    setBotCommands(ctx.world, ctx.session.bot, commandsKeyOf(ctx), []);
    return ok(true);
  },

  answerCallbackQuery: (ctx) => {
    const { params, session } = ctx;
    const id = params.text('callback_query_id');
    const query = session.callbackQueries.get(id);
    // Telegram takes one answer per press; an unknown or answered id gets the same refusal.
    if (!query || query.answer) {
      throw BotApiError.badRequest('query is too old and response timeout expired or query ID is invalid');
    }
    const text = params.string('text');
    if (text !== undefined && text.length > MAX_CALLBACK_ANSWER) throw BotApiError.badRequest('MESSAGE_TOO_LONG');
    const url = params.string('url') || undefined;
    if (url !== undefined && !/^(https?|tg):\/\/\S+$/i.test(url)) throw BotApiError.badRequest('URL_INVALID');
    // Clamped to 0-30 days, as the official server reads it; junk is 0.
    const cacheTime = params.clampedInteger('cache_time', 0, 0, MAX_CALLBACK_CACHE_SECONDS);
    query.answer = { text: text || undefined, showAlert: params.boolean('show_alert'), url, cacheTime, date: now() };
    query.onAnswer?.();
    return ok(true);
  },
};

/** One BotCommand of setMyCommands, refused as the official server words it when it is not one. */
function readBotCommand(value: unknown): { command: string; description: string } {
  const cantParse = (why: string): BotApiError => BotApiError.badRequest(`Can't parse BotCommand: ${why}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw cantParse('expected an Object');
  const field = (name: string): string => {
    const v = (value as Json)[name];
    if (v === undefined) throw cantParse(`Can't find field "${name}"`);
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    throw cantParse(`Field "${name}" must be of type String`);
  };
  return { command: field('command'), description: field('description') };
}

/**
 * allowed_updates as the official server reads it: a JSON array of update type names in any case; names it does not
 * know are skipped, and none known is the default set (an empty list). Anything else (no JSON array, or an item that is
 * not a string) is ignored: undefined, and the list given before stays.
 */
function allowedUpdatesParam(ctx: MethodContext): string[] | undefined {
  let value: unknown;
  try {
    value = ctx.params.json('allowed_updates');
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) return undefined;
  const names = (value as string[]).map((v) => v.toLowerCase());
  return [...new Set(names.filter((v) => ALL_UPDATE_TYPES.has(v)))];
}

/** The command list a call names: its scope (the default scope when absent) and language. */
function commandsKeyOf(ctx: MethodContext): string {
  const scope = ctx.params.json('scope');
  const fields = typeof scope === 'object' && scope !== null && !Array.isArray(scope) ? (scope as Json) : {};
  const type = typeof fields.type === 'string' ? fields.type : 'default';
  return commandsKey(
    { type, chat_id: fields.chat_id, user_id: fields.user_id },
    ctx.params.string('language_code') ?? '',
  );
}
