import type { MediaAttributes, MediaKind, SandboxFile, SandboxFileMedia, StickerInfo } from './world';

/**
 * The kinds of file a message may carry, as Telegram tells them apart: a photo, a plain document, and the
 * documents Telegram shows as players (a video, an audio track, a voice note, an animation or GIF). Each door
 * writes them its own way: the Bot API as a `photo`, `document`, `video`, `audio`, `voice` or `animation` field
 * of the message, MTProto as `messageMediaPhoto` or a `messageMediaDocument` whose document's attributes name
 * the kind.
 */
export type { MediaAttributes, MediaKind } from './world';

interface KindTraits {
  /** The name Telegram's servers give the file type in "can't use file of type X as Y". */
  typeName: string;
  /** The start of a Bot API file_id of this kind. */
  fileIdPrefix: string;
  /** The folder of its `file_path`, as the Bot API names it. */
  folder: string;
  /** Its MIME type when neither the upload nor the file's name tells. */
  defaultMime?: string;
  /** Its file name's extension when it has no name. */
  extension: string;
}

const KINDS: Record<MediaKind, KindTraits> = {
  photo: { typeName: 'Photo', fileIdPrefix: 'AgACAgIAAxkBAA', folder: 'photos', extension: 'jpg' },
  document: { typeName: 'Document', fileIdPrefix: 'BQACAgIAAxkBAA', folder: 'documents', extension: 'dat' },
  video: {
    typeName: 'Video',
    fileIdPrefix: 'BAACAgIAAxkBAA',
    folder: 'videos',
    defaultMime: 'video/mp4',
    extension: 'mp4',
  },
  audio: {
    typeName: 'Audio',
    fileIdPrefix: 'CQACAgIAAxkBAA',
    folder: 'music',
    defaultMime: 'audio/mpeg',
    extension: 'mp3',
  },
  voice: {
    typeName: 'VoiceNote',
    fileIdPrefix: 'AwACAgIAAxkBAA',
    folder: 'voice',
    defaultMime: 'audio/ogg',
    extension: 'oga',
  },
  video_note: {
    typeName: 'VideoNote',
    fileIdPrefix: 'DQACAgIAAxkBAA',
    folder: 'video_notes',
    defaultMime: 'video/mp4',
    extension: 'mp4',
  },
  animation: {
    typeName: 'Animation',
    fileIdPrefix: 'CgACAgIAAxkBAA',
    folder: 'animations',
    defaultMime: 'video/mp4',
    extension: 'mp4',
  },
  sticker: {
    typeName: 'Sticker',
    fileIdPrefix: 'CAACAgIAAxkBAA',
    folder: 'stickers',
    defaultMime: 'image/webp',
    extension: 'webp',
  },
};

export const mediaKindTraits = (kind: MediaKind): KindTraits => KINDS[kind];

/** The kinds that are documents Telegram plays: they carry a duration. */
export const isPlayable = (kind: MediaKind): boolean => kind !== 'photo' && kind !== 'document' && kind !== 'sticker';

/** The side Telegram gives a sticker whose picture it does not measure (.TGS and .WEBM stickers are 512×512). */
export const STICKER_SIDE = 512;

const STICKER_MIME: Record<StickerInfo['format'], string> = {
  static: 'image/webp',
  animated: 'application/x-tgsticker',
  video: 'video/webm',
};
const STICKER_EXTENSION: Record<StickerInfo['format'], string> = { static: 'webp', animated: 'tgs', video: 'webm' };

/**
 * A sticker's format told from its bytes, as Telegram tells it: a WebP image (RIFF....WEBP) is static, a gzip
 * stream (a .TGS, gzipped Lottie) animated, a Matroska/WebM stream (EBML header) a video sticker; anything else is
 * no sticker (undefined).
 */
export function stickerFormatOf(data: Buffer): StickerInfo['format'] | undefined {
  if (data.length >= 12 && data.toString('ascii', 0, 4) === 'RIFF' && data.toString('ascii', 8, 12) === 'WEBP') {
    return 'static';
  }
  if (data.length >= 3 && data[0] === 0x1f && data[1] === 0x8b && data[2] === 0x08) return 'animated';
  if (data.length >= 4 && data.readUInt32BE(0) === 0x1a45dfa3) return 'video';
  return undefined;
}

