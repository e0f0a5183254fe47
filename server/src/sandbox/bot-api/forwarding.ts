import { channelMessageOrigin, groupMessageOrigin, privateMessageOrigin } from '../forward-origin';
import type { SandboxEntity, SandboxForwardOrigin, SandboxMessageMedia, SandboxUser } from '../world';
import { BotApiError } from './bot-api-error';
import {
  botMember,
  deliver,
  findGroup,
  inGroup,
  type Method,
  type MethodContext,
  messageIdParam,
  ok,
  type Outgoing,
  readCaption,
  resolveChat,
  resolveSendTarget,
} from './bot-api-methods';
import { entitiesFromJson, entitiesJson } from './serializers';

/**
 * forwardMessage and copyMessage: a bot sends again a message it can read (in its private chat with a user, a
 * channel or supergroup it is in or that is public, a basic group it is in) to a chat it may write to. A forward
 * shows where the message was first written (`forward_origin`, and `fwd_from` in members' apps); a copy is a new
 * message of the same content with no trace of the first.
 *
 * The world has no service messages and no protected content, so Telegram's refusals for those ("message can't be
 * forwarded", "message can't be copied") never arise from them.
 */

/** A message the bot can read, as forwarding and copying take it. */
interface SourceMessage {
  /** The text, or the media's caption. */
  text: string;
  media?: SandboxMessageMedia;
  entities?: SandboxEntity[];
  /** Where it was first written: the origin it was forwarded with, or its own chat and author. */
  origin: SandboxForwardOrigin;
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
  const origin = privateMessageOrigin(m);
  // The bot's own message reads as the bot last edited it.
  const own = fromBot ? session.privateMessages.get(messageId) : undefined;
  if (!own) return { text: m.text, media: m.media, entities: m.entities, origin };
  const entities = own.entities ? entitiesFromJson(own.entities) : undefined;
  return { text: own.text ?? own.caption ?? '', media: m.media, entities, origin };
}

/**
 * The message from_chat_id and message_id name, checked as Telegram checks it: a chat the bot cannot see is "chat
 * not found" (a user who never wrote to it, a private channel or a group it is not in); a message that is not
 * there, or was deleted, is `notFound`.
 */
function findSource(ctx: MethodContext, notFound: string): SourceMessage {
  const fromChatId = ctx.params.chatId('from_chat_id');
  const messageId = messageIdParam(ctx);
  const missing = (): BotApiError => BotApiError.badRequest(notFound);
  const group = findGroup(ctx, fromChatId);
  if (group) {
    if (!inGroup(ctx, group)) throw BotApiError.chatNotFound();
    const m = group.messages.find((x) => x.id === messageId);
    if (!m) throw missing();
    return { text: m.text, media: m.media, entities: m.entities, origin: groupMessageOrigin(m) };
  }
  const chat = resolveChat(ctx, fromChatId);
  if (chat.kind === 'private') {
    if (!ctx.session.knownUsers.has(chat.user.id)) throw BotApiError.chatNotFound();
    const found = privateSource(ctx, chat.user, messageId);
    if (!found) throw missing();
    return found;
  }
  const { channel } = chat;
  // A private channel the bot is not in does not exist for it; a public one anyone may read.
  if (!botMember(ctx, channel) && !channel.username) throw BotApiError.chatNotFound();
  const m = channel.messages.find((x) => x.id === messageId && !x.deleted);
  if (!m) throw missing();
  return {
    text: m.text,
    media: m.media,
    entities: m.entities,
    origin: channelMessageOrigin(channel, m),
    post: channel.megagroup ? undefined : { channelId: channel.id, messageId: m.id },
  };
}

/** The send that repeats a message's content: its file with the text as caption, or its text. */
function contentOf(ctx: MethodContext, method: string, source: SourceMessage, refusal: string): Outgoing {
  const entities = source.entities?.length ? entitiesJson(ctx.world, source.entities) : undefined;
  if (!source.media) return { method, text: source.text, entities };
  const file = ctx.world.files.get(source.media.fileId);
  if (!file) throw BotApiError.badRequest(refusal);
  return { method, caption: source.text || undefined, entities, file };
}

/** What sends take and forwardMessage does not: a forward answers no message and carries no keyboard. */
const NOT_FORWARD_PARAMS = ['reply_parameters', 'reply_to_message_id', 'reply_markup'];

const forwardMessage: Method = (given) => {
  const ctx: MethodContext = {
    world: given.world,
    session: given.session,
    params: given.params.without(...NOT_FORWARD_PARAMS),
    get signal() {
      return given.signal;
    },
  };
  const target = resolveSendTarget(ctx);
  const source = findSource(ctx, 'message to forward not found');
  // disable_notification and protect_content are taken: the sandbox has no notifications and no saving to refuse.
  const out = contentOf(ctx, 'forwardMessage', source, "message can't be forwarded");
  const sent = deliver(ctx, target, { ...out, forwardOrigin: source.origin });
  if (source.post) ctx.world.countForward(source.post.channelId, source.post.messageId);
  return ok(sent);
};

const copyMessage: Method = (ctx) => {
  const target = resolveSendTarget(ctx);
  const source = findSource(ctx, 'message to copy not found');
  const out = contentOf(ctx, 'copyMessage', source, "message can't be copied");
  if (out.file && ctx.params.string('caption') !== undefined) {
    // A new caption (with its parse_mode or caption_entities) replaces the media's; an empty one takes it away.
    const caption = readCaption(ctx);
    out.caption = caption?.text;
    out.entities = caption?.entities;
  }
  const sent = deliver(ctx, target, out);
  return ok({ message_id: sent.message_id });
};

export const FORWARDING_METHODS: Record<string, Method> = { forwardMessage, copyMessage };
