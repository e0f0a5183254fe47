import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { answerClientError } from './client-error';

/** Writes `raw` on a fresh connection and answers the status and parsed body of the reply. */
function exchange(port: number, raw: string): Promise<{ status: number; type: string; body: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        type: /\r\ncontent-type: *([^\r\n]*)/i.exec(head)?.[1] ?? '',
        body: body ? JSON.parse(body) : undefined,
      });
    });
    socket.write(raw);
  });
}

describe('answerClientError', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((_req, res) => res.end('ok'));
    server.on('clientError', answerClientError);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('answers a URL over the header limit with 431 and the API error body', async () => {
    const res = await exchange(port, `GET /api/channels?page=${'9'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(res).toEqual({
      status: 431,
      type: 'application/json; charset=utf-8',
      body: { error: { code: 'HEADERS_TOO_LARGE', message: expect.stringContaining('16 KB') } },
    });
  });

  it('answers a request that is not HTTP with 400 and the API error body', async () => {
    const res = await exchange(port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect(res).toEqual({
      status: 400,
      type: 'application/json; charset=utf-8',
      body: { error: { code: 'MALFORMED_REQUEST', message: expect.any(String) } },
    });
  });

  it('leaves well-formed requests to the app', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe('ok');
  });
});