/** A sticker format's MIME type and file extension. */
export const stickerMime = (format: StickerInfo['format']): string => STICKER_MIME[format];
export const stickerExtension = (format: StickerInfo['format']): string => STICKER_EXTENSION[format];

/** The refusal for a file_id of one kind sent as another, as Telegram words it. */
export const wrongKindMessage = (actual: MediaKind, wanted: MediaKind): string =>
  `can't use file of type ${KINDS[actual].typeName} as ${KINDS[wanted].typeName}`;

/** Only the attributes that are set, so stored files and messages hold no empty fields. */
export function definedAttributes(a: MediaAttributes): MediaAttributes {
  const out: MediaAttributes = {};
  if (a.duration !== undefined) out.duration = a.duration;
  if (a.width !== undefined) out.width = a.width;
  if (a.height !== undefined) out.height = a.height;
  if (a.performer !== undefined) out.performer = a.performer;
  if (a.title !== undefined) out.title = a.title;
  if (a.supportsStreaming) out.supportsStreaming = true;
  return out;
}

/** What a message keeps of the file it carries. */
export function mediaOfFile(file: SandboxFile): SandboxFileMedia {
  return {
    kind: file.kind,
    fileId: file.fileId,
    fileName: file.fileName,
    mimeType: file.mimeType,
    size: file.size,
    ...(isPlayable(file.kind) ? definedAttributes(file) : {}),
    ...(file.kind === 'sticker' && file.sticker
      ? { width: file.width, height: file.height, sticker: { ...file.sticker } }
      : {}),
  };
}

/** The Bot API `sticker` field of a message (a `Sticker` object): a regular sticker, its format and its set. */
export function stickerMediaJson(file: SandboxFile): Record<string, unknown> {
  const info = file.sticker ?? { format: 'static' };
  return {
    sticker: compact({
      file_id: file.fileId,
      file_unique_id: file.fileUniqueId,
      type: 'regular',
      width: file.width ?? STICKER_SIDE,
      height: file.height ?? STICKER_SIDE,
      is_animated: info.format === 'animated',
      is_video: info.format === 'video',
      emoji: info.emoji,
      set_name: info.setName,
      file_size: file.size,
    }),
  };
}

type Json = Record<string, unknown>;

const compact = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/**
 * The Bot API fields of a message that carries a video, audio, voice note or animation (`Video`, `Audio`, `Voice`,
 * `Animation` objects). An animation also fills `document`, as Telegram does for clients that predate animations.
 */
export function playableMediaJson(file: SandboxFile): Json {
  const base = { file_id: file.fileId, file_unique_id: file.fileUniqueId };
  const duration = file.duration ?? 0;
  switch (file.kind) {
    case 'video':
      return {
        video: compact({
          ...base,
          width: file.width ?? 0,
          height: file.height ?? 0,
          duration,
          file_name: file.fileName,
          mime_type: file.mimeType,
          file_size: file.size,
        }),
      };
    case 'audio':
      return {
        audio: compact({
          ...base,
          duration,
          performer: file.performer,
          title: file.title,
          file_name: file.fileName,
          mime_type: file.mimeType,
          file_size: file.size,
        }),
      };
    case 'voice':
      return { voice: compact({ ...base, duration, mime_type: file.mimeType, file_size: file.size }) };
    case 'video_note':
      // A round video's diameter is its `length` (kept as its width and height).
      return {
        video_note: compact({ ...base, length: file.width ?? 0, duration, file_size: file.size }),
      };
    case 'animation': {
      const named = { file_name: file.fileName, mime_type: file.mimeType, file_size: file.size };
      return {
        animation: compact({ ...base, width: file.width ?? 0, height: file.height ?? 0, duration, ...named }),
        document: compact({ ...base, ...named }),
      };
    }
    default:
      return {};
  }
}

type TlObject = { _: string } & Record<string, unknown>;

/**
 * The attributes of the MTProto `document` for a message's media: the kind's own (`documentAttributeVideo`,
 * `documentAttributeAudio`, with `voice` for a voice note, `documentAttributeAnimated` beside the video one for an
 * animation), then `documentAttributeFilename` where the file has a name. Older layers write the video's duration
 * as an int, newer ones as a double; the codec writes the number as its layer wants.
 */
