import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { BotApiError } from './bot-api-error';

export interface UploadedFile {
  fileName: string;
  mimeType: string;
  data: Buffer;
}

/** A Bot API call's parameters, whatever encoding the client chose. */
export interface RawParams {
  /** JSON bodies keep their types; query strings and forms carry strings. */
  fields: Record<string, unknown>;
  files: Map<string, UploadedFile>;
}

/** Telegram accepts uploads up to 50 MB through the Bot API. */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
const MAX_JSON_BYTES = 10 * 1024 * 1024;

/** The whole body, or 413 past `limit` (the rest is drained so the connection stays usable). */
function readAll(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.resume();
      reject(new BotApiError(413, 'Request Entity Too Large'));
    };
    req.on('data', onData);
    req.once('end', () => {
      if (size <= limit) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    });
    req.once('error', reject);
    // A client gone before the end of its body gets no answer; this only ends the wait.
    req.once('close', () => {
      if (!req.complete) reject(BotApiError.badRequest('the request body ended early'));
    });
  });
}

function parseMultipart(req: IncomingMessage, into: RawParams): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (err: BotApiError): void => {
      if (failed) return;
      failed = true;
      req.unpipe();
      req.resume();
      reject(err);
    };
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: MAX_UPLOAD_BYTES, fieldSize: MAX_JSON_BYTES } });
    } catch {
      reject(BotApiError.badRequest('invalid multipart/form-data body'));
      return;
    }
    const pendingFiles: Promise<void>[] = [];
    parser.on('field', (name, value) => {
      into.fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      pendingFiles.push(
        new Promise<void>((done) => {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('limit', () => fail(new BotApiError(413, 'Request Entity Too Large')));
          stream.on('end', () => {
            into.files.set(name, {
              fileName: info.filename || name,
              mimeType: info.mimeType,
              data: Buffer.concat(chunks),
            });
            done();
          });
        }),
      );
    });
    parser.on('error', () => fail(BotApiError.badRequest('invalid multipart/form-data body')));
    parser.on('close', () => {
      void Promise.all(pendingFiles).then(() => {
        if (!failed) resolve();
      });
    });
    req.pipe(parser);
  });
}

/** Reads query string and body (JSON, urlencoded or multipart) into one parameter set, as the Bot API does. */
export async function readParams(req: IncomingMessage, url: URL): Promise<RawParams> {
  const params: RawParams = { fields: {}, files: new Map() };
  if (url.search) for (const [k, v] of url.searchParams) params.fields[k] = v;
  if (req.method !== 'POST' && req.method !== 'PUT') {
    req.resume();
    return params;
  }
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase();
  if (type === 'multipart/form-data') {
    await parseMultipart(req, params);
    return params;
  }
  const body = await readAll(req, MAX_JSON_BYTES);
  if (body.length === 0) return params;
  if (type === 'application/x-www-form-urlencoded') {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.fields[k] = v;
    return params;
  }
  if (type === 'application/json' || type === '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw BotApiError.badRequest("can't parse JSON object");
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw BotApiError.badRequest("can't parse JSON object");
    }
    Object.assign(params.fields, parsed);
    return params;
  }
  throw BotApiError.badRequest(`unsupported Content-Type ${type}`);
}
