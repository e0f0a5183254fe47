import { channelMessageOrigin, type Forwarder, groupMessageOrigin, privateMessageOrigin } from '../forward-origin';
import { isPoll, pollSentAgain } from '../polls';
import {
  isFileMedia,
  type SandboxEntity,
  type SandboxForwardOrigin,
  type SandboxMessageMedia,
  type SandboxUser,
} from '../world';
import { BotApiError } from './bot-api-error';
import {
  botMember,
  deliver,
  findGroup,
  inGroup,
  type Method,
  type MethodContext,
  ok,
  type Outgoing,
  readCaption,
  resolveChat,
  resolveSendTarget,
  type SendTarget,
} from './bot-api-methods';
import type { FormattedText } from './parse-mode';
import { requireSendRight } from './send-rights';
import { entitiesJson, type Json } from './serializers';

/**
 * forwardMessage and copyMessage, and their plural forwardMessages and copyMessages (Bot API 7.0): a bot sends again
 * messages it can read (in its private chat with a user, a channel or supergroup it is in or that is public, a basic
 * group it is in) to a chat it may write to. A forward shows where the message was first written (`forward_origin`,
 * and `fwd_from` in members' apps); a copy is a new message of the same content with no trace of the first.
 *
 * A protected message (sent with protect_content, or in a chat that restricts saving content) is refused as Telegram
 * refuses it: "message can't be forwarded" / "message can't be copied"; the plural methods pass over it as over a
 * message that is not there (TDLib forwards what it may of a batch).
 */

/** A message the bot can read, as forwarding and copying take it. */
interface SourceMessage {
  /** The text, or the media's caption. */
  text: string;
  media?: SandboxMessageMedia;
  entities?: SandboxEntity[];
  /** Where it was first written: the origin it was forwarded with, or its own chat and author. */
  origin: SandboxForwardOrigin;
  /** Protected from forwarding and saving, by its sender or its chat. */
  noForwards: boolean;
  /** A broadcast channel's post: a forward of it counts in its `forwards`. */
  post?: { channelId: number; messageId: number };
}

/** A message of the bot's private chat with the user: one either of them wrote and the bot has not deleted. */
function privateSource(ctx: MethodContext, user: SandboxUser, messageId: number): SourceMessage | undefined {
  const { world, session } = ctx;
  if (session.deletedPrivateIds.has(messageId)) return undefined;
  const m = world.findPrivateMessage(messageId);
  if (!m) return undefined;
  const fromUser = m.fromKind === 'user' && m.fromId === user.id && m.toKind === 'bot' && m.toId === session.bot.id;
  const fromBot = m.fromKind === 'bot' && m.fromId === session.bot.id && m.toKind === 'user' && m.toId === user.id;
  if (!fromUser && !fromBot) return undefined;
  // The bot's edits of its own text and captions are the world's message's too, so it reads as last edited.
  return {
    text: m.text,
    media: m.media,
    entities: m.entities,
    origin: privateMessageOrigin(forwarder(ctx), m),
    noForwards: m.noForwards === true,
  };
}

/** The bot forwarding, for its authors' forwards privacy. */
function forwarder(ctx: MethodContext): Forwarder {
  return { world: ctx.world, id: ctx.session.bot.id };
}

/** Reads the messages of one source chat: a message that is not there (or was deleted) is undefined. */
type SourceReader = (messageId: number) => SourceMessage | undefined;

/**
 * The chat from_chat_id names, checked as Telegram checks it: a chat the bot cannot see is "chat not found" (a user
 * who never wrote to it, a private channel or a group it is not in).
 */