export function documentAttributesToTl(media: SandboxFileMedia): TlObject[] {
  const duration = media.duration ?? 0;
  const video = (): TlObject => ({
    _: 'documentAttributeVideo',
    supports_streaming: media.supportsStreaming === true || undefined,
    duration,
    w: media.width ?? 0,
    h: media.height ?? 0,
  });
  const attributes: TlObject[] = [];
  if (media.kind === 'video') attributes.push(video());
  if (media.kind === 'animation') attributes.push({ _: 'documentAttributeAnimated' }, video());
  if (media.kind === 'video_note') attributes.push({ ...video(), round_message: true });
  if (media.kind === 'audio') {
    attributes.push({ _: 'documentAttributeAudio', duration, title: media.title, performer: media.performer });
  }
  if (media.kind === 'voice') attributes.push({ _: 'documentAttributeAudio', voice: true, duration });
  if (media.kind === 'sticker') attributes.push(...stickerAttributesToTl(media));
  if (media.fileName) attributes.push({ _: 'documentAttributeFilename', file_name: media.fileName });
  return attributes;
}

/**
 * A sticker's attributes as Telegram writes them: its size (`documentAttributeImageSize`; a video sticker's
 * `documentAttributeVideo` instead), then `documentAttributeSticker` with its emoji and its set by id and access
 * hash (`inputStickerSetEmpty` for a sticker in no set).
 */
function stickerAttributesToTl(media: SandboxFileMedia): TlObject[] {
  const w = media.width ?? STICKER_SIDE;
  const h = media.height ?? STICKER_SIDE;
  const size: TlObject =
    media.sticker?.format === 'video'
      ? { _: 'documentAttributeVideo', duration: media.duration ?? 0, w, h }
      : { _: 'documentAttributeImageSize', w, h };
  const { setId, setAccessHash } = media.sticker ?? {};
  return [
    size,
    {
      _: 'documentAttributeSticker',
      alt: media.sticker?.emoji ?? '',
      stickerset:
        setId !== undefined && setAccessHash !== undefined
          ? { _: 'inputStickerSetID', id: setId, access_hash: setAccessHash }
          : { _: 'inputStickerSetEmpty' },
    },
  ];
}

const isObject = (v: unknown): v is TlObject =>
  typeof v === 'object' && v !== null && typeof (v as { _?: unknown })._ === 'string';
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v.slice(0, 255) : undefined);

/**
 * The kind of a document a member's app uploads (`inputMediaUploadedDocument`), from its attributes as Telegram
 * reads them: a sticker attribute → sticker; animated → animation; a round video → video note; a video attribute →
 * video; an audio attribute → voice note when it says `voice`, else audio; otherwise a plain document.
 */
export function kindFromTlAttributes(attributes: unknown[]): { kind: MediaKind; attributes: MediaAttributes } {
  const found = (name: string): TlObject | undefined =>
    attributes.find((a): a is TlObject => isObject(a) && a._ === name);
  const video = found('documentAttributeVideo');
  const audio = found('documentAttributeAudio');
  const videoAttributes = (): MediaAttributes =>
    definedAttributes({
      duration: num(video?.duration) ?? 0,
      width: num(video?.w) ?? 0,
      height: num(video?.h) ?? 0,
      supportsStreaming: video?.supports_streaming === true,
    });
  const sticker = found('documentAttributeSticker');
  if (sticker) {
    // Its format is told from its bytes once they are assembled (uploads.ts); its size from the attributes.
    const size = found('documentAttributeImageSize') ?? video;
    return {
      kind: 'sticker',
      attributes: {
        width: num(size?.w) ?? STICKER_SIDE,
        height: num(size?.h) ?? STICKER_SIDE,
        sticker: { format: video ? 'video' : 'static', ...(str(sticker.alt) ? { emoji: str(sticker.alt) } : {}) },
      },
    };
  }
  if (found('documentAttributeAnimated')) return { kind: 'animation', attributes: videoAttributes() };
  if (video?.round_message === true) return { kind: 'video_note', attributes: videoAttributes() };
  if (video) return { kind: 'video', attributes: videoAttributes() };
  if (audio?.voice === true) return { kind: 'voice', attributes: { duration: num(audio.duration) ?? 0 } };
  if (audio) {
    return {
      kind: 'audio',
      attributes: definedAttributes({
        duration: num(audio.duration) ?? 0,
        performer: str(audio.performer),
        title: str(audio.title),
      }),
    };
  }
  return { kind: 'document', attributes: {} };
}
