import { stickerMediaJson } from '../media-kinds';
import {
  addStickerToSet,
  createStickerSet,
  deleteStickerSet,
  MAX_STICKER_EMOJI,
  moveStickerInSet,
  type NewSticker,
  removeStickerFromSet,
  requireOwnSet,
  requireStickerSet,
  setStickerEmojis,
  setStickerSetTitle,
  StickerError,
  stickersOfSet,
} from '../stickers';
import type { SandboxFile, SandboxStickerSet, StickerInfo } from '../world';
import { BotApiError } from './bot-api-error';
import {
  deliver,
  inputFile,
  inputFileRef,
  type Method,
  type MethodContext,
  ok,
  requireInputFile,
  resolveSendTarget,
  parseJsonParam,
} from './bot-api-methods';
import { storeStickerFile } from './sticker-files';

/**
 * Stickers on the Bot API: sendSticker (an upload, whose format is told from its bytes, a file_id or an HTTP URL),
 * and the sticker sets a bot makes for its users (uploadStickerFile, createNewStickerSet, addStickerToSet,
 * getStickerSet, setStickerPositionInSet, deleteStickerFromSet, setStickerSetTitle, setStickerEmojiList,
 * deleteStickerSet). Regular stickers only: masks, custom emoji, keywords and thumbnails are not modelled.
 */

type Json = Record<string, unknown>;

/** TDLib's words for Telegram's sticker errors (Client.cpp); the others go out as Telegram names them. */
const WORDING: Record<string, string> = {
  PACK_SHORT_NAME_INVALID: 'invalid sticker set name is specified',
  PACK_SHORT_NAME_OCCUPIED: 'sticker set name is already occupied',
  STICKER_EMOJI_INVALID: 'invalid sticker emojis',
};

/** Runs a sticker set operation, its refusal worded as the Bot API words it. */
function run<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof StickerError) throw BotApiError.badRequest(WORDING[err.code] ?? err.code);
    throw err;
  }
}

/** The user a set is for: one the sandbox knows ("user not found" otherwise, as check_user answers). */
function ownerUser(ctx: MethodContext): number {
  const userId = ctx.params.userId();
  if (!ctx.world.findUserById(userId)) throw BotApiError.badRequest('user not found');
  return userId;
}

function stickerFormat(raw: string): StickerInfo['format'] | undefined {
  if (raw === 'static' || raw === 'animated' || raw === 'video') return raw;
  if (raw === 'auto') return undefined;
  throw BotApiError.badRequest('Invalid sticker format specified');
}

