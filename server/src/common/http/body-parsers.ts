import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import * as querystring from 'node:querystring';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { CommonError, CommonErrorCode } from '../errors/common-errors';
import { inspectInput, validationFailed } from './input-shape';

/** The JSON media types built on `application/json` (`application/merge-patch+json`, …). */
const JSON_SUFFIX_TYPE = /^application\/[a-z0-9!#$&^_.-]+\+json$/i;
const FORM_TYPE = 'application/x-www-form-urlencoded';
/** What `application/x-www-form-urlencoded` bodies may hold at most, as for query strings. */
const MAX_FORM_KEYS = 1000;

const tooLarge = (limitBytes: number): Error =>
  new CommonError(
    CommonErrorCode.PayloadTooLarge,
    `The request body is larger than the limit of ${Math.round(limitBytes / 1024)} KB; files go through their upload routes.`,
  );

/** How each Content-Encoding a client may send is undone (none for identity). */
const DECODERS = new Map<string, (() => Transform) | null>([
  ['identity', null],
  ['gzip', createGunzip],
  ['deflate', createInflate],
  ['br', createBrotliDecompress],
]);

/**
 * The whole body as UTF-8 text, refused past `limitBytes` (counted after decoding, so a small
 * compressed body cannot expand past the limit). A client that goes away midway gets the
 * "cut short" answer, as far as it can still be sent.
 */
function readText(payload: Readable, headers: IncomingHttpHeaders, limitBytes: number): Promise<string> {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    return Promise.reject(
      new CommonError(CommonErrorCode.UnsupportedMediaType, `unsupported charset "${charset.toUpperCase()}"`),
    );
  }
  const declared = Number(headers['content-length']);
  if (!headers['content-encoding'] && Number.isFinite(declared) && declared > limitBytes) {
    return Promise.reject(tooLarge(limitBytes));
  }
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const decoder = DECODERS.get(encoding);
  if (decoder === undefined) {
    return Promise.reject(
      new CommonError(CommonErrorCode.UnsupportedMediaType, `unsupported content encoding "${encoding}"`),
    );
  }
  let stream: Readable = payload;
  if (decoder) {
    const decoding = decoder();
    payload.on('error', (err) => decoding.destroy(err));
    stream = payload.pipe(decoding);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      reject(err);
    };
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so the connection stays usable for the answer.
      if (size > limitBytes) fail(tooLarge(limitBytes));
      else chunks.push(chunk);
    });
    stream.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size).toString('utf8'));
    });
    stream.on('error', (err: NodeJS.ErrnoException) =>
      fail(
        err.code === 'ECONNRESET' || err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.message === 'aborted'
          ? new CommonError(CommonErrorCode.ValidationFailed, 'The request body was cut short.')
          : new CommonError(CommonErrorCode.ValidationFailed, `The request body could not be decoded: ${err.message}`),
      ),
    );
    payload.on('aborted', () =>
      fail(new CommonError(CommonErrorCode.ValidationFailed, 'The request body was cut short.')),
    );
  });
}

const malformedJson = (detail: string): Error =>
  new CommonError(
    CommonErrorCode.MalformedJson,
    `The request body is not valid JSON: ${detail.replace(/\s+/g, ' ').slice(0, 200)}`,
  );

/** JSON as the API takes it: an object or an array at the top (an empty body is an empty object). */
function parseJson(text: string): unknown {
  const start = /\S/.exec(text);
  if (!start) return {};
  if (start[0] !== '{' && start[0] !== '[') {
    throw malformedJson(`a JSON body is an object or an array; it starts with ${JSON.stringify(start[0])}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw malformedJson((err as Error).message);
  }
}

/**
 * A parsed body is checked (depth, prototype keys, storable text) before any
 * route, guard or validator sees it, so even the unauthenticated routes refuse
 * a hostile shape with a 400 instead of recursing on it.
 */
function inspected(body: unknown): unknown {
  const problems = inspectInput(body);
  if (problems.length > 0) throw validationFailed(problems);
  return body;
}

/**
 * The API's body parsers, in place of the framework's: JSON and urlencoded forms within
 * `limitBytes`, each answered with the API's own error codes (MALFORMED_JSON, PAYLOAD_TOO_LARGE,
 * UNSUPPORTED_MEDIA_TYPE) by the global filter, and every other type left unread. A route that
 * reads its own stream (multipart uploads) finds the request untouched, and a JSON route sent
 * anything else sees no body and says what it expected.
 *
 * Written here because Fastify's own parsers take neither a compressed body nor a charset
 * parameter to refuse (the API took gzip, deflate and br bodies, and refused other charsets with
 * 415, before it moved to Fastify), and @fastify/compress, which decodes request bodies, does it
 * from hooks that run on every request of every route, the webhook's included.
 */
export function installBodyParsers(fastify: FastifyInstance, limitBytes: number): void {
  fastify.removeAllContentTypeParsers();
  const json = async (request: FastifyRequest, payload: Readable): Promise<unknown> =>
    inspected(parseJson(await readText(payload, request.headers, limitBytes)));
  fastify.addContentTypeParser('application/json', json);
  fastify.addContentTypeParser(JSON_SUFFIX_TYPE, json);
  fastify.addContentTypeParser(FORM_TYPE, async (request: FastifyRequest, payload: Readable) =>
    inspected({
      ...querystring.parse(await readText(payload, request.headers, limitBytes), '&', '=', { maxKeys: MAX_FORM_KEYS }),
    }),
  );
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
}
