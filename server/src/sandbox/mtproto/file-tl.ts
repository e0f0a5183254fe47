import { createHash } from 'node:crypto';
import type { SandboxChatPhoto } from '../world';
import type { TlObject } from './tl-codec';

/** The one data centre the sandbox pretends to be. */
export const SANDBOX_DC_ID = 2;

/**
 * The one size the sandbox describes of a photo (`photoSize` type "x"). It does not resize: that size is the picture
 * as it was sent, and `upload.getFile` serves it.
 */
export const PHOTO_SIZE_TYPE = 'x';

/** A stable 64-bit id for a file, derived from its Bot API file_id. */
export function fileNumericId(fileId: string): bigint {
  return createHash('sha256').update(fileId).digest().readBigInt64LE(0);
}

/** A file's access_hash as members' apps get it (the same for every viewer in the sandbox). */
export const fileAccessHash = (id: bigint): bigint => id ^ 0x5a5a5a5an;

/**
 * A file's file_reference: opaque bytes an app sends back to `upload.getFile`. Telegram's expire and are tied to
 * where the app saw the file; the sandbox's are stable per file and never expire (an app that refetches gets the
 * same one).
 */
export function fileReference(fileId: string): Buffer {
  return Buffer.concat([Buffer.from([2]), createHash('sha256').update(`ref:${fileId}`).digest().subarray(0, 19)]);
}

/** A photo (`photo`) of `size` bytes, sent at `date`, in its one size. */
export function photoToTl(fileId: string, size: number, date: number): TlObject {
  const id = fileNumericId(fileId);
  return {
    _: 'photo',
    id,
    access_hash: fileAccessHash(id),
    file_reference: fileReference(fileId),
    date,
    sizes: [{ _: 'photoSize', type: PHOTO_SIZE_TYPE, w: 0, h: 0, size }],
    dc_id: SANDBOX_DC_ID,
  };
}

/** A chat's `photo` field: `chatPhoto` naming its photo (downloaded through `inputPeerPhotoFileLocation`). */
export function chatPhotoToTl(photo: SandboxChatPhoto | undefined): TlObject {
  if (!photo) return { _: 'chatPhotoEmpty' };
  return { _: 'chatPhoto', photo_id: fileNumericId(photo.fileId), dc_id: SANDBOX_DC_ID };
}

/** A chat's photo as a `Photo` (`channelFull.chat_photo`, `chatInvite.photo`): `photoEmpty` when it has none. */
export function chatFullPhotoToTl(photo: SandboxChatPhoto | undefined): TlObject {
  return photo ? photoToTl(photo.fileId, photo.size, photo.date) : { _: 'photoEmpty', id: 0n };
}
