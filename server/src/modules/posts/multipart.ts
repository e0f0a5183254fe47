import busboy from 'busboy';
import type { Request } from 'express';
import { CommonError, CommonErrorCode } from '../../common/errors/common-errors';

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

/** Reads a multipart/form-data request: its text fields and at most one file, refusing more than `maxFileBytes`. */
export function readMultipart(req: Request, maxFileBytes = MAX_UPLOAD_BYTES): Promise<MultipartForm> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxFileBytes, files: 1, fields: 20 } });
    } catch {
      reject(new CommonError(CommonErrorCode.UnsupportedMediaType, 'Send multipart/form-data with a boundary.'));
      return;
    }
    const fields: Record<string, string> = {};
    let file: UploadedFile | undefined;
    let failure: Error | undefined;
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        failure = new CommonError(
          CommonErrorCode.PayloadTooLarge,
          `The file is larger than ${Math.round(maxFileBytes / 1024 / 1024)} MB, the most Telegram takes from a bot.`,
        );
      });
      stream.on('end', () => {
        if (!failure) {
          file = {
            field,
            buffer: Buffer.concat(chunks),
            fileName: info.filename || 'file',
            mimeType: info.mimeType || 'application/octet-stream',
          };
        }
      });
    });
    parser.on('error', (err: Error) =>
      reject(new CommonError(CommonErrorCode.ValidationFailed, `The multipart body is malformed: ${err.message}`)),
    );
    parser.on('close', () => (failure ? reject(failure) : resolve({ fields, file })));
    req.pipe(parser);
  });
}
