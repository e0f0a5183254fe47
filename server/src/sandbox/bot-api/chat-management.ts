import { isFileMedia, type PinChat, type SandboxEntity, type SandboxMessageMedia } from '../world';
import { writeLeft, writePinned } from '../service-messages';
import { chatPhotoJson } from './chat-photos';
import { BotApiError } from './bot-api-error';
import {
  botMember,
  channelMessageJson,
  findGroup,
  groupMessageJson,
  inGroup,
  type Method,
  type MethodContext,
  editedMessage,
  messageInChat,
  NOT_MODIFIED,
  notMember,
  ok,
  privateMessageJson,
  privateRepliedJson,
  readCaption,
  replyMarkupJson,
  requireConversation,
  requirePostRight,
  requireVisible,
  resolveChat,
  type SendTarget,
} from './bot-api-methods';
import {
  channelFullInfoJson,
  entitiesFromJson,
  groupFullInfoJson,
  type Json,
  privateFullInfoJson,
} from './serializers';

/**
 * Methods that change a chat's messages or the bot's place in it, beyond sending: editMessageCaption, pinning and
 * unpinning, leaveChat; and getChat, which shows the chat's `pinned_message`. Gathered by `method-table.ts`.
 */

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const sameEntities = (a: SandboxEntity[] | undefined, b: SandboxEntity[]): boolean => sameJson(a ?? [], b);

/** A chat a bot acts in: a private chat, a channel or supergroup, or a basic group (which must have the bot in it). */
function chatTarget(ctx: MethodContext, notIn: () => BotApiError, chatId = ctx.params.chatId()): SendTarget {
  const group = findGroup(ctx, chatId);
  if (group) {
    if (!inGroup(ctx, group)) throw notIn();
    return { kind: 'group', group };
  }
  return resolveChat(ctx, chatId);
}

function pinChatOf(ctx: MethodContext, target: SendTarget): PinChat {
  if (target.kind === 'channel') return { kind: 'channel', channel: target.channel };
  if (target.kind === 'group') return { kind: 'group', group: target.group };
  return { kind: 'private', userId: target.user.id, peerKind: 'bot', peerId: ctx.session.bot.id };
}

/** The bot as the sender of a service message. */
const bot = (ctx: MethodContext): { kind: 'bot'; id: number } => ({ kind: 'bot', id: ctx.session.bot.id });

// ---- editMessageCaption ----

/** Only a file has a caption: a message of text, or a location, venue, contact or dice roll, has none. */
const captioned = (media: SandboxMessageMedia | undefined): boolean => media !== undefined && isFileMedia(media);

