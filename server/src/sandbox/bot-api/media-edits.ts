import { mediaOfFile } from '../media-kinds';
import { isFileMedia, type SandboxEntity, type SandboxMessageMedia } from '../world';
import { BotApiError } from './bot-api-error';
import {
  channelMessageJson,
  editedMessage,
  findGroup,
  groupMessageJson,
  inGroup,
  inputFileRef,
  type Method,
  type MethodContext,
  messageInChat,
  NOT_MODIFIED,
  ok,
  privateMessageJson,
  replyMarkupJson,
  requireConversation,
  requirePostRight,
  resolveChat,
  type SendTarget,
} from './bot-api-methods';
import { INPUT_MEDIA, type InputMediaItem, readInputMedia } from './media-groups';
import { entitiesFromJson, type Json } from './serializers';

/**
 * editMessageMedia: a bot replaces the photo, video, animation, audio file or document of a message it sent (and
 * its caption, which the InputMedia carries: none takes it away), as Telegram does; members' apps are pushed the
 * edit and bots in the chat read it as an edited message, as for a caption edit. The refusals are the official
 * server's and TDLib's (`process_edit_message_media_query`, `MessagesManager::edit_message_media`). Inline messages
 * are not modelled: an inline_message_id is answered as one Telegram does not know.
 */

/** The media a message must have to be edited, and the types an InputMedia may give it. */
const EDITABLE_KINDS: readonly string[] = ['photo', 'video', 'animation', 'audio', 'document'];
/** What an album may hold, and the kinds that make an album of their own (TDLib: homogenous media groups). */
const ALBUM_KINDS: readonly string[] = ['photo', 'video', 'audio', 'document'];
const HOMOGENOUS_KINDS: readonly string[] = ['audio', 'document'];

/** The InputMedia, read before the chat as the official server reads it. */
function readMedia(ctx: MethodContext): InputMediaItem {
  if (!ctx.params.has('media')) throw BotApiError.badRequest('parameter "media" is required');
  let value: unknown;
  try {
    value = ctx.params.json('media');
  } catch {
    throw BotApiError.badRequest("can't parse input media JSON object");
  }
  return readInputMedia(ctx, value, EDITABLE_KINDS);
}

export interface Caption {
  text: string;
  entities: SandboxEntity[];
  entitiesJson: Json[];
}

/** The message's current state, wherever it is, and how to write the new one. */
export interface Edited {
  date: number;
  media?: SandboxMessageMedia;
  text: string;
  entities?: SandboxEntity[];
  replyMarkup?: Json;
  mediaGroupId?: string;
  /** Writes the new media and caption (`captionEntities` as the request gave them) and the message's JSON. */
  apply(media: SandboxMessageMedia, caption: Caption, markup: Json | undefined): Json;
}

function channelMessage(ctx: MethodContext, target: Extract<SendTarget, { kind: 'channel' }>, id: number): Edited {
  const { world, session } = ctx;
  requirePostRight(ctx, target.channel);
  const message = target.channel.messages.find((m) => m.id === id && !m.deleted);
  if (!message) throw BotApiError.badRequest('message to edit not found');
  if (message.viaBotId !== session.bot.id || message.service) throw BotApiError.badRequest("message can't be edited");
  return {
    ...message,
    replyMarkup: message.replyMarkup,
    apply: (media, caption, replyMarkup) =>
      channelMessageJson(
        world,
        target.channel,
        world.editChannelMessage(target.channel.id, id, caption.text, {
          editorBotId: session.bot.id,
          replyMarkup,
          entities: caption.entities,
          media,
        }),
      ),
  };
}

function groupMessage(ctx: MethodContext, target: Extract<SendTarget, { kind: 'group' }>, id: number): Edited {
  const { world, session } = ctx;
  const message = target.group.messages.find((m) => m.id === id);
  if (!message) throw BotApiError.badRequest('message to edit not found');
  if (message.fromBotId !== session.bot.id || message.service) throw BotApiError.badRequest("message can't be edited");
  // A basic group's messages carry no keyboard.
  return {
    ...message,
    replyMarkup: undefined,
    apply: (media, caption) =>
      groupMessageJson(
        world,
        target.group,
        world.editBasicGroupMessage(target.group.id, id, caption.text, caption.entities, media),
      ),
  };
}

