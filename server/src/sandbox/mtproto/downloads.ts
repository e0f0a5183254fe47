import { activeBan } from '../channel-administration';
import {
  isFileMedia,
  type SandboxChannel,
  type SandboxFile,
  type SandboxMessageMedia,
  type SandboxServiceAction,
  type SandboxWorld,
} from '../world';
import { chatPhotoFileOfPeer } from './chat-photo-tl';
import { isStickerOfSet } from '../stickers';
import { RpcError } from './rpc-error';
import { fileAccessHash, fileNumericId, fileReference, PHOTO_SIZE_TYPE } from './file-tl';
import { isTlObject, type TlObject } from './tl-codec';

/** The most one `upload.getFile` returns: 1 MB. */
const MAX_LIMIT = 1024 * 1024;
/**
 * core.telegram.org/api/files: without `precise`, offset and limit are multiples of 4 KB and the limit divides
 * 1 MB; with `precise`, multiples of 1 KB. Either way one request stays inside one 1 MB block of the file.
 */
const ALIGNMENT = 4096;
const PRECISE_ALIGNMENT = 1024;

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN);

/** The part of a file `upload.getFile` asks for, checked as Telegram checks it. */
function requestedRange(req: TlObject): { offset: number; limit: number } {
  const offset = num(req.offset);
  const limit = num(req.limit);
  const align = req.precise === true ? PRECISE_ALIGNMENT : ALIGNMENT;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset % align !== 0) throw new RpcError(400, 'OFFSET_INVALID');
  if (!Number.isInteger(limit) || limit <= 0 || limit > MAX_LIMIT || limit % align !== 0) {
    throw new RpcError(400, 'LIMIT_INVALID');
  }
  if (req.precise !== true && MAX_LIMIT % limit !== 0) throw new RpcError(400, 'LIMIT_INVALID');
  // A request across a 1 MB boundary: the sandbox's reading is that the limit is what is wrong.
  if (Math.floor(offset / MAX_LIMIT) !== Math.floor((offset + limit - 1) / MAX_LIMIT)) {
    throw new RpcError(400, 'LIMIT_INVALID');
  }
  return { offset, limit };
}

/** Whether a message carries the file: as its media, or as the new photo its service message shows. */
const carries = (m: { media?: SandboxMessageMedia; service?: SandboxServiceAction }, fileId: string): boolean =>
  (m.media !== undefined && isFileMedia(m.media) && m.media.fileId === fileId) ||
  (m.service?.type === 'chat_edit_photo' && m.service.fileId === fileId);

function readableChannel(world: SandboxWorld, channel: SandboxChannel, userId: number): boolean {
  if (channel.members.has(`user:${userId}`)) return true;
  return channel.username !== undefined && !activeBan(world, channel, 'user', userId);
}

/**
 * Whether the account sees a message that carries the file: in a private chat of theirs, a basic group they are
 * in, or a channel or supergroup they can read (a member, or a public one they are not banned from); a sticker of a
 * set is seen by anyone (messages.getStickerSet).
 */
export function fileVisibleTo(world: SandboxWorld, userId: number, fileId: string): boolean {
  if (isStickerOfSet(world, fileId)) return true;
  if (world.privateMessagesOf('user', userId).some((m) => carries(m, fileId))) return true;
  for (const group of world.basicGroupsOfUser(userId)) {
    if (group.messages.some((m) => carries(m, fileId))) return true;
  }
  return world
    .listChannels()
    .some((c) => readableChannel(world, c, userId) && c.messages.some((m) => !m.deleted && carries(m, fileId)));
}

function fileOfId(world: SandboxWorld, id: unknown, photo: boolean): SandboxFile | undefined {
  if (typeof id !== 'bigint') return undefined;
  for (const file of world.files.values()) {
    if ((file.kind === 'photo') === photo && fileNumericId(file.fileId) === id) return file;
  }
  return undefined;
}

/**
 * The file an `inputDocumentFileLocation` / `inputPhotoFileLocation` names, once its access hash and file
 * reference are the ones the account was given and it sees a message that carries it. The sandbox keeps one size
 * of a photo (it does not resize), so the one size it describes is the photo as sent.
 */
function fileOfMediaLocation(world: SandboxWorld, userId: number, location: TlObject): SandboxFile {
  const photo = location._ === 'inputPhotoFileLocation';
  const file = fileOfId(world, location.id, photo);
  // An id nobody was given, or an access hash that is not its own: the sandbox's reading is FILE_ID_INVALID.
  if (!file || location.access_hash !== fileAccessHash(fileNumericId(file.fileId))) {
    throw new RpcError(400, 'FILE_ID_INVALID');
  }
  const reference = Buffer.isBuffer(location.file_reference) ? location.file_reference : Buffer.alloc(0);
  if (reference.length === 0) throw new RpcError(400, 'FILE_REFERENCE_EMPTY');
  if (!reference.equals(fileReference(file.fileId))) throw new RpcError(400, 'FILE_REFERENCE_EXPIRED');
  const thumb = typeof location.thumb_size === 'string' ? location.thumb_size : '';
  // A photo's sizes are those the sandbox describes; a document has no thumbnails in the sandbox.
  if (photo ? thumb !== PHOTO_SIZE_TYPE : thumb !== '') throw new RpcError(400, 'LOCATION_INVALID');
  // A file the account sees in no message: its reference is no longer good for it (the sandbox's reading; Telegram
  // ties a reference to where the app saw the file).
  if (!fileVisibleTo(world, userId, file.fileId)) throw new RpcError(400, 'FILE_REFERENCE_EXPIRED');
  return file;
}

/**
 * Telegram's `storage.FileType` of a part: a photo is a JPEG; a document's part is `storage.filePartial` unless it
 * is the whole file, then `storage.fileUnknown` (Telegram does not type documents by their content).
 */
function storageTypeOf(file: SandboxFile, photo: boolean, offset: number, bytes: number): TlObject {
  if (photo) return { _: 'storage.fileJpeg' };
  return { _: offset === 0 && bytes === file.data.length ? 'storage.fileUnknown' : 'storage.filePartial' };
}

/**
 * `upload.getFile`: bytes [offset, offset + limit) of a file the account can see, the bytes that were uploaded (by a
 * bot over the Bot API or an account over MTProto). Past the end of the file the part is empty.
 */
export function getFile(world: SandboxWorld, userId: number, req: TlObject): TlObject {
  const location = isTlObject(req.location) ? req.location : undefined;
  const { offset, limit } = requestedRange(req);
  let file: SandboxFile;
  let photo: boolean;
  switch (location?._) {
    case 'inputDocumentFileLocation':
    case 'inputPhotoFileLocation':
      file = fileOfMediaLocation(world, userId, location);
      photo = location._ === 'inputPhotoFileLocation';
      break;
    case 'inputPeerPhotoFileLocation':
      file = chatPhotoFileOfPeer(world, userId, location);
      photo = true;
      break;
    default:
      throw new RpcError(400, 'LOCATION_INVALID');
  }
  const bytes = file.data.subarray(Math.min(offset, file.data.length), Math.min(offset + limit, file.data.length));
  return {
    _: 'upload.file',
    type: storageTypeOf(file, photo, offset, bytes.length),
    mtime: Math.floor(file.createdAt.getTime() / 1000),
    bytes: Buffer.from(bytes),
  };
}