/** An emoji list as TDLib reads one (`get_sticker_emojis`); `prefix` names where it was read. */
function emojiList(value: unknown, prefix: string): string[] {
  const fail = (why: string): never => {
    throw BotApiError.badRequest(`${prefix}${why}`);
  };
  if (!Array.isArray(value)) return fail('expected an Array of string');
  if (value.length === 0) return fail('emoji list must be non-empty');
  if (value.length > MAX_STICKER_EMOJI) return fail('too many emoji specified');
  return value.map((e) => {
    if (typeof e !== 'string') return fail('emoji must be a string');
    if (!/^\p{Extended_Pictographic}|^\p{Regional_Indicator}|^[#*0-9]\uFE0F?\u20E3/u.test(e)) {
      return fail('expected a Unicode emoji');
    }
    return e;
  });
}

/**
 * The file of an InputSticker: an attach:// upload (its format checked against the one declared), a file_id of a
 * sticker file already on the server, or an HTTP URL; "sticker not found" when it names none.
 */
async function inputStickerFile(
  ctx: MethodContext,
  ref: string,
  format: StickerInfo['format'] | undefined,
  prefix: string,
): Promise<SandboxFile> {
  if (!ref) throw BotApiError.badRequest(`${prefix}sticker not found`);
  if (ref.startsWith('attach://')) {
    const attached = ctx.params.file(ref.slice('attach://'.length));
    if (!attached) throw BotApiError.badRequest(`${prefix}sticker not found`);
    return storeStickerFile(ctx.world, attached.data, ctx.session.bot.id, format);
  }
  const file = await inputFileRef(ctx, ref, 'sticker', `${prefix}sticker not found`);
  const notOfFormat = storeCheck(file, format);
  if (notOfFormat) throw BotApiError.badRequest(notOfFormat);
  return file;
}

/** Telegram's refusal of a sticker file that is not of the declared format; undefined when it is. */
function storeCheck(file: SandboxFile, format: StickerInfo['format'] | undefined): string | undefined {
  if (format === undefined || file.sticker?.format === format) return undefined;
  return { static: 'STICKER_PNG_NOPNG', animated: 'STICKER_TGS_NOTGS', video: 'STICKER_VIDEO_NOWEBM' }[format];
}

/** One InputSticker object; `defaultFormat` the method's (createNewStickerSet's sticker_format, or "auto"). */
async function readInputSticker(
  ctx: MethodContext,
  value: unknown,
  defaultFormat: string,
  prefix: string,
): Promise<NewSticker> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw BotApiError.badRequest(`${prefix}InputSticker must be an Object`);
  }
  const o = value as Json;
  const formatText = typeof o.format === 'string' && o.format ? o.format : defaultFormat;
  // wording guessed: TDLib's JSON reader on a missing required field.
  if (!formatText) throw BotApiError.badRequest(`${prefix}Can't find field "format"`);
  const format = stickerFormatInObject(formatText, prefix);
  if (!('emoji_list' in o)) throw BotApiError.badRequest(`${prefix}Can't find field "emoji_list"`);
  const emojis = emojiList(o.emoji_list, prefix);
  const file = await inputStickerFile(ctx, typeof o.sticker === 'string' ? o.sticker.trim() : '', format, prefix);
  return { file, emojis };
}

function stickerFormatInObject(text: string, prefix: string): StickerInfo['format'] | undefined {
  try {
    return stickerFormat(text);
  } catch {
    throw BotApiError.badRequest(`${prefix}Invalid sticker format specified`);
  }
}

/** A set as the Bot API shows it (`StickerSet`). */
export function stickerSetJson(ctx: MethodContext, set: SandboxStickerSet): Json {
  return {
    name: set.name,
    title: set.title,
    sticker_type: 'regular',
    contains_masks: false,
    stickers: stickersOfSet(ctx.world, set).map((f) => stickerMediaJson(f).sticker),
  };
}

/** The sticker a set method names by file_id ("Sticker is not specified" when empty, as get_sticker_input_file). */
function namedSticker(ctx: MethodContext): string {
  const fileId = ctx.params.text('sticker').trim();
  if (!fileId) throw BotApiError.badRequest('Sticker is not specified');
  if (!ctx.world.files.has(fileId)) throw BotApiError.badRequest('wrong file identifier/HTTP URL specified');
  return fileId;
}

const sendSticker: Method = async (ctx) => {
  requireInputFile(ctx, 'sticker');
  const target = resolveSendTarget(ctx);
  const uploaded = ctx.params.file('sticker') !== undefined;
  const file = await inputFile(ctx, 'sticker', 'sticker');
  // The emoji a bot gives goes with a sticker it uploads; a sticker of a set keeps its own.
  const emoji = ctx.params.text('emoji').trim();
  if (uploaded && emoji && file.sticker) file.sticker = { ...file.sticker, emoji };
  return ok(deliver(ctx, target, { method: 'sendSticker', file }));
};

const uploadStickerFile: Method = (ctx) => {
  ownerUser(ctx);
  const legacy = !ctx.params.has('sticker') && !ctx.params.file('sticker');
  const field = legacy ? 'png_sticker' : 'sticker';
  const format = legacy ? 'static' : stickerFormat(ctx.params.text('sticker_format'));
  const upload = ctx.params.file(field);
  // wording guessed: uploadStickerFile takes an upload only (get_input_file with force_file).
  if (!upload) throw BotApiError.badRequest(`there is no ${field} in the request`);
  const file = storeStickerFile(ctx.world, upload.data, ctx.session.bot.id, format ?? undefined);
  return ok({ file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: file.size });
};

