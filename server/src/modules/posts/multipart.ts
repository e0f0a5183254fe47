import type { HttpRequest } from '../../common/http/http-types';
import { CommonError, CommonErrorCode } from '../../common/errors/common-errors';
import { MultipartBodyError, MultipartFailure, readMultipartBody } from '../../common/http/multipart-body';

export interface UploadedFile {
  field: string;
  buffer: Buffer;
  fileName: string;
  mimeType: string;
}

export interface MultipartForm {
  fields: Record<string, string>;
  file?: UploadedFile;
}

/** Telegram takes uploads up to 50 MB from bots. */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
/** Far above any text field a route takes (a post's text is at most 4096 characters). */
export const MAX_FIELD_BYTES = 64 * 1024;
const MAX_FIELDS = 20;

const STATUS_OF: Record<MultipartFailure, CommonErrorCode> = {
  [MultipartFailure.NotMultipart]: CommonErrorCode.UnsupportedMediaType,
  [MultipartFailure.Malformed]: CommonErrorCode.ValidationFailed,
  [MultipartFailure.Truncated]: CommonErrorCode.ValidationFailed,
  [MultipartFailure.Aborted]: CommonErrorCode.ValidationFailed,
  [MultipartFailure.FileTooLarge]: CommonErrorCode.PayloadTooLarge,
  [MultipartFailure.FieldTooLarge]: CommonErrorCode.PayloadTooLarge,
  [MultipartFailure.TooManyFiles]: CommonErrorCode.ValidationFailed,
  [MultipartFailure.TooManyFields]: CommonErrorCode.ValidationFailed,
  [MultipartFailure.TooManyParts]: CommonErrorCode.ValidationFailed,
  [MultipartFailure.UnexpectedFile]: CommonErrorCode.ValidationFailed,
};

/**
 * Reads a multipart/form-data request: its text fields and at most one file,
 * sent under one of `fileFields`. Every fault (a body cut short, a client gone,
 * a part too large, too many parts) rejects with a CommonError the global
 * filter answers as a 4xx.
 */
export async function readMultipart(req: HttpRequest, fileFields: readonly string[]): Promise<MultipartForm> {
  try {
    const body = await readMultipartBody(req.raw, {
      maxFileBytes: MAX_UPLOAD_BYTES,
      maxFiles: 1,
      maxFields: MAX_FIELDS,
      maxFieldBytes: MAX_FIELD_BYTES,
      maxParts: MAX_FIELDS + 1,
      fileFields,
    });
    const file = body.files[0];
    return {
      fields: body.fields,
      file: file && { field: file.field, buffer: file.data, fileName: file.fileName, mimeType: file.mimeType },
    };
  } catch (err) {
    if (!(err instanceof MultipartBodyError)) throw err;
    const message =
      err.reason === MultipartFailure.FileTooLarge
        ? `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB, the most Telegram takes from a bot.`
        : err.message;
    throw new CommonError(STATUS_OF[err.reason], message);
  }
}

/** Whether the request's body is multipart/form-data (left unread for `readMultipart`). */
const isMultipart = (req: HttpRequest): boolean =>
  /^multipart\/form-data\s*(;|$)/i.test(req.headers['content-type'] ?? '');

/**
 * The fields of a route that takes JSON or, with a file, multipart/form-data: the form read by
 * `readMultipart`, or the parsed JSON body's fields (none for no body).
 */
export async function readJsonOrMultipart(
  req: HttpRequest,
  fileFields: readonly string[],
): Promise<{ fields: Record<string, unknown>; file?: UploadedFile; multipart: boolean }> {
  if (isMultipart(req)) return { ...(await readMultipart(req, fileFields)), multipart: true };
  return { fields: (req.body ?? {}) as Record<string, unknown>, multipart: false };
}
