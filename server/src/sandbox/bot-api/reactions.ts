import { reactionCounts, ReactionRefusedError, setReactions } from '../reactions';
import type { MessageReactionsEvent, ReactedMessage, SandboxWorld } from '../world';
import { BotApiError } from './bot-api-error';
import {
  findGroup,
  inGroup,
  type Method,
  type MethodContext,
  messageInChat,
  ok,
  requireVisible,
  resolveChat,
  type SendTarget,
  parseJsonParam,
} from './bot-api-methods';
import type { UpdateType } from './bot-session';
import { channelChatJson, groupChatJson, type Json, privateChatJson, userJson } from './serializers';

/**
 * setMessageReaction (Bot API 7.0) and the updates reactions make: `message_reaction` (a user changed their reactions;
 * to the administrator bots of the chat, and to the bot of a private chat) and `message_reaction_count` (the
 * anonymous counts of a channel post changed; to the channel's administrator bots). Neither is in the default
 * allowed_updates: a bot gets them only when it names them (bot-session.ts).
 */

/** The `reaction` parameter: a JSON array of ReactionType, read and refused in the official server's words. */
function readReactionTypes(ctx: MethodContext): string[] {
  const raw = ctx.params.text('reaction');
  if (raw === '') return [];
  const value = parseJsonParam(raw, 'reaction types');
  if (!Array.isArray(value)) throw BotApiError.badRequest('Expected an Array of ReactionType');
  return value.map((item: unknown) => {
    const cantParse = (why: string): BotApiError => BotApiError.badRequest(`Can't parse ReactionType: ${why}`);
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw cantParse('expected an Object');
    const type = requiredString(item as Json, 'type', cantParse);
    if (type === 'emoji') return requiredString(item as Json, 'emoji', cantParse);
    // A custom emoji needs Telegram Premium, which no bot has: Telegram refuses it as it refuses an unknown emoji.
    if (type === 'custom_emoji') throw BotApiError.badRequest('REACTION_INVALID');
    throw cantParse('invalid reaction type specified');
  });
}

/** A string field of a JSON object, as TDLib's `get_required_string_field` reads it. */
function requiredString(object: Json, field: string, cantParse: (why: string) => BotApiError): string {
  const value = object[field];
  if (value === undefined) throw cantParse(`Can't find field "${field}"`);
  if (typeof value !== 'string') throw cantParse(`Field "${field}" must be of type String`);
  return value;
}

/**
 * The chat chat_id names, if the bot can read it (Telegram's check for a message to react to): a basic group it is
 * in, a private chat with a user who wrote to it, a channel or supergroup it is in or that is public.
 */
function readableChat(ctx: MethodContext): SendTarget {
  const chatId = ctx.params.chatId();
  const group = findGroup(ctx, chatId);
  if (group) {
    if (!inGroup(ctx, group)) throw BotApiError.chatNotFound();
    return { kind: 'group', group };
  }
  const target = resolveChat(ctx, chatId);
  if (target.kind === 'channel') requireVisible(ctx, target.channel);
  else if (!ctx.session.knownUsers.has(target.user.id)) throw BotApiError.chatNotFound();
  return target;
}

/** The message of the chat the bot reacts to; undefined when the chat has none of that id (or it was deleted). */
function reactedMessage(ctx: MethodContext, target: SendTarget, messageId: number): ReactedMessage | undefined {
  if (messageId <= 0 || !messageInChat(ctx, target, messageId)) return undefined;
  if (target.kind === 'channel') {
    const message = target.channel.messages.find((m) => m.id === messageId);
    return message && { kind: 'channel', channel: target.channel, message };
  }
  if (target.kind === 'group') {
    const message = target.group.messages.find((m) => m.id === messageId);
    return message && { kind: 'group', group: target.group, message };
  }
  const message = ctx.world.findPrivateMessage(messageId);
  return message && { kind: 'private', message };
}

/**
 * setMessageReaction: the bot's reactions on a message become those given (none: taken back). The parameters are
 * read first, then the chat and the message ("message to react not found"); Telegram then refuses an emoji outside
 * the standard set (REACTION_INVALID) and more than one reaction (REACTIONS_TOO_MANY: bots have no Premium).
 */
const setMessageReaction: Method = (ctx) => {
  const messageId = ctx.params.messageId();
  const isBig = ctx.params.boolean('is_big');
  const emoticons = readReactionTypes(ctx);
  const target = readableChat(ctx);
  const reacted = reactedMessage(ctx, target, messageId);
  if (!reacted) throw BotApiError.badRequest('message to react not found');
  try {
    setReactions(ctx.world, reacted, { kind: 'bot', id: ctx.session.bot.id }, emoticons, isBig);
  } catch (e) {
    if (e instanceof ReactionRefusedError) throw BotApiError.badRequest(e.code);
    throw e;
  }
  return ok(true);
};

export const REACTION_METHODS: Record<string, Method> = { setMessageReaction };

const reactionTypeJson = (emoji: string): Json => ({ type: 'emoji', emoji });

/** One update a change of reactions makes for one bot. */
export interface ReactionUpdate {
  botId: number;
  type: Extract<UpdateType, 'message_reaction' | 'message_reaction_count'>;
  payload: Json;
}

/**
 * The updates a change of reactions makes for bots. In a broadcast channel reactions are anonymous: its
 * administrator bots get the new counts (audience and real, `message_reaction_count`). Elsewhere a change made by a
 * user goes to the chat's administrator bots, and to the bot of a private chat, as `message_reaction`; a change made
 * by a bot is told to no bot (Telegram: "the update isn't received for reactions set by bots").
 */
export function reactionUpdates(world: SandboxWorld, e: MessageReactionsEvent): ReactionUpdate[] {
  const { target } = e;
  if (target.kind === 'channel' && !target.channel.megagroup) {
    const payload: Json = {
      chat: channelChatJson(target.channel),
      message_id: target.message.id,
      date: e.date,
      reactions: reactionCounts(world, target).map((r) => ({
        type: reactionTypeJson(r.emoticon),
        total_count: r.count,
      })),
    };
    return adminBots(target).map((botId) => ({ botId, type: 'message_reaction_count', payload }));
  }
  const user = e.reactor.kind === 'user' ? world.findUserById(e.reactor.id) : undefined;
  if (!user) return [];
  const chat =
    target.kind === 'channel'
      ? channelChatJson(target.channel)
      : target.kind === 'group'
        ? groupChatJson(target.group)
        : privateChatJson(user);
  const payload: Json = {
    chat,
    message_id: target.message.id,
    user: userJson(user),
    date: e.date,
    old_reaction: e.old.map(reactionTypeJson),
    new_reaction: e.now.map(reactionTypeJson),
  };
  return adminBots(target).map((botId) => ({ botId, type: 'message_reaction', payload }));
}

/** The bots that hear of reactions in the message's chat: its administrator bots; in a private chat, its bot. */
function adminBots(target: ReactedMessage): number[] {
  switch (target.kind) {
    case 'channel':
      return [...target.channel.members.values()].filter((m) => m.kind === 'bot' && m.admin).map((m) => m.id);
    case 'group':
      return target.group.bots.filter((b) => b.admin).map((b) => b.id);
    case 'private': {
      const { message } = target;
      if (message.fromKind === 'bot') return [message.fromId];
      return message.toKind === 'bot' ? [message.toId] : [];
    }
  }
}
