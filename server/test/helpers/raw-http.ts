import { connect } from 'node:net';

/** One part of a hand-built multipart body; `disposition` is written as given (to send odd encodings). */
export interface RawPart {
  disposition: string;
  contentType?: string;
  data: Buffer | string;
}

export const BOUNDARY = 'tgBoundary7MA4YWxkTrZu0gW';

export function multipartBody(parts: RawPart[], boundary = BOUNDARY, close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; ${p.disposition}\r\n` +
      (p.contentType ? `Content-Type: ${p.contentType}\r\n` : '') +
      '\r\n';
    chunks.push(
      Buffer.from(head, 'latin1'),
      Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data),
      Buffer.from('\r\n'),
    );
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

export const filePart = (
  field: string,
  fileName: string,
  data: Buffer | string,
  contentType = 'application/octet-stream',
): RawPart => ({
  disposition: `name="${field}"; filename="${fileName}"`,
  contentType,
  data,
});

export const fieldPart = (name: string, value: string): RawPart => ({ disposition: `name="${name}"`, data: value });

export interface RawResponse {
  status: number;
  headers: string;
  body: any;
}

export interface RawRequest {
  url: string;
  path: string;
  headers?: Record<string, string>;
  body: Buffer;
  /** Content-Length to announce; the body's own length when absent. */
  contentLength?: number;
  contentType?: string;
  /** Send the body, then close the socket instead of waiting for an answer. */
  abort?: boolean;
}

/**
 * A POST written byte for byte on a plain TCP socket, so a test controls what a
 * hostile client does: truncate the body, lie about its length, or vanish.
 * Answers the response (status, body parsed as JSON when it is), or null after
 * an abort once the socket is closed.
 */
export function rawPost(r: RawRequest): Promise<RawResponse | null> {
  const { hostname, port } = new URL(r.url);
  const head =
    `POST ${r.path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n` +
    `Content-Type: ${r.contentType ?? `multipart/form-data; boundary=${BOUNDARY}`}\r\n` +
    `Content-Length: ${r.contentLength ?? r.body.length}\r\n` +
    Object.entries(r.headers ?? {})
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    '\r\n';
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('error', (err) => (r.abort ? resolve(null) : reject(err)));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => {
      if (r.abort) {
        resolve(null);
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      const headers = raw.slice(0, split);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0);
      let text = raw.slice(split + 4);
      if (/transfer-encoding: chunked/i.test(headers)) text = unchunk(text);
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: the test sees the text.
      }
      resolve({ status, headers, body });
    });
    socket.on('connect', () => {
      socket.write(head);
      socket.write(r.body, () => {
        if (r.abort) socket.destroy();
      });
    });
  });
}

/** The body of a chunked HTTP/1.1 answer. */
export function unchunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const nl = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, nl), 16);
    if (!size) return out;
    out += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
}