function privateMessage(ctx: MethodContext, target: Extract<SendTarget, { kind: 'private' }>, id: number): Edited {
  const { world, session } = ctx;
  requireConversation(ctx, target.user);
  if (!messageInChat(ctx, target, id)) throw BotApiError.badRequest('message to edit not found');
  const record = session.privateMessages.get(id);
  const stored = world.findPrivateMessage(id);
  // In the chat, but not the bot's own: the user wrote it.
  if (!record || !stored) throw BotApiError.badRequest("message can't be edited");
  return {
    ...stored,
    replyMarkup: record.replyMarkup,
    apply: (media, caption, replyMarkup) => {
      // The world's message is what the user's apps show; the record is what the bot reads back.
      const edited = world.editPrivateMessageContent(id, caption.text, caption.entities, media);
      record.fileId = isFileMedia(media) ? media.fileId : undefined;
      record.caption = caption.text || undefined;
      record.text = undefined;
      record.entities = caption.entitiesJson.length ? caption.entitiesJson : undefined;
      record.editDate = edited.editDate;
      if (replyMarkup !== undefined) record.replyMarkup = replyMarkup;
      return privateMessageJson(world, session.bot, target.user, record, session.privateMessages);
    },
  };
}

/**
 * The message an edit names (chat_id and message_id; an inline_message_id is refused), checked as Telegram checks
 * an edit: there, the bot's own, and not a service message. Also used by the live location edits.
 */
export function editableMessage(ctx: MethodContext): Edited {
  const named = editedMessage(ctx);
  const group = findGroup(ctx, named.chatId);
  if (group) {
    if (!inGroup(ctx, group)) throw BotApiError.forbidden('bot is not a member of the group chat');
    return groupMessage(ctx, { kind: 'group', group }, named.messageId);
  }
  const target = resolveChat(ctx, named.chatId);
  return target.kind === 'channel'
    ? channelMessage(ctx, target, named.messageId)
    : privateMessage(ctx, target, named.messageId);
}

/**
 * TDLib's rules for a message of an album: its media may change type only to one an album holds, and neither the
 * old nor the new one may be a document or an audio file, which make albums of their own.
 */
function checkAlbum(oldKind: string, newKind: string): void {
  if (oldKind === newKind) return;
  if (!ALBUM_KINDS.includes(newKind)) throw BotApiError.badRequest("message content type can't be used in an album");
  if (HOMOGENOUS_KINDS.includes(oldKind) || HOMOGENOUS_KINDS.includes(newKind)) {
    throw BotApiError.badRequest("can't change media type in the album");
  }
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const editMessageMedia: Method = async (ctx) => {
  // In the official server's order: the keyboard and the media, then the chat and the message.
  const replyMarkup = replyMarkupJson(ctx);
  const item = readMedia(ctx);
  const message = editableMessage(ctx);
  const old = message.media;
  if (!old || !isFileMedia(old) || !EDITABLE_KINDS.includes(old.kind)) {
    throw BotApiError.badRequest('there is no media in the message to edit');
  }
  const file = await inputFileRef(ctx, item.ref, item.kind, `${INPUT_MEDIA}media not found`, item.attributes);
  if (message.mediaGroupId) checkAlbum(old.kind, item.kind);
  const text = item.caption?.text ?? '';
  const entitiesJson = item.caption?.entities ?? [];
  const entities = entitiesFromJson(entitiesJson);
  const sameMarkup = replyMarkup === undefined || sameJson(replyMarkup, message.replyMarkup);
  if (old.fileId === file.fileId && message.text === text && sameJson(message.entities ?? [], entities) && sameMarkup) {
    throw BotApiError.badRequest(NOT_MODIFIED);
  }
  return ok(message.apply(mediaOfFile(file), { text, entities, entitiesJson }, replyMarkup));
};

export const MEDIA_EDIT_METHODS: Record<string, Method> = { editMessageMedia };
