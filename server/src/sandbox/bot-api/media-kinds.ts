import type { MediaAttributes, MediaKind } from '../media-kinds';
import { BotApiError } from './bot-api-error';
import { leadingInteger, paramText } from './params';
import { deliver, inputFile, type Method, ok, readCaption, resolveSendTarget } from './bot-api-methods';

/**
 * sendVideo, sendAudio, sendVoice and sendAnimation: a bot sends a file Telegram plays, with the attributes it
 * states (Bot API: duration, width and height, supports_streaming, performer and title). The file comes as the
 * other send methods take it (an upload, attach://, a file_id of the same kind, or an HTTP URL); a file_id sent
 * again keeps the attributes it was first sent with. The sandbox reads no video or audio headers, so what the bot
 * leaves out is 0. Thumbnails, cover, start_timestamp, has_spoiler and show_caption_above_media are taken and not
 * kept; protect_content protects the message and disable_notification has no effect, as with the other send methods.
 */

/** The attributes each method takes, by their Bot API parameter names. */
const FIELDS: Record<Exclude<MediaKind, 'photo' | 'document' | 'sticker'>, readonly string[]> = {
  video: ['duration', 'width', 'height', 'supports_streaming'],
  audio: ['duration', 'performer', 'title'],
  voice: ['duration'],
  animation: ['duration', 'width', 'height'],
  video_note: ['duration', 'length'],
};

/** The Bot API server's bounds: durations up to a day, sides up to 10,000 pixels; values outside are clamped. */
const MAX_DURATION = 24 * 60 * 60;
const MAX_SIDE = 10_000;
/** A round video's largest diameter: TDLib keeps `length` within 640 (as recalled from TDLib, not checked). */
const MAX_VIDEO_NOTE_LENGTH = 640;
/** The longest performer or title Telegram keeps. */
const MAX_TAG = 255;

/** Where the attributes come from: a method's own parameters, or an InputMedia object of sendMediaGroup. */
export type AttributeSource = 'parameters' | 'input-media';

/**
 * A duration, width or height, read as the official Bot API server reads it and clamped to its bounds (a negative
 * value becomes 0, it is not refused). A method's parameters are read as text: the leading integer counts and
 * anything else is 0. An InputMedia object's field must be a number or a numeric string.
 */
function attributeInteger(value: unknown, name: string, max: number, source: AttributeSource): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let n: number;
  if (typeof value === 'number' && Number.isFinite(value)) n = Math.trunc(value);
  else if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) n = Number(value.trim());
  // The official server's JSON reader words this refusal; sendMediaGroup puts it after "can't parse InputMedia: ".
  else if (source === 'input-media') {
    throw BotApiError.badRequest(`can't parse InputMedia: Field "${name}" must be of type Number`);
  } else n = leadingInteger(paramText(value), 32);
  return Math.min(Math.max(n, 0), max);
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
export function readMediaAttributes(
  kind: MediaKind,
  get: (name: string) => unknown,
  source: AttributeSource,
): MediaAttributes {
  if (kind === 'photo' || kind === 'document' || kind === 'sticker') return {};
  const fields = FIELDS[kind];
  const int = (name: string, max: number) => attributeInteger(get(name), name, max, source) ?? 0;
  const attributes: MediaAttributes = { duration: int('duration', MAX_DURATION) };
  if (fields.includes('width')) {
    attributes.width = int('width', MAX_SIDE);
    attributes.height = int('height', MAX_SIDE);
  }
  if (fields.includes('length')) {
    const length = Math.min(int('length', MAX_SIDE), MAX_VIDEO_NOTE_LENGTH);
    attributes.width = length;
    attributes.height = length;
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

function sendPlayableMethod(kind: Exclude<MediaKind, 'photo' | 'document' | 'sticker'>, method: string): Method {
  return async (ctx) => {
    const target = resolveSendTarget(ctx);
    const caption = readCaption(ctx);
    const raw = (name: string): unknown => (ctx.params.has(name) ? ctx.params.string(name) : undefined);
    const attributes = readMediaAttributes(kind, raw, 'parameters');
    const file = await inputFile(ctx, kind, kind, attributes);
    return ok(deliver(ctx, target, { method, caption: caption?.text, entities: caption?.entities, file }));
  };
}

/**
 * sendVideoNote: a round video, as an upload or a file_id (no caption; `length` its diameter, `duration`). Telegram
 * does not fetch a video note from a URL (Bot API docs: "Sending video notes by a URL is currently unsupported").
 */
const sendVideoNote: Method = async (ctx) => {
  const ref = ctx.params.file('video_note') ? undefined : ctx.params.string('video_note')?.trim();
  if (!ctx.params.file('video_note') && !ref) throw BotApiError.badRequest('There is no video note in the request');
  // The refusal of a URL as TDLib answers a remote file it will not fetch for this kind (wording not checked).
  if (ref && /^https?:\/\//i.test(ref)) throw BotApiError.badRequest('wrong file identifier/HTTP URL specified');
  const target = resolveSendTarget(ctx);
  const raw = (name: string): unknown => (ctx.params.has(name) ? ctx.params.string(name) : undefined);
  const attributes = readMediaAttributes('video_note', raw, 'parameters');
  const file = await inputFile(ctx, 'video_note', 'video_note', attributes);
  return ok(deliver(ctx, target, { method: 'sendVideoNote', file }));
};

export const MEDIA_KIND_METHODS: Record<string, Method> = {
  sendVideo: sendPlayableMethod('video', 'sendVideo'),
  sendAudio: sendPlayableMethod('audio', 'sendAudio'),
  sendVoice: sendPlayableMethod('voice', 'sendVoice'),
  sendAnimation: sendPlayableMethod('animation', 'sendAnimation'),
  sendVideoNote,
};