const editMessageCaption: Method = (ctx) => {
  const { world, session } = ctx;
  // Read in the official server's order: the keyboard and the caption, then the chat and message.
  const replyMarkup = replyMarkupJson(ctx);
  // No caption takes the caption away.
  const caption = readCaption(ctx);
  const text = caption?.text ?? '';
  const entities = entitiesFromJson(caption?.entities ?? []);
  const named = editedMessage(ctx);
  const target = chatTarget(ctx, () => BotApiError.forbidden('bot is not a member of the group chat'), named.chatId);
  const { messageId } = named;
  const sameMarkup = (current: Json | undefined): boolean =>
    replyMarkup === undefined || sameJson(replyMarkup, current);
  const notFound = (): BotApiError => BotApiError.badRequest('message to edit not found');
  const cantEdit = (): BotApiError => BotApiError.badRequest("message can't be edited");
  const noCaption = (): BotApiError => BotApiError.badRequest('there is no caption in the message to edit');
  const notModified = (): BotApiError => BotApiError.badRequest(NOT_MODIFIED);

  if (target.kind === 'channel') {
    requirePostRight(ctx, target.channel);
    const message = target.channel.messages.find((m) => m.id === messageId && !m.deleted);
    if (!message) throw notFound();
    if (message.viaBotId !== session.bot.id || message.service) throw cantEdit();
    if (!captioned(message.media)) throw noCaption();
    if (message.text === text && sameEntities(message.entities, entities) && sameMarkup(message.replyMarkup)) {
      throw notModified();
    }
    const edited = world.editChannelMessage(target.channel.id, messageId, text, {
      editorBotId: session.bot.id,
      replyMarkup,
      entities,
    });
    return ok(channelMessageJson(world, target.channel, edited));
  }

  if (target.kind === 'group') {
    const message = target.group.messages.find((m) => m.id === messageId);
    if (!message) throw notFound();
    if (message.fromBotId !== session.bot.id || message.service) throw cantEdit();
    if (!captioned(message.media)) throw noCaption();
    // A basic group's messages carry no keyboard: only the caption can change.
    if (message.text === text && sameEntities(message.entities, entities)) throw notModified();
    const edited = world.editBasicGroupMessage(target.group.id, messageId, text, entities);
    return ok(groupMessageJson(world, target.group, edited));
  }

  requireConversation(ctx, target.user);
  if (!messageInChat(ctx, target, messageId)) throw notFound();
  const record = session.privateMessages.get(messageId);
  const stored = world.findPrivateMessage(messageId);
  // In the chat, but not the bot's own: the user wrote it.
  if (!record || !stored) throw cantEdit();
  if (!record.fileId) throw noCaption();
  if (stored.text === text && sameEntities(stored.entities, entities) && sameMarkup(record.replyMarkup)) {
    throw notModified();
  }
  // The world's message is what the user's apps show; the record is what the bot reads back.
  const edited = world.editPrivateMessageContent(messageId, text, entities);
  record.caption = text || undefined;
  record.entities = caption?.entities.length ? caption.entities : undefined;
  record.editDate = edited.editDate;
  if (replyMarkup !== undefined) record.replyMarkup = replyMarkup;
  return ok(privateMessageJson(world, session.bot, target.user, record, session.privateMessages));
};

// ---- pinning ----

const NO_PIN_RIGHTS = 'not enough rights to manage pinned messages in the chat';

/**
 * The chat whose pins the bot manages, checked as Telegram checks it: in a channel an administrator that may edit
 * messages, in a supergroup an administrator (who may pin); in a basic group or a private chat the bot may.
 */
function pinTarget(ctx: MethodContext): SendTarget {
  const target = chatTarget(ctx, () => BotApiError.chatNotFound());
  if (target.kind === 'channel') {
    requireVisible(ctx, target.channel);
    const member = botMember(ctx, target.channel);
    const allowed = target.channel.megagroup ? member?.admin : member?.admin && member.canPostMessages;
    if (!allowed) throw BotApiError.badRequest(NO_PIN_RIGHTS);
  } else if (target.kind === 'private') {
    requireConversation(ctx, target.user);
  }
  return target;
}

const pinChatMessage: Method = (ctx) => {
  const target = pinTarget(ctx);
  // A message_id that is absent, junk or not positive is a message not found, as the official server reads it.
  const messageId = ctx.params.messageId();
  if (messageId === 0 || !messageInChat(ctx, target, messageId))
    throw BotApiError.badRequest('message to pin not found');
  const changed = ctx.world.pinMessages(pinChatOf(ctx, target), [messageId], true, bot(ctx));
  // A private chat keeps no service messages in the sandbox; a group, supergroup or channel says who pinned what.
  if (changed.length && target.kind !== 'private') writePinned(ctx.world, target, bot(ctx), messageId);
  return ok(true);
};

const unpinChatMessage: Method = (ctx) => {
  const target = pinTarget(ctx);
  const chat = pinChatOf(ctx, target);
  // Without a message_id, the most recent pinned message (by sending date) goes.
  const given = ctx.params.messageId();
  const messageId = given > 0 ? given : pinnedIds(ctx, chat)[0];
  if (messageId === undefined || !messageInChat(ctx, target, messageId)) {
    throw BotApiError.badRequest('message to unpin not found');
  }
  ctx.world.pinMessages(chat, [messageId], false, bot(ctx));
  return ok(true);
};

