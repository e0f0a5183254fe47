import { createHash, randomBytes } from 'node:crypto';
import { extensionOf, imageSize, mimeTypeFor } from '../bot-api/media';
import { kindFromTlAttributes, mediaKindTraits, mediaOfFile, stickerFormatOf } from '../media-kinds';
import { storeSticker } from '../stickers';
import type { MediaAttributes, SandboxFile, SandboxMessageMedia, SandboxWorld } from '../world';
import { isTlObject, type TlObject } from './tl-codec';
import { RpcError } from './rpc-error';

/** Telegram's largest part: 512 KB; every part but the last has the same size, a divisor of 512 KB. */
const MAX_PART_BYTES = 512 * 1024;
/** Parts of one file: 4000 (2 GB at 512 KB). */
const MAX_PARTS = 4000;
/** A file sent as `inputFile` (saveFilePart) is at most 10 MB; bigger ones go through saveBigFilePart. */
const MAX_SMALL_FILE_BYTES = 10 * 1024 * 1024;
/**
 * What one account may hold in parts not yet sent, across its uploads: the sandbox keeps them in memory. Well
 * above the product's 50 MB files.
 */
const MAX_PENDING_BYTES_PER_USER = 256 * 1024 * 1024;
/** Parts nobody used are dropped after an hour, as Telegram forgets them. */
const UPLOAD_TTL_MS = 3600_000;

interface Upload {
  parts: Map<number, Buffer>;
  /** saveBigFilePart's file_total_parts (the same in every call); undefined for small files. */
  totalParts?: number;
  bytes: number;
  touchedAt: number;
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN);

/**
 * Files uploaded through the MTProto door (`upload.saveFilePart` / `upload.saveBigFilePart`), per account and
 * client-chosen file id, until `messages.sendMedia` assembles one into a file of the world, the same store the
 * Bot API door reads (`getFile`, the file's bytes at `/file/bot<token>/...`).
 */
export class UploadStore {
  private readonly uploads = new Map<string, Upload>();

  constructor(private readonly world: SandboxWorld) {}

  clear(): void {
    this.uploads.clear();
  }

  savePart(userId: number, req: TlObject, big: boolean): boolean {
    const fileId = typeof req.file_id === 'bigint' ? req.file_id : undefined;
    if (fileId === undefined) throw new RpcError(400, 'FILE_ID_INVALID');
    const part = num(req.file_part);
    if (!Number.isInteger(part) || part < 0 || part >= MAX_PARTS) throw new RpcError(400, 'FILE_PART_INVALID');
    const bytes = Buffer.isBuffer(req.bytes) ? req.bytes : undefined;
    if (!bytes?.length) throw new RpcError(400, 'FILE_PART_EMPTY');
    if (bytes.length > MAX_PART_BYTES) throw new RpcError(400, 'FILE_PART_TOO_BIG');
    const total = big ? num(req.file_total_parts) : undefined;
    if (total !== undefined && (!Number.isInteger(total) || total < 1 || total > MAX_PARTS || part >= total)) {
      throw new RpcError(400, 'FILE_PARTS_INVALID');
    }
    this.forgetStale();
    const key = `${userId}:${fileId}`;
    const upload = this.uploads.get(key) ?? { parts: new Map<number, Buffer>(), bytes: 0, touchedAt: 0 };
    if (big && upload.totalParts !== undefined && upload.totalParts !== total) {
      throw new RpcError(400, 'FILE_PARTS_INVALID');
    }
    const replaced = upload.parts.get(part)?.length ?? 0;
    if (this.pendingBytes(userId) - replaced + bytes.length > MAX_PENDING_BYTES_PER_USER) {
      throw new RpcError(400, 'FILE_PARTS_INVALID');
    }
    upload.parts.set(part, Buffer.from(bytes));
    upload.bytes += bytes.length - replaced;
    upload.totalParts = total;
    upload.touchedAt = Date.now();
    this.uploads.set(key, upload);
    return true;
  }

