import { randomBytes } from 'node:crypto';
import { mediaKindTraits, STICKER_SIDE, stickerExtension, stickerMime } from './media-kinds';
import {
  randomAccessHash,
  type SandboxFile,
  type SandboxStickerSet,
  type SandboxWorld,
  type StickerInfo,
} from './world';

/**
 * Stickers and the sticker sets bots make for their users, shared by both doors. A sticker is a file of kind
 * `sticker` with its format, emoji and set; a set holds its stickers' file_ids in order. A sticker put in a set is a
 * file of its own (a new file_id that names the set), as on Telegram, where the file a bot uploaded and the sticker
 * of the set are told apart. Refusals carry Telegram's MTProto error names; each door words them its own way.
 */

/** A refusal of a sticker set operation, by its MTProto error name (PACK_SHORT_NAME_INVALID, STICKERSET_INVALID...). */
export class StickerError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** Telegram's bounds: a short name of 1-64 characters, a title of 1-64, 120 stickers a set, 20 emoji a sticker. */
const MAX_NAME = 64;
const MAX_TITLE = 64;
export const MAX_STICKERS_IN_SET = 120;
export const MAX_STICKER_EMOJI = 20;

const randomFileId = (prefix: string, bytes: number): string => prefix + randomBytes(bytes).toString('base64url');

/** Keeps a sticker's bytes in the world as a file of kind `sticker` (its side 512 when it is not measured). */
export function storeSticker(
  world: SandboxWorld,
  data: Buffer,
  info: StickerInfo,
  dims: { width: number; height: number } | undefined,
  ownerBotId?: number,
): SandboxFile {
  const traits = mediaKindTraits('sticker');
  const file: SandboxFile = {
    fileId: randomFileId(traits.fileIdPrefix, 36),
    fileUniqueId: randomFileId('AgAD', 9),
    kind: 'sticker',
    data,
    size: data.length,
    mimeType: stickerMime(info.format),
    filePath: `${traits.folder}/file_${randomBytes(8).toString('hex')}.${stickerExtension(info.format)}`,
    ownerBotId,
    width: dims?.width ?? STICKER_SIDE,
    height: dims?.height ?? STICKER_SIDE,
    sticker: { ...info },
    createdAt: new Date(),
  };
  world.files.set(file.fileId, file);
  return file;
}

/** The set a short name names (case-insensitively), if there is one. */
export function findStickerSet(world: SandboxWorld, name: string): SandboxStickerSet | undefined {
  return world.stickerSets[name.trim().toLowerCase()];
}

/** The set a short name names; STICKERSET_INVALID when there is none. */
export function requireStickerSet(world: SandboxWorld, name: string): SandboxStickerSet {
  const set = findStickerSet(world, name);
  if (!set) throw new StickerError('STICKERSET_INVALID');
  return set;
}

/** The set with this MTProto id and access hash; STICKERSET_INVALID when there is none. */
export function stickerSetById(world: SandboxWorld, id: unknown, accessHash: unknown): SandboxStickerSet {
  const set = Object.values(world.stickerSets).find((s) => s.id === id);
  if (!set || set.accessHash !== accessHash) throw new StickerError('STICKERSET_INVALID');
  return set;
}

/**
 * The set a sticker of a set belongs to, and the sticker's place in it; STICKER_INVALID for any other file (wording
 * guessed).
 */
export function setOfSticker(world: SandboxWorld, fileId: string): { set: SandboxStickerSet; index: number } {
  for (const set of Object.values(world.stickerSets)) {
    const index = set.stickers.indexOf(fileId);
    if (index >= 0) return { set, index };
  }
  throw new StickerError('STICKER_INVALID');
}

/** A sticker file copied into a set: a file of its own that names the set and its first emoji. */
function stickerOfSet(world: SandboxWorld, source: SandboxFile, set: SandboxStickerSet, emojis: string[]): string {
  if (source.kind !== 'sticker' || !source.sticker) throw new StickerError('STICKER_FILE_INVALID');
  const copy = storeSticker(
    world,
    source.data,
    {
      format: source.sticker.format,
      emoji: emojis[0],
      setName: set.name,
      setId: set.id,
      setAccessHash: set.accessHash,
    },
    { width: source.width ?? STICKER_SIDE, height: source.height ?? STICKER_SIDE },
    set.botId,
  );
  set.emojis[copy.fileId] = [...emojis];
  return copy.fileId;
}

export interface NewSticker {
  file: SandboxFile;
  emojis: string[];
}

function checkEmojis(emojis: string[]): void {
  if (emojis.length === 0 || emojis.length > MAX_STICKER_EMOJI || emojis.some((e) => !e.trim())) {
    throw new StickerError('STICKER_EMOJI_INVALID');
  }
}

function checkTitle(title: string): string {
  const trimmed = title.trim();
  if (!trimmed || trimmed.length > MAX_TITLE) throw new StickerError('PACK_TITLE_INVALID');
  return trimmed;
}

