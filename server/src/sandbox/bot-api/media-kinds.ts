import type { MediaAttributes, MediaKind } from '../media-kinds';
import { BotApiError } from './bot-api-error';
import { deliver, inputFile, type Method, ok, readCaption, resolveSendTarget } from './bot-api-methods';

/**
 * sendVideo, sendAudio, sendVoice and sendAnimation: a bot sends a file Telegram plays, with the attributes it
 * states (Bot API: duration, width and height, supports_streaming, performer and title). The file comes as the
 * other send methods take it (an upload, attach://, a file_id of the same kind, or an HTTP URL); a file_id sent
 * again keeps the attributes it was first sent with. The sandbox reads no video or audio headers, so what the bot
 * leaves out is 0. Thumbnails, cover, start_timestamp, has_spoiler and show_caption_above_media are taken and not
 * kept; disable_notification and protect_content have no effect, as with the other send methods.
 */

/** The attributes each method takes, by their Bot API parameter names. */
const FIELDS: Record<Exclude<MediaKind, 'photo' | 'document'>, readonly string[]> = {
  video: ['duration', 'width', 'height', 'supports_streaming'],
  audio: ['duration', 'performer', 'title'],
  voice: ['duration'],
  animation: ['duration', 'width', 'height'],
};

/** Telegram's attribute fields are 32-bit. */
const MAX_INT32 = 2 ** 31 - 1;
/** The longest performer or title Telegram keeps. */
const MAX_TAG = 255;

/**
 * A duration, width or height: an integer (numbers may arrive as text, as elsewhere on the Bot API), never below 0.
 * The official server's handling of a negative value is not documented; the sandbox refuses it rather than
 * storing a length no player can show.
 */
function attributeInteger(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw BotApiError.badRequest(`field "${name}" must be of type Integer`);
  if (n < 0 || n > MAX_INT32) throw BotApiError.badRequest(`field "${name}" must be a non-negative Integer`);
  return n;
}

function attributeString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).slice(0, MAX_TAG);
  if (typeof value !== 'string') throw BotApiError.badRequest(`field "${name}" must be of type String`);
  return value.trim().slice(0, MAX_TAG) || undefined;
}

const isTrue = (value: unknown): boolean =>
  value === true || value === 1 || (typeof value === 'string' && ['true', '1'].includes(value.toLowerCase()));

/**
 * The attributes a kind takes, read from a request's parameters or an InputMedia object (`get` gives a field's
 * raw value). Fields the kind does not take are not read.
 */
export function readMediaAttributes(kind: MediaKind, get: (name: string) => unknown): MediaAttributes {
  if (kind === 'photo' || kind === 'document') return {};
  const fields = FIELDS[kind];
  const attributes: MediaAttributes = { duration: attributeInteger(get('duration'), 'duration') ?? 0 };
  if (fields.includes('width')) {
    attributes.width = attributeInteger(get('width'), 'width') ?? 0;
    attributes.height = attributeInteger(get('height'), 'height') ?? 0;
  }
  if (fields.includes('supports_streaming') && isTrue(get('supports_streaming'))) attributes.supportsStreaming = true;
  if (fields.includes('performer')) {
    const performer = attributeString(get('performer'), 'performer');
    const title = attributeString(get('title'), 'title');
    if (performer !== undefined) attributes.performer = performer;
    if (title !== undefined) attributes.title = title;
  }
  return attributes;
}

function sendPlayableMethod(kind: Exclude<MediaKind, 'photo' | 'document'>, method: string): Method {
  return async (ctx) => {
    const target = resolveSendTarget(ctx);
    const caption = readCaption(ctx);
    const raw = (name: string): unknown => (ctx.params.has(name) ? ctx.params.string(name) : undefined);
    const attributes = readMediaAttributes(kind, raw);
    const file = await inputFile(ctx, kind, kind, attributes);
    return ok(deliver(ctx, target, { method, caption: caption?.text, entities: caption?.entities, file }));
  };
}

export const MEDIA_KIND_METHODS: Record<string, Method> = {
  sendVideo: sendPlayableMethod('video', 'sendVideo'),
  sendAudio: sendPlayableMethod('audio', 'sendAudio'),
  sendVoice: sendPlayableMethod('voice', 'sendVoice'),
  sendAnimation: sendPlayableMethod('animation', 'sendAnimation'),
};
