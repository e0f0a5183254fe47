import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';

/**
 * Reading multipart/form-data safely, for the product's upload routes and the
 * sandbox's Bot API door alike (each maps the failure to its own error body).
 * busboy does the parsing; what it leaves to its caller is written here: an
 * 'error' listener on every stream it hands out (a body that ends inside a
 * file part errors the file stream, and an unheard stream error ends the
 * process), an answer when the client goes away mid-body (busboy then never
 * finishes, so the wait would last forever), limits on every part, and
 * dropping what was buffered as soon as the request fails.
 */

export interface MultipartLimits {
  /** Bytes one file may have. */
  maxFileBytes: number;
  maxFiles: number;
  /** Text fields, counted by busboy separately from files. */
  maxFields: number;
  /** Bytes one text field may have. */
  maxFieldBytes: number;
  /** File and field parts together. */
  maxParts: number;
  /** When set, a file part under any other name is refused. */
  fileFields?: readonly string[];
}

export enum MultipartFailure {
  NotMultipart = 'not_multipart',
  Malformed = 'malformed',
  Truncated = 'truncated',
  Aborted = 'aborted',
  FileTooLarge = 'file_too_large',
  FieldTooLarge = 'field_too_large',
  TooManyFiles = 'too_many_files',
  TooManyFields = 'too_many_fields',
  TooManyParts = 'too_many_parts',
  UnexpectedFile = 'unexpected_file',
}

export class MultipartBodyError extends Error {
  constructor(
    readonly reason: MultipartFailure,
    message: string,
  ) {
    super(message);
    this.name = 'MultipartBodyError';
  }
}

export interface MultipartFile {
  field: string;
  /** A plain file name: no directories, no control characters, at most MAX_FILE_NAME_CHARS, never empty. */
  fileName: string;
  mimeType: string;
  data: Buffer;
}

export interface MultipartBody {
  fields: Record<string, string>;
  files: MultipartFile[];
}