  /**
   * The media of an `inputMediaUploadedDocument` / `inputMediaUploadedPhoto`: its parts assembled into a file of
   * the world. Checks what Telegram checks (every part there, part sizes, the MD5 a small file names, a photo
   * being an image); the parts are spent once the file is made.
   */
  mediaOf(userId: number, input: TlObject): SandboxMessageMedia {
    const file = isTlObject(input.file) ? input.file : undefined;
    if (!file || (file._ !== 'inputFile' && file._ !== 'inputFileBig')) throw new RpcError(400, 'MEDIA_INVALID');
    const fileId = typeof file.id === 'bigint' ? file.id : undefined;
    const key = `${userId}:${String(fileId)}`;
    const upload = fileId === undefined ? undefined : this.uploads.get(key);
    const parts = num(file.parts);
    if (!Number.isInteger(parts) || parts < 1 || parts > MAX_PARTS) throw new RpcError(400, 'FILE_PARTS_INVALID');
    const big = file._ === 'inputFileBig';
    if (!upload) throw new RpcError(400, 'FILE_PART_0_MISSING');
    if (big && upload.totalParts !== parts) throw new RpcError(400, 'FILE_PARTS_INVALID');
    const chunks: Buffer[] = [];
    for (let i = 0; i < parts; i++) {
      const chunk = upload.parts.get(i);
      if (!chunk) throw new RpcError(400, `FILE_PART_${i}_MISSING`);
      chunks.push(chunk);
    }
    if ([...upload.parts.keys()].some((i) => i >= parts)) throw new RpcError(400, 'FILE_PARTS_INVALID');
    const partSize = chunks[0]?.length ?? 0;
    const evenParts = chunks.slice(0, -1).every((c) => c.length === partSize);
    if (
      parts > 1 &&
      (!evenParts ||
        partSize % 1024 !== 0 ||
        MAX_PART_BYTES % partSize !== 0 ||
        (chunks.at(-1)?.length ?? 0) > partSize)
    ) {
      throw new RpcError(400, 'FILE_PART_SIZE_INVALID');
    }
    const data = Buffer.concat(chunks);
    if (!big && data.length > MAX_SMALL_FILE_BYTES) throw new RpcError(400, 'FILE_PARTS_INVALID');
    const md5 = typeof file.md5_checksum === 'string' ? file.md5_checksum.toLowerCase() : '';
    if (!big && md5 && createHash('md5').update(data).digest('hex') !== md5) {
      throw new RpcError(400, 'MD5_CHECKSUM_INVALID');
    }
    const name = typeof file.name === 'string' ? file.name.slice(0, 255) : '';
    const stored =
      input._ === 'inputMediaUploadedPhoto' ? this.storePhoto(data) : this.storeDocument(data, name, input);
    this.uploads.delete(key);
    return mediaOfFile(stored);
  }

  private storePhoto(data: Buffer): SandboxFile {
    const dims = imageSize(data);
    if (!dims || dims.width === 0 || dims.height === 0) throw new RpcError(400, 'IMAGE_PROCESS_FAILED');
    return this.store({
      kind: 'photo',
      data,
      filePath: `photos/file_${randomBytes(8).toString('hex')}.jpg`,
      width: dims.width,
      height: dims.height,
    });
  }

  private storeDocument(data: Buffer, uploadName: string, input: TlObject): SandboxFile {
    const attributes = Array.isArray(input.attributes) ? input.attributes : [];
    const named = attributes.find((a) => isTlObject(a) && a._ === 'documentAttributeFilename') as TlObject | undefined;
    const fileName = (typeof named?.file_name === 'string' && named.file_name) || uploadName || 'file';
    const declared = typeof input.mime_type === 'string' && input.mime_type ? input.mime_type : undefined;
    // A video, audio, voice note or animation is told by its attributes, as Telegram tells it.
    const { kind, attributes: played } = kindFromTlAttributes(attributes);
    if (kind === 'sticker') return this.storeSticker(data, played);
    const traits = mediaKindTraits(kind);
    const mime = mimeTypeFor(fileName, declared);
    return this.store({
      kind,
      data,
      // Telegram keeps no file name for a voice note.
      fileName: kind === 'voice' ? undefined : fileName,
      mimeType: traits.defaultMime && mime === 'application/octet-stream' ? traits.defaultMime : mime,
      filePath: `${traits.folder}/file_${randomBytes(8).toString('hex')}.${extensionOf(fileName, traits.extension)}`,
      ...played,
    });
  }

  /** A sticker an app uploads: its format told from its bytes (a static one when they are no sticker format). */
  private storeSticker(data: Buffer, attributes: MediaAttributes): SandboxFile {
    const format = stickerFormatOf(data) ?? 'static';
    const dims =
      attributes.width && attributes.height ? { width: attributes.width, height: attributes.height } : undefined;
    return storeSticker(this.world, data, { ...attributes.sticker, format }, dims);
  }

  private store(f: Omit<SandboxFile, 'fileId' | 'fileUniqueId' | 'size' | 'createdAt'>): SandboxFile {
    const file: SandboxFile = {
      ...f,
      // Shaped like the Bot API's file ids, so a bot can name it in getFile.
      fileId: mediaKindTraits(f.kind).fileIdPrefix + randomBytes(36).toString('base64url'),
      fileUniqueId: 'AQAD' + randomBytes(9).toString('base64url'),
      size: f.data.length,
      createdAt: new Date(),
    };
    this.world.files.set(file.fileId, file);
    return file;
  }

  private pendingBytes(userId: number): number {
    let total = 0;
    const prefix = `${userId}:`;
    for (const [key, upload] of this.uploads) if (key.startsWith(prefix)) total += upload.bytes;
    return total;
  }

  private forgetStale(): void {
    const cutoff = Date.now() - UPLOAD_TTL_MS;
    for (const [key, upload] of this.uploads) if (upload.touchedAt < cutoff) this.uploads.delete(key);
  }
}