function sourceChat(ctx: MethodContext): SourceReader {
  ctx.params.required('from_chat_id');
  const fromChatId = ctx.params.chatId('from_chat_id');
  const group = findGroup(ctx, fromChatId);
  if (group) {
    if (!inGroup(ctx, group)) throw BotApiError.chatNotFound();
    return (messageId) => {
      const m = group.messages.find((x) => x.id === messageId);
      return (
        m && {
          text: m.text,
          media: m.media,
          entities: m.entities,
          origin: groupMessageOrigin(forwarder(ctx), m),
          // A service message ("… joined the group") can be neither forwarded nor copied.
          noForwards: m.noForwards === true || group.noForwards === true || m.service !== undefined,
        }
      );
    };
  }
  const chat = resolveChat(ctx, fromChatId);
  if (chat.kind === 'private') {
    if (!ctx.session.knownUsers.has(chat.user.id)) throw BotApiError.chatNotFound();
    return (messageId) => privateSource(ctx, chat.user, messageId);
  }
  const { channel } = chat;
  // A private channel the bot is not in does not exist for it; a public one anyone may read.
  if (!botMember(ctx, channel) && !channel.username) throw BotApiError.chatNotFound();
  return (messageId) => {
    const m = channel.messages.find((x) => x.id === messageId && !x.deleted);
    if (!m) return undefined;
    return {
      text: m.text,
      media: m.media,
      entities: m.entities,
      origin: channelMessageOrigin(forwarder(ctx), channel, m),
      noForwards: m.noForwards === true || channel.noForwards === true || m.service !== undefined,
      post: channel.megagroup ? undefined : { channelId: channel.id, messageId: m.id },
    };
  };
}

/** How a message is sent again. */
interface Resend {
  method: 'forwardMessage' | 'forwardMessages' | 'copyMessage' | 'copyMessages';
  /** A copy is the bot's own new message, with no trace of the first; a forward names where it was written. */
  copy: boolean;
  /** For a copy of a media: the caption that replaces the media's (`null` takes it away). */
  caption?: FormattedText | null;
}

/**
 * Sends one message again to the target, as every forward and copy method does: the same text or file and
 * caption; a forward carries its origin and counts on a broadcast post.
 */
function resend(ctx: MethodContext, target: SendTarget, source: SourceMessage, how: Resend): Json {
  if (source.noForwards)
    throw BotApiError.badRequest(how.copy ? "message can't be copied" : "message can't be forwarded");
  const entities = source.entities?.length ? entitiesJson(ctx.world, source.entities) : undefined;
  let out: Outgoing = { method: how.method, text: source.text, entities };
  if (source.media && !isFileMedia(source.media)) {
    // A forward shows the poll itself; a copy is a new poll of the same question, the copying bot's (polls.ts).
    const plain =
      isPoll(source.media) && how.copy
        ? pollSentAgain(source.media, ctx.session.bot.id, ctx.world.unixNow())
        : source.media;
    out = { method: how.method, plain };
  } else if (source.media) {
    const file = ctx.world.files.get(source.media.fileId);
    if (!file) throw BotApiError.badRequest(how.copy ? "message can't be copied" : "message can't be forwarded");
    out = { method: how.method, caption: source.text || undefined, entities, file };
    if (how.copy && how.caption !== undefined) {
      out.caption = how.caption?.text;
      out.entities = how.caption?.entities;
    }
  }
  if (how.copy) return deliver(ctx, target, out);
  const sent = deliver(ctx, target, { ...out, forwardOrigin: source.origin });
  if (source.post) ctx.world.countForward(source.post.channelId, source.post.messageId);
  return sent;
}

/** The call without the parameters a method does not take, so they are not read. */
function withoutParams(given: MethodContext, names: string[]): MethodContext {
  return {
    world: given.world,
    session: given.session,
    params: given.params.without(...names),
    get signal() {
      return given.signal;
    },
  };
}

/** What sends take and forwardMessage does not: a forward answers no message and carries no keyboard. */
const NOT_FORWARD_PARAMS = ['reply_parameters', 'reply_to_message_id', 'reply_markup'];
/** forwardMessages and copyMessages answer no message and carry no keyboard or new caption. */
const NOT_PLURAL_PARAMS = [...NOT_FORWARD_PARAMS, 'caption', 'parse_mode', 'caption_entities'];

// protect_content protects the new messages (deliver reads it); disable_notification is taken and has no effect (the
// sandbox has no notifications). message_thread_id puts the message into a forum topic (deliver reads it).

/**
 * The message a forward or copy takes, found as the official server finds it before it looks at the target chat:
 * from_chat_id is required, and a message_id that is absent, junk or not positive is a message not found.
 */
function sourceMessage(ctx: MethodContext, notFound: string): SourceMessage {
  const read = sourceChat(ctx);
  const messageId = ctx.params.messageId();
  const source = messageId > 0 ? read(messageId) : undefined;
  if (!source) throw BotApiError.badRequest(notFound);
  return source;
}

