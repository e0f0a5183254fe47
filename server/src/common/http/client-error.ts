import type { Duplex } from 'node:stream';
import { CommonErrorCode } from '../errors/common-errors';

/** Node's HTTP parser error codes and what the client is told to fix. */
function answerFor(err: NodeJS.ErrnoException): { status: number; reason: string; code: string; message: string } {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      reason: 'Request Header Fields Too Large',
      code: CommonErrorCode.HeadersTooLarge,
      message: 'The request line and headers are over 16 KB; send long values in a JSON body instead of the URL.',
    };
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return {
      status: 408,
      reason: 'Request Timeout',
      code: CommonErrorCode.RequestTimeout,
      message: 'The request did not arrive in time; send it again.',
    };
  }
  return {
    status: 400,
    reason: 'Bad Request',
    code: CommonErrorCode.MalformedRequest,
    message: 'The request is not valid HTTP/1.1 (request line, header or chunk encoding).',
  };
}

/**
 * Requests Node's HTTP parser refuses before any route sees them (a URL and headers over the
 * header size limit, a malformed request line or header) get the API's error body too: Node's
 * own answer is a bare status line without one. Written on the socket by hand because no request
 * or response object exists yet for the framework to answer with.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const { status, reason, code, message } = answerFor(err);
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