/** Telegram keeps file names up to 255 characters; so do our tables. */
export const MAX_FILE_NAME_CHARS = 255;
const MAX_MIME_CHARS = 127;
const MAX_FIELD_NAME_BYTES = 200;
const MIME_TYPE = /^[A-Za-z0-9][\w!#$&^.+-]*\/[A-Za-z0-9][\w!#$&^.+-]*$/;

/**
 * The name a client gave its file, made safe to store and to hand to Telegram:
 * only the last path segment, control and unpaired surrogate characters
 * dropped, trimmed, and cut to 255 characters keeping the extension.
 */
export function safeFileName(raw: string | undefined, fallback: string): string {
  const last = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const cleaned = last
    .replace(/\p{Cc}/gu, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .trim();
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return fallback;
  const chars = Array.from(cleaned);
  if (chars.length <= MAX_FILE_NAME_CHARS) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 ? Array.from(cleaned.slice(dot)) : [];
  const keep = ext.length > 0 && ext.length <= 16 ? ext : [];
  return chars.slice(0, MAX_FILE_NAME_CHARS - keep.length).join('') + keep.join('');
}

function safeMimeType(raw: string | undefined): string {
  const type = (raw ?? '').trim().toLowerCase();
  return type.length <= MAX_MIME_CHARS && MIME_TYPE.test(type) ? type : 'application/octet-stream';
}

const mb = (bytes: number): string => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
const kb = (bytes: number): string => `${Math.round(bytes / 1024)} KB`;

/**
 * Reads a whole multipart/form-data request into memory within `limits`.
 * Rejects with a MultipartBodyError (never anything else) on any fault; the
 * rest of a refused body is read and discarded so the connection can still
 * carry the answer.
 */
export function readMultipartBody(req: IncomingMessage, limits: MultipartLimits): Promise<MultipartBody> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // Browsers and HTTP clients send raw UTF-8 in filename="..." far more often than Latin-1.
        defParamCharset: 'utf8',
        limits: {
          fileSize: limits.maxFileBytes,
          files: limits.maxFiles,
          fields: limits.maxFields,
          fieldSize: limits.maxFieldBytes,
          parts: limits.maxParts,
          fieldNameSize: MAX_FIELD_NAME_BYTES,
        },
      });
    } catch {
      req.resume();
      reject(
        new MultipartBodyError(
          MultipartFailure.NotMultipart,
          'Send the body as multipart/form-data with a boundary in the Content-Type header.',
        ),
      );
      return;
    }

    const fields = new Map<string, string>();
    const files: MultipartFile[] = [];
    // Chunks of files still being read, so a failure can let go of them at once.
    const inFlight = new Set<Buffer[]>();
    let settled = false;

    const finish = (failure?: MultipartBodyError): void => {
      if (settled) return;
      settled = true;
      req.off('close', onClose);
      if (!failure) {
        resolve({ fields: Object.fromEntries(fields), files });
        return;
      }
      fields.clear();
      files.length = 0;
      for (const chunks of inFlight) chunks.length = 0;
      inFlight.clear();
      req.unpipe(parser);
      // Read the rest of the body and drop it, so the answer can still be written
      // (Node's request timeout bounds a client that never stops sending).
      if (!req.destroyed) req.resume();
      // Not destroyed: busboy may be inside its own write (a 'limit' event), and destroying it there throws.
      // Unpiped, it gets no more data; its streams keep their listeners and go with it.
      reject(failure);
    };
    const fail = (reason: MultipartFailure, message: string): void => finish(new MultipartBodyError(reason, message));

    const onClose = (): void => {
      if (!req.complete) fail(MultipartFailure.Aborted, 'The client closed the connection before the body ended.');
    };
    // A client may be gone before its route reads the body (guards run first): 'close' has fired already.
    if (req.destroyed) {
      fail(MultipartFailure.Aborted, 'The connection closed before the body was read.');
      return;
    }
    if (req.readableEnded) {
      fail(MultipartFailure.Malformed, 'The body was read already.');
      return;
    }
    req.on('close', onClose);
    req.on('error', () => fail(MultipartFailure.Aborted, 'The connection failed before the body ended.'));

    parser.on('field', (name, value, info) => {
      if (settled) return;
      if (info.nameTruncated) {
        fail(MultipartFailure.FieldTooLarge, `A field name is longer than ${MAX_FIELD_NAME_BYTES} bytes.`);
      } else if (info.valueTruncated) {
        fail(
          MultipartFailure.FieldTooLarge,
          `Field "${name}" is longer than ${kb(limits.maxFieldBytes)}; send large content as a file part.`,
        );
      } else {
        fields.set(name, value);
      }
    });

    parser.on('file', (field, stream, info) => {
      // A file stream that errors with no listener is thrown out of the process: listen before anything else.
      stream.on('error', () =>
        fail(MultipartFailure.Truncated, `The body ended inside file part "${field}"; send the whole file.`),
      );
      if (settled) {
        stream.resume();
        return;
      }
      if (limits.fileFields && !limits.fileFields.includes(field)) {
        stream.resume();
        fail(
          MultipartFailure.UnexpectedFile,
          `Unexpected file part "${field}"; send the file as ${limits.fileFields.map((f) => `"${f}"`).join(' or ')}.`,
        );
        return;
      }
      const chunks: Buffer[] = [];
      inFlight.add(chunks);
      stream.on('data', (chunk: Buffer) => {
        if (!settled) chunks.push(chunk);
      });
      stream.on('limit', () =>
        fail(MultipartFailure.FileTooLarge, `File part "${field}" is larger than ${mb(limits.maxFileBytes)}.`),
      );
      stream.on('end', () => {
        inFlight.delete(chunks);
        if (settled || stream.truncated) return;
        files.push({
          field,
          fileName: safeFileName(info.filename, 'file'),
          mimeType: safeMimeType(info.mimeType),
          data: chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks),
        });
      });
    });

    parser.on('partsLimit', () => fail(MultipartFailure.TooManyParts, `Send at most ${limits.maxParts} parts.`));
    parser.on('filesLimit', () =>
      fail(
        MultipartFailure.TooManyFiles,
        `Send at most ${limits.maxFiles} file part${limits.maxFiles === 1 ? '' : 's'}.`,
      ),
    );
    parser.on('fieldsLimit', () => fail(MultipartFailure.TooManyFields, `Send at most ${limits.maxFields} fields.`));
    parser.on('error', (err: Error) =>
      /unexpected end/i.test(err.message)
        ? fail(
            MultipartFailure.Truncated,
            'The multipart body ended early; send the whole body with its closing boundary.',
          )
        : fail(MultipartFailure.Malformed, `The multipart body is malformed: ${err.message}.`),
    );
    parser.on('close', () => finish());
    req.pipe(parser);
  });
}
