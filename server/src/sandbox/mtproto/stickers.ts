import { createHash } from 'node:crypto';
import { mediaOfFile } from '../media-kinds';
import { requireStickerSet, StickerError, stickerSetById, stickersOfSet } from '../stickers';
import type { SandboxFile, SandboxFileMedia, SandboxStickerSet, SandboxWorld } from '../world';
import { fileVisibleTo } from './downloads';
import { fileAccessHash, fileNumericId, fileReference } from './file-tl';
import { RpcError } from './rpc-error';
import { mediaToTl } from './tl-builders';
import { isTlObject, type TlObject } from './tl-codec';

/**
 * Stickers over MTProto: `messages.getStickerSet` (a set by `inputStickerSetID` or `inputStickerSetShortName`), and
 * the media of `messages.sendMedia` with `inputMediaDocument`, a document the account was given (a sticker of a set,
 * or a file it sees in a message) sent again. Stickers sent by bots reach apps as `messageMediaDocument` whose
 * document has `documentAttributeImageSize` and `documentAttributeSticker` (media-kinds.ts).
 */

const unixSeconds = (d: Date): number => Math.floor(d.getTime() / 1000);

/** A file as the `document` Telegram describes (the one of `messageMediaDocument`). */
function documentToTl(file: SandboxFile): TlObject {
  const media = mediaToTl(mediaOfFile(file), unixSeconds(file.createdAt));
  return media.document as TlObject;
}

/** A set's `hash` for `messages.getStickerSet`: a 32-bit digest of what the set shows. */
function setHash(set: SandboxStickerSet): number {
  const what = JSON.stringify([set.title, set.stickers, set.stickers.map((id) => set.emojis[id] ?? [])]);
  return createHash('sha256').update(what).digest().readInt32LE(0);
}

/**
 * A set as `stickerSet`: its id, access hash, title, short name, count and hash; `creator` for the user it was made
 * for (layer 177 on); `animated` / `videos` when every sticker is of that format (the layers that have the flags).
 */
export function stickerSetToTl(world: SandboxWorld, set: SandboxStickerSet, viewerId: number): TlObject {
  const files = stickersOfSet(world, set);
  const all = (format: string): true | undefined =>
    files.length > 0 && files.every((f) => f.sticker?.format === format) ? true : undefined;
  return {
    _: 'stickerSet',
    creator: set.ownerUserId === viewerId || undefined,
    animated: all('animated'),
    videos: all('video'),
    id: set.id,
    access_hash: set.accessHash,
    title: set.title,
    short_name: set.name,
    count: files.length,
    hash: setHash(set),
  };
}

/** The set an `InputStickerSet` names; STICKERSET_INVALID for any other (and for `inputStickerSetEmpty`). */
function setOfInput(world: SandboxWorld, input: unknown): SandboxStickerSet {
  try {
    if (isTlObject(input) && input._ === 'inputStickerSetID') return stickerSetById(world, input.id, input.access_hash);
    if (isTlObject(input) && input._ === 'inputStickerSetShortName' && typeof input.short_name === 'string') {
      return requireStickerSet(world, input.short_name);
    }
  } catch (err) {
    if (err instanceof StickerError) throw new RpcError(400, err.code);
    throw err;
  }
  throw new RpcError(400, 'STICKERSET_INVALID');
}

/**
 * `messages.getStickerSet`: the set with its emoji packs (`stickerPack` per emoji, the documents that stand for it),
 * no keywords, and its documents in order; `messages.stickerSetNotModified` when `hash` is the set's own.
 */
export function getStickerSet(world: SandboxWorld, userId: number, req: TlObject): TlObject {
  const set = setOfInput(world, req.stickerset);
  const hash = setHash(set);
  if (typeof req.hash === 'number' && req.hash !== 0 && req.hash === hash) {
    return { _: 'messages.stickerSetNotModified' };
  }
  const files = stickersOfSet(world, set);
  const packs = new Map<string, bigint[]>();
  for (const file of files) {
    for (const emoji of set.emojis[file.fileId] ?? []) {
      packs.set(emoji, [...(packs.get(emoji) ?? []), fileNumericId(file.fileId)]);
    }
  }
  return {
    _: 'messages.stickerSet',
    set: stickerSetToTl(world, set, userId),
    packs: [...packs].map(([emoticon, documents]) => ({ _: 'stickerPack', emoticon, documents })),
    keywords: [],
    documents: files.map(documentToTl),
  };
}

/**
 * The media of `inputMediaDocument`: the document its `inputDocument` names, sent again, once its access hash and
 * file reference are the ones the account was given and it may see the file (a sticker of a set, or a file of a
 * message it sees). An unknown document or a wrong access hash is MEDIA_INVALID; `inputDocumentEmpty` MEDIA_EMPTY.
 */
export function documentMedia(world: SandboxWorld, userId: number, input: TlObject): SandboxFileMedia {
  const doc = isTlObject(input.id) ? input.id : undefined;
  if (!doc || doc._ === 'inputDocumentEmpty') throw new RpcError(400, 'MEDIA_EMPTY');
  const id = typeof doc.id === 'bigint' ? doc.id : undefined;
  const file =
    id === undefined
      ? undefined
      : [...world.files.values()].find((f) => f.kind !== 'photo' && fileNumericId(f.fileId) === id);
  if (!file || doc.access_hash !== fileAccessHash(fileNumericId(file.fileId))) throw new RpcError(400, 'MEDIA_INVALID');
  const reference = Buffer.isBuffer(doc.file_reference) ? doc.file_reference : Buffer.alloc(0);
  if (reference.length === 0) throw new RpcError(400, 'FILE_REFERENCE_EMPTY');
  if (!reference.equals(fileReference(file.fileId)) || !fileVisibleTo(world, userId, file.fileId)) {
    throw new RpcError(400, 'FILE_REFERENCE_EXPIRED');
  }
  return mediaOfFile(file);
}