const unpinAllChatMessages: Method = (ctx) => {
  const target = pinTarget(ctx);
  const chat = pinChatOf(ctx, target);
  ctx.world.pinMessages(chat, pinnedIds(ctx, chat), false, bot(ctx));
  return ok(true);
};

/** The chat's pinned messages the bot can see (a private message it deleted on its side is gone for it), newest first. */
function pinnedIds(ctx: MethodContext, chat: PinChat): number[] {
  const ids = ctx.world.pinnedMessageIds(chat);
  return chat.kind === 'private' ? ids.filter((id) => !ctx.session.deletedPrivateIds.has(id)) : ids;
}

/** getChat's `pinned_message`: the most recent pinned message (by sending date), without the message it answers. */
function withPinnedMessage(ctx: MethodContext, target: SendTarget, info: Json): Json {
  const { world, session } = ctx;
  const [id] = pinnedIds(ctx, pinChatOf(ctx, target));
  if (id === undefined) return info;
  let pinned: Json | undefined;
  if (target.kind === 'channel') {
    const message = target.channel.messages.find((m) => m.id === id);
    if (message) pinned = channelMessageJson(world, target.channel, message, true);
  } else if (target.kind === 'group') {
    const message = target.group.messages.find((m) => m.id === id);
    if (message) pinned = groupMessageJson(world, target.group, message, true);
  } else {
    // As nested in a reply: without the message it answers.
    pinned = privateRepliedJson(world, session.bot, target.user, id, session.privateMessages);
  }
  return pinned ? { ...info, pinned_message: pinned } : info;
}

// ---- leaving ----

const leaveChat: Method = (ctx) => {
  const { world, session } = ctx;
  const target = chatTarget(ctx, () => BotApiError.chatNotFound());
  if (target.kind === 'private') {
    throw BotApiError.badRequest("chat member status can't be changed in private chats");
  }
  if (target.kind === 'group') {
    writeLeft(world, target, bot(ctx), session.bot.id);
    world.removeBasicGroupBot(target.group.id, session.bot.id);
    return ok(true);
  }
  requireVisible(ctx, target.channel);
  if (!botMember(ctx, target.channel)) throw notMember(target.channel);
  writeLeft(world, target, bot(ctx), session.bot.id);
  world.removeMember(target.channel.id, 'bot', session.bot.id, true);
  return ok(true);
};

/**
 * getChat: the chat's full info, if the bot can see the chat (a group it is in, a user who wrote to it, a channel it
 * is in or a public one), with the chat's most recent pinned message as `pinned_message`.
 */
const getChat: Method = (ctx) => {
  const chatId = ctx.params.chatId();
  const group = findGroup(ctx, chatId);
  if (group) {
    // A group the bot is not in does not exist for it.
    if (!inGroup(ctx, group)) throw BotApiError.chatNotFound();
    return ok(
      withPinnedMessage(
        ctx,
        { kind: 'group', group },
        {
          ...groupFullInfoJson(group),
          ...chatPhotoJson(ctx.world, group.photo),
        },
      ),
    );
  }
  const target = resolveChat(ctx, chatId);
  if (target.kind === 'private') {
    if (!ctx.session.knownUsers.has(target.user.id)) throw BotApiError.chatNotFound();
    return ok(withPinnedMessage(ctx, target, privateFullInfoJson(target.user)));
  }
  requireVisible(ctx, target.channel);
  return ok(
    withPinnedMessage(ctx, target, {
      ...channelFullInfoJson(target.channel),
      ...chatPhotoJson(ctx.world, target.channel.photo),
    }),
  );
};

export const CHAT_MANAGEMENT_METHODS: Record<string, Method> = {
  editMessageCaption,
  pinChatMessage,
  unpinChatMessage,
  unpinAllChatMessages,
  leaveChat,
  getChat,
};
