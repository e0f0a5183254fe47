import { stickerFormatOf } from '../media-kinds';
import { storeSticker } from '../stickers';
import type { SandboxFile, SandboxWorld, StickerInfo } from '../world';
import { BotApiError } from './bot-api-error';
import { imageSize } from './media';

/** Telegram's refusal of a file that is not of the sticker format it was declared as (messages from the MTProto API). */
const NOT_OF_FORMAT: Record<StickerInfo['format'], string> = {
  static: 'STICKER_PNG_NOPNG',
  animated: 'STICKER_TGS_NOTGS',
  video: 'STICKER_VIDEO_NOWEBM',
};

/**
 * Keeps an uploaded sticker, its format told from its bytes (a WebP picture, a .TGS, a .WEBM) and its size read from
 * a WebP header (512×512 when it is not one). With `format` (uploadStickerFile), a file of another format is refused
 * in Telegram's words for that format (a PNG is taken as a static sticker there); without, a file that is none of
 * them is refused.
 */
export function storeStickerFile(
  world: SandboxWorld,
  data: Buffer,
  botId: number,
  format?: StickerInfo['format'],
): SandboxFile {
  if (data.length === 0) throw BotApiError.badRequest('file must be non-empty');
  let found = stickerFormatOf(data);
  const png = data.length >= 8 && data.readUInt32BE(0) === 0x89504e47;
  if (format === 'static' && png) found = 'static';
  if (format !== undefined && found !== format) throw BotApiError.badRequest(NOT_OF_FORMAT[format]);
  // wording guessed: Telegram's answer to a sendSticker upload that is no sticker at all.
  if (!found) throw BotApiError.badRequest('STICKER_FILE_INVALID');
  const dims = found === 'static' ? imageSize(data) : undefined;
  return storeSticker(
    world,
    data,
    { format: found },
    dims && dims.width > 0 && dims.height > 0 ? dims : undefined,
    botId,
  );
}
