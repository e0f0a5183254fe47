import { randomBytes } from 'node:crypto';
import { type MediaAttributes, mediaOfFile } from '../media-kinds';
import type { SandboxFile } from '../world';
import { BotApiError } from './bot-api-error';
import {
  deliver,
  formatCaption,
  inputFileRef,
  type Method,
  type MethodContext,
  ok,
  resolveSendTarget,
} from './bot-api-methods';
import { readMediaAttributes } from './media-kinds';
import { requireSendRight } from './send-rights';
import type { FormattedText } from './parse-mode';
import type { Json } from './serializers';

/**
 * sendMediaGroup: a bot sends an album of 2-10 photos and videos, or of 2-10 documents, or of 2-10 audio files
 * (Bot API: documents and audio files group only with their own kind).
 * Each item becomes its own message with its own caption, in order, all sharing one `media_group_id` (the
 * `grouped_id` members' apps see). protect_content protects every message of the album; the sandbox models no
 * notifications, so disable_notification is taken and has no effect.
 *
 * The refusals read as the official Bot API server and TDLib word them as far as known ("can't parse media JSON
 * object", "expected an Array of InputMedia", "can't parse InputMedia: ..."); the counts' wording is the sandbox's
 * own, in the style of this door's other refusals.
 */

const MIN_ITEMS = 2;
const MAX_ITEMS = 10;
export const INPUT_MEDIA = "can't parse InputMedia: ";

/** The InputMedia types an album takes. */
type AlbumKind = 'photo' | 'video' | 'document' | 'audio';
const ALBUM_KINDS: readonly string[] = ['photo', 'video', 'document', 'audio'];

/** One InputMedia (photo, video, animation, document or audio) as the request names it. */
export interface InputMediaItem {
  kind: AlbumKind | 'animation';
  ref: string;
  caption?: FormattedText;
  /** A video's or an audio file's duration, size and tags. */
  attributes: MediaAttributes;
}

/** One InputMedia of the request, of one of `kinds` (an album's by default; editMessageMedia also takes an animation). */
export function readInputMedia(ctx: MethodContext, value: unknown, kinds = ALBUM_KINDS): InputMediaItem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw BotApiError.badRequest(`${INPUT_MEDIA}expected an Object`);
  }
  const { type, media, caption, parse_mode: parseMode, caption_entities: entities } = value as Json;
  if (typeof type !== 'string') throw BotApiError.badRequest(`${INPUT_MEDIA}Can't find field "type"`);
  if (!kinds.includes(type)) throw BotApiError.badRequest(`${INPUT_MEDIA}type "${type}" is unsupported`);
  const kind = type as InputMediaItem['kind'];
  const ref = typeof media === 'string' ? media.trim() : '';
  // An attach:// naming no part of the request is refused before any file of the album is stored.
  if (!ref || (ref.startsWith('attach://') && !ctx.params.file(ref.slice('attach://'.length)))) {
    throw BotApiError.badRequest(`${INPUT_MEDIA}media not found`);
  }
  const text = typeof caption === 'string' ? caption : undefined;
  return {
    kind,
    ref,
    attributes: readMediaAttributes(kind, (name) => (value as Json)[name], 'input-media'),
    caption:
      text === undefined
        ? undefined
        : formatCaption(text, typeof parseMode === 'string' ? parseMode : undefined, entities),
  };
}

/** The album's items as the request gives them, read as the official server reads them before it looks at the chat. */
function readAlbum(ctx: MethodContext): InputMediaItem[] {
  if (!ctx.params.has('media')) throw BotApiError.badRequest('parameter "media" is required');
  const value = ctx.params.json('media');
  if (!Array.isArray(value)) throw BotApiError.badRequest('expected an Array of InputMedia');
  return value.map((v) => readInputMedia(ctx, v));
}

/**
 * The album checked as a whole, after the chat: its number of items, and documents or audio files only with their
 * own kind.
 */
function checkAlbum(items: InputMediaItem[]): InputMediaItem[] {
  if (items.length < MIN_ITEMS) throw BotApiError.badRequest('an album must have at least 2 media');
  if (items.length > MAX_ITEMS) throw BotApiError.badRequest('too many messages to send as an album');
  const kinds = new Set(items.map((i) => i.kind));
  for (const alone of ['document', 'audio'] as const) {
    if (kinds.has(alone) && kinds.size > 1)
      throw BotApiError.badRequest(`${alone} can't be mixed with other media types`);
  }
  return items;
}

/** A fresh album id: a positive 64-bit number in decimal, as Telegram's media_group_id is. */
function newMediaGroupId(): string {
  return (randomBytes(8).readBigUInt64BE() >> 1n || 1n).toString();
}

export const MEDIA_GROUP_METHODS: Record<string, Method> = {
  sendMediaGroup: async (call) => {
    // An album takes no keyboard: Telegram drops a reply_markup sent with it.
    const ctx: MethodContext = { ...call, params: call.params.without('reply_markup') };
    const parsed = readAlbum(ctx);
    const target = resolveSendTarget(ctx);
    const items = checkAlbum(parsed);
    const files: SandboxFile[] = [];
    for (const item of items) {
      files.push(await inputFileRef(ctx, item.ref, item.kind, `${INPUT_MEDIA}media not found`, item.attributes));
    }
    // The whole album is refused when the bot may not send one of its kinds: nothing of it is sent.
    if (target.kind === 'channel') {
      for (const file of files) requireSendRight(ctx.world, ctx.session.bot.id, target.channel, mediaOfFile(file));
    }
    const mediaGroupId = newMediaGroupId();
    const sent = items.map((item, i) =>
      deliver(ctx, target, {
        method: 'sendMediaGroup',
        caption: item.caption?.text,
        entities: item.caption?.entities,
        file: files[i],
        mediaGroupId,
      }),
    );
    return ok(sent);
  },
};