/**
 * Makes a sticker set for a user: its short name of letters, digits and underscores, starting with a letter, with
 * no double underscore, ending in `_by_<bot username>` (PACK_SHORT_NAME_INVALID otherwise), taken by no other set
 * (PACK_SHORT_NAME_OCCUPIED); a title; one sticker at least.
 */
export function createStickerSet(
  world: SandboxWorld,
  opts: {
    botId: number;
    botUsername: string;
    ownerUserId: number;
    name: string;
    title: string;
    stickers: NewSticker[];
  },
): SandboxStickerSet {
  const name = opts.name.trim();
  const suffix = `_by_${opts.botUsername}`.toLowerCase();
  if (
    name.length > MAX_NAME ||
    !/^[A-Za-z][A-Za-z0-9_]*$/.test(name) ||
    name.includes('__') ||
    !name.toLowerCase().endsWith(suffix) ||
    name.length === suffix.length
  ) {
    throw new StickerError('PACK_SHORT_NAME_INVALID');
  }
  if (findStickerSet(world, name)) throw new StickerError('PACK_SHORT_NAME_OCCUPIED');
  const title = checkTitle(opts.title);
  if (opts.stickers.length === 0) throw new StickerError('STICKERS_EMPTY');
  if (opts.stickers.length > MAX_STICKERS_IN_SET) throw new StickerError('STICKERS_TOO_MUCH');
  for (const s of opts.stickers) checkEmojis(s.emojis);
  const set: SandboxStickerSet = {
    id: randomAccessHash(),
    accessHash: randomAccessHash(),
    name,
    title,
    ownerUserId: opts.ownerUserId,
    botId: opts.botId,
    stickers: [],
    emojis: {},
  };
  for (const s of opts.stickers) set.stickers.push(stickerOfSet(world, s.file, set, s.emojis));
  world.stickerSets[name.toLowerCase()] = set;
  return set;
}

/** Whether the bot made the set (only it may change it); STICKERSET_INVALID for another bot, as if there were none. */
export function requireOwnSet(set: SandboxStickerSet, botId: number): SandboxStickerSet {
  if (set.botId !== botId) throw new StickerError('STICKERSET_INVALID');
  return set;
}

/** Adds a sticker at the end of the set (STICKERS_TOO_MUCH past 120). */
export function addStickerToSet(world: SandboxWorld, set: SandboxStickerSet, sticker: NewSticker): string {
  checkEmojis(sticker.emojis);
  if (set.stickers.length >= MAX_STICKERS_IN_SET) throw new StickerError('STICKERS_TOO_MUCH');
  const fileId = stickerOfSet(world, sticker.file, set, sticker.emojis);
  set.stickers.push(fileId);
  return fileId;
}

/** Takes a sticker out of its set (its file stays, as sent messages still show it). */
export function removeStickerFromSet(world: SandboxWorld, fileId: string, botId: number): void {
  const { set, index } = setOfSticker(world, fileId);
  requireOwnSet(set, botId);
  set.stickers.splice(index, 1);
  delete set.emojis[fileId];
}

/** Moves a sticker to a zero-based position of its set; a position outside it is POSITION_INVALID (wording guessed). */
export function moveStickerInSet(world: SandboxWorld, fileId: string, position: number, botId: number): void {
  const { set, index } = setOfSticker(world, fileId);
  requireOwnSet(set, botId);
  if (!Number.isInteger(position) || position < 0 || position >= set.stickers.length) {
    throw new StickerError('POSITION_INVALID');
  }
  set.stickers.splice(index, 1);
  set.stickers.splice(position, 0, fileId);
}

/** Renames a set. */
export function setStickerSetTitle(set: SandboxStickerSet, title: string): void {
  set.title = checkTitle(title);
}

/** Deletes a set; its stickers' files stay, as sent messages still show them. */
export function deleteStickerSet(world: SandboxWorld, set: SandboxStickerSet): void {
  delete world.stickerSets[set.name.toLowerCase()];
}

/** Changes a sticker's emoji: the set's list, and the first one its file names. */
export function setStickerEmojis(world: SandboxWorld, fileId: string, emojis: string[], botId: number): void {
  const { set } = setOfSticker(world, fileId);
  requireOwnSet(set, botId);
  checkEmojis(emojis);
  set.emojis[fileId] = [...emojis];
  const file = world.files.get(fileId);
  if (file?.sticker) file.sticker = { ...file.sticker, emoji: emojis[0] };
}

/** Whether the file is a sticker of a set (sets are public: anyone may see and send their stickers). */
export function isStickerOfSet(world: SandboxWorld, fileId: string): boolean {
  return Object.values(world.stickerSets).some((s) => s.stickers.includes(fileId));
}

/** A set's stickers as files, in order (those whose files are gone left out). */
export function stickersOfSet(world: SandboxWorld, set: SandboxStickerSet): SandboxFile[] {
  return set.stickers.map((id) => world.files.get(id)).filter((f): f is SandboxFile => f !== undefined);
}
