import { connect } from 'node:net';
import { BOUNDARY, unchunk } from '../helpers/raw-http';
import type { FuzzCase } from './openapi-fuzz';

/** How long one request may take before it counts as never answered. */
export const REQUEST_TIMEOUT_MS = Number(process.env.FUZZ_TIMEOUT_MS ?? 15_000);

export interface FuzzResponse {
  status: number;
  /** Parsed JSON, or the text when the body is not JSON. */
  body: unknown;
  contentType: string;
}

export class NoAnswerError extends Error {
  constructor(what: string) {
    super(`no answer in ${REQUEST_TIMEOUT_MS} ms: ${what}`);
    this.name = 'NoAnswerError';
  }
}

/** Sends one generated request with fetch, bounded by REQUEST_TIMEOUT_MS. */
export async function send(baseUrl: string, c: FuzzCase, headers: Record<string, string>): Promise<FuzzResponse> {
  let res: Response;
  try {
    res = await fetch(baseUrl + c.url, {
      method: c.method,
      headers: { ...headers, ...(c.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: c.body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') throw new NoAnswerError(`${c.method} ${c.url}`);
    throw err;
  }
  const contentType = res.headers.get('content-type') ?? '';
  // An event stream never ends by itself: its status and type are the answer.
  if (res.ok && contentType.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, body: '', contentType };
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: kept as text for the assertion to report.
  }
  return { status: res.status, body, contentType: res.headers.get('content-type') ?? '' };
}

/**
 * Why a response breaks the API's contract, or null when it keeps it: never a 5xx, and every
 * error exactly `{ error: { code, message, ... } }` as JSON.
 */
export function contractViolation(res: FuzzResponse): string | null {
  if (res.status >= 500) return `server error ${res.status}`;
  if (res.status < 400) return null;
  if (!res.contentType.startsWith('application/json')) return `error answered as ${res.contentType || 'no type'}`;
  const body = res.body as { error?: { code?: unknown; message?: unknown } } | null;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'error body is not a JSON object';
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'error') return `error body has keys ${JSON.stringify(keys)}, not just "error"`;
  const e = body.error;
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return '"error" is not an object';
  if (typeof e.code !== 'string' || !e.code) return 'error.code is not a non-empty string';
  if (typeof e.message !== 'string' || !e.message) return 'error.message is not a non-empty string';
  return null;
}

export interface RawFuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Content-Length announced; the body's length when absent. */
  contentLength?: number;
  contentType?: string;
  /** Write the body, then destroy the socket without waiting for an answer. */
  abort?: boolean;
}

export interface RawFuzzResponse {
  status: number;
  body: unknown;
  contentType: string;
}

/**
 * One request written byte for byte on a socket (to cut a body short or vanish mid-upload),
 * bounded by REQUEST_TIMEOUT_MS. Answers null after an abort.
 */
export function rawSend(baseUrl: string, r: RawFuzzRequest): Promise<RawFuzzResponse | null> {
  const { hostname, port } = new URL(baseUrl);
  const head =
    `${r.method} ${r.path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n` +
    `Content-Type: ${r.contentType ?? `multipart/form-data; boundary=${BOUNDARY}`}\r\n` +
    `Content-Length: ${r.contentLength ?? r.body.length}\r\n` +
    Object.entries(r.headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    '\r\n';
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new NoAnswerError(`${r.method} ${r.path} (raw, ${r.body.length} of ${r.contentLength ?? r.body.length} bytes)`),
      );
    }, REQUEST_TIMEOUT_MS);
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (r.abort) resolve(null);
      else reject(err);
    });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => {
      clearTimeout(timer);
      if (r.abort) {
        resolve(null);
        return;
      }
      resolve(parseResponse(Buffer.concat(chunks)));
    });
    socket.on('connect', () => {
      socket.write(head);
      socket.write(r.body, () => {
        if (r.abort) socket.destroy();
      });
    });
  });
}

function parseResponse(raw: Buffer): RawFuzzResponse {
  const text = raw.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const headers = split < 0 ? text : text.slice(0, split);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0);
  const contentType = /\r\ncontent-type: *([^\r\n]*)/i.exec(headers)?.[1] ?? '';
  let rest = split < 0 ? '' : text.slice(split + 4);
  if (/\r\ntransfer-encoding: *chunked/i.test(headers)) rest = unchunk(rest);
  let body: unknown = rest;
  try {
    body = JSON.parse(rest);
  } catch {
    // Not JSON: the assertion reports the text.
  }
  return { status, body, contentType };
}