const forwardMessage: Method = (given) => {
  const ctx = withoutParams(given, NOT_FORWARD_PARAMS);
  const source = sourceMessage(ctx, 'message to forward not found');
  const target = resolveSendTarget(ctx);
  return ok(resend(ctx, target, source, { method: 'forwardMessage', copy: false }));
};

const copyMessage: Method = (ctx) => {
  // A new caption (with its parse_mode or caption_entities) replaces the media's; an empty one takes it away.
  const caption = ctx.params.string('caption') !== undefined ? (readCaption(ctx) ?? null) : undefined;
  const source = sourceMessage(ctx, 'message to copy not found');
  const target = resolveSendTarget(ctx);
  const sent = resend(ctx, target, source, { method: 'copyMessage', copy: true, caption });
  return ok({ message_id: sent.message_id });
};

/** forwardMessages, copyMessages and deleteMessages take at most 100 messages at a time. */
const MAX_MESSAGE_IDS = 100;

/**
 * message_ids as the Bot API reads it: a JSON array of 1 to 100 positive ids, each a number or its digits. The
 * refusals are worded as the Bot API server words them (tdlib/telegram-bot-api, `Client::get_message_ids`).
 */
export function messageIdsParam(ctx: MethodContext): number[] {
  const notSpecified = BotApiError.badRequest('message identifiers are not specified');
  if (!ctx.params.has('message_ids')) throw notSpecified;
  const value = ctx.params.json('message_ids');
  if (!Array.isArray(value)) throw BotApiError.badRequest('expected an Array of message identifiers');
  if (value.length > MAX_MESSAGE_IDS) throw BotApiError.badRequest('too many message identifiers specified');
  if (value.length === 0) throw notSpecified;
  return value.map((v: unknown) => {
    if (typeof v !== 'number' && typeof v !== 'string') {
      throw BotApiError.badRequest('message identifier must be a Number');
    }
    const id = typeof v === 'number' ? v : /^-?\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(id) || Math.abs(id) > 2 ** 31 - 1) {
      throw BotApiError.badRequest("can't parse message identifier as a Number");
    }
    if (id <= 0) throw BotApiError.badRequest('invalid message identifier specified');
    return id;
  });
}

/**
 * forwardMessages and copyMessages: the messages of message_ids found in the source chat, each sent again as the
 * single method sends it, in order; those not there are skipped. As Telegram (TDLib's forward_messages), a call that
 * finds none of them is refused, and so is one whose found ids are not in strictly increasing order, before anything
 * is sent. copyMessages is refused in the same words: Telegram copies with the same call that forwards.
 */
function resendMany(method: 'forwardMessages' | 'copyMessages'): Method {
  return (given) => {
    const ctx = withoutParams(given, NOT_PLURAL_PARAMS);
    // In the official server's order: from_chat_id, message_ids, the target chat, then the source chat.
    ctx.params.required('from_chat_id');
    const ids = messageIdsParam(ctx);
    const target = resolveSendTarget(ctx);
    const read = sourceChat(ctx);
    const found = ids.flatMap((id) => {
      const source = read(id);
      return source && !source.noForwards ? [{ id, source }] : [];
    });
    if (found.length === 0) throw BotApiError.badRequest('there are no messages to forward');
    if (found.some((f, i) => i > 0 && f.id <= (found[i - 1]?.id ?? 0))) {
      throw BotApiError.badRequest('message identifiers must be in a strictly increasing order');
    }
    // None is sent when the bot may not send one of them.
    if (target.kind === 'channel') {
      for (const f of found) requireSendRight(ctx.world, ctx.session.bot.id, target.channel, f.source.media);
    }
    const copy = method === 'copyMessages';
    // remove_caption drops the media's captions; otherwise each copy keeps its own.
    const caption = copy && ctx.params.boolean('remove_caption') ? null : undefined;
    const sent = found.map((f) => resend(ctx, target, f.source, { method, copy, caption }));
    return ok(sent.map((m) => ({ message_id: m.message_id })));
  };
}

export const FORWARDING_METHODS: Record<string, Method> = {
  forwardMessage,
  copyMessage,
  forwardMessages: resendMany('forwardMessages'),
  copyMessages: resendMany('copyMessages'),
};
