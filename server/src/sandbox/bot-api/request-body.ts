import type { IncomingMessage } from 'node:http';
import {
  MultipartBody,
  MultipartBodyError,
  MultipartFailure,
  readMultipartBody,
} from '../../common/http/multipart-body';
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
      if (size <= limit) resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks));
    });
    req.once('error', reject);
    // A client gone before the end of its body gets no answer; this only ends the wait.
    req.once('close', () => {
      if (!req.complete) reject(BotApiError.badRequest('the request body ended early'));
    });
  });
}

/** Telegram takes at most 10 files in one media group; more parts than that and a few fields are refused. */
const MAX_FILES = 10;
const MAX_FIELDS = 50;

async function parseMultipart(req: IncomingMessage, into: RawParams): Promise<void> {
  let body: MultipartBody;
  try {
    body = await readMultipartBody(req, {
      maxFileBytes: MAX_UPLOAD_BYTES,
      maxFiles: MAX_FILES,
      maxFields: MAX_FIELDS,
      maxFieldBytes: MAX_JSON_BYTES,
      maxParts: MAX_FILES + MAX_FIELDS,
    });
  } catch (err) {
    if (!(err instanceof MultipartBodyError)) throw err;
    throw err.reason === MultipartFailure.FileTooLarge || err.reason === MultipartFailure.FieldTooLarge
      ? new BotApiError(413, 'Request Entity Too Large')
      : BotApiError.badRequest(`invalid multipart/form-data body: ${err.message}`);
  }
  for (const [k, v] of Object.entries(body.fields)) addField(into, k, v);
  for (const file of body.files) {
    into.files.set(file.field, { fileName: file.fileName, mimeType: file.mimeType, data: file.data });
  }
}

/**
 * Adds a parameter unless the call already has one of that name: as the official Bot API server reads a call, the
 * first value given counts (the query string's before the body's, the first of a repeated name).
 */
function addField(into: RawParams, name: string, value: unknown): void {
  if (!Object.hasOwn(into.fields, name)) into.fields[name] = value;
}

/** Reads query string and body (JSON, urlencoded or multipart) into one parameter set, as the Bot API does. */
export async function readParams(req: IncomingMessage, url: URL): Promise<RawParams> {
  const params: RawParams = { fields: {}, files: new Map() };
  if (url.search) for (const [k, v] of url.searchParams) addField(params, k, v);
  if (req.method !== 'POST' && req.method !== 'PUT') {
    req.resume();
    return params;
  }
  const type = ((req.headers['content-type'] ?? '').split(';', 1)[0] ?? '').trim().toLowerCase();
  if (type === 'multipart/form-data') {
    await parseMultipart(req, params);
    return params;
  }
  const body = await readAll(req, MAX_JSON_BYTES);
  if (body.length === 0) return params;
  if (type === 'application/x-www-form-urlencoded') {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) addField(params, k, v);
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
    for (const [k, v] of Object.entries(parsed)) addField(params, k, v);
    return params;
  }
  throw BotApiError.badRequest(`unsupported Content-Type ${type}`);
}