const createNewStickerSet: Method = async (ctx) => {
  const userId = ownerUser(ctx);
  const name = ctx.params.text('name');
  const title = ctx.params.text('title');
  const raw = ctx.params.text('stickers');
  if (!raw) throw BotApiError.badRequest('there is no sticker file in the request');
  const list = parseJsonParam(raw, 'stickers');
  if (!Array.isArray(list)) throw BotApiError.badRequest('Expected an Array of InputSticker');
  if (list.length > 50) throw BotApiError.badRequest('Too many stickers specified');
  const type = ctx.params.text('sticker_type');
  if (type !== '' && type !== 'regular') {
    // The sandbox makes regular sets only: masks and custom emoji are not modelled (a refusal of its own).
    throw BotApiError.badRequest(
      type === 'mask' || type === 'custom_emoji'
        ? 'the sandbox makes regular sticker sets only'
        : 'Invalid sticker type specified',
    );
  }
  const defaultFormat = ctx.params.text('sticker_format');
  const stickers: NewSticker[] = [];
  for (const item of list) {
    stickers.push(await readInputSticker(ctx, item, defaultFormat, "Can't parse InputSticker: "));
  }
  const bot = ctx.session.bot;
  run(() =>
    createStickerSet(ctx.world, {
      botId: bot.id,
      botUsername: bot.username,
      ownerUserId: userId,
      name,
      title,
      stickers,
    }),
  );
  return ok(true);
};

const addStickerToSetMethod: Method = async (ctx) => {
  ownerUser(ctx);
  const name = ctx.params.text('name');
  const raw = ctx.params.text('sticker');
  if (!raw) throw BotApiError.badRequest('there is no sticker file in the request');
  const value = parseJsonParam(raw, 'sticker');
  const set = run(() => requireOwnSet(requireStickerSet(ctx.world, name), ctx.session.bot.id));
  const sticker = await readInputSticker(ctx, value, 'auto', "Can't parse sticker: ");
  run(() => addStickerToSet(ctx.world, set, sticker));
  return ok(true);
};

const getStickerSet: Method = (ctx) => {
  const set = run(() => requireStickerSet(ctx.world, ctx.params.text('name')));
  return ok(stickerSetJson(ctx, set));
};

const ownSet = (ctx: MethodContext): SandboxStickerSet =>
  run(() => requireOwnSet(requireStickerSet(ctx.world, ctx.params.text('name')), ctx.session.bot.id));

export const STICKER_METHODS: Record<string, Method> = {
  sendSticker,
  uploadStickerFile,
  createNewStickerSet,
  addStickerToSet: addStickerToSetMethod,
  getStickerSet,
  setStickerSetTitle: (ctx) => {
    const set = ownSet(ctx);
    run(() => setStickerSetTitle(set, ctx.params.text('title')));
    return ok(true);
  },
  deleteStickerSet: (ctx) => {
    const set = ownSet(ctx);
    deleteStickerSet(ctx.world, set);
    return ok(true);
  },
  deleteStickerFromSet: (ctx) => {
    const fileId = namedSticker(ctx);
    run(() => removeStickerFromSet(ctx.world, fileId, ctx.session.bot.id));
    return ok(true);
  },
  setStickerPositionInSet: (ctx) => {
    const fileId = namedSticker(ctx);
    const position = ctx.params.clampedInteger('position', -1);
    run(() => moveStickerInSet(ctx.world, fileId, position, ctx.session.bot.id));
    return ok(true);
  },
  setStickerEmojiList: (ctx) => {
    const fileId = namedSticker(ctx);
    let value: unknown;
    try {
      value = JSON.parse(ctx.params.text('emoji_list'));
    } catch {
      throw BotApiError.badRequest("Can't parse emoji list JSON array");
    }
    const emojis = emojiList(value, "Can't parse emoji list: ");
    run(() => setStickerEmojis(ctx.world, fileId, emojis, ctx.session.bot.id));
    return ok(true);
  },
};
