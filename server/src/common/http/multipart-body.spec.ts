import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fieldPart, filePart, multipartBody, rawPost } from '../../../test/helpers/raw-http';
import {
  type MultipartBody,
  MultipartBodyError,
  MultipartFailure,
  type MultipartLimits,
  readMultipartBody,
  safeFileName,
} from './multipart-body';

const LIMITS: MultipartLimits = {
  maxFileBytes: 1_000_000,
  maxFiles: 1,
  maxFields: 5,
  maxFieldBytes: 1000,
  maxParts: 6,
};

/** A plain HTTP server that reads each request with readMultipartBody and records how the read ended. */
async function startReader(
  before: (req: IncomingMessage) => Promise<void> = () => Promise.resolve(),
): Promise<{ url: string; outcomes: (MultipartBody | MultipartBodyError)[]; server: Server }> {
  const outcomes: (MultipartBody | MultipartBodyError)[] = [];
  const server = createServer((req, res) => {
    void before(req)
      .then(() => readMultipartBody(req, LIMITS))
      .then(
        (body) => {
          outcomes.push(body);
          res.end('ok');
        },
        (err: MultipartBodyError) => {
          outcomes.push(err);
          res.statusCode = 400;
          res.end(err.reason);
        },
      );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, outcomes, server };
}

async function until<T>(probe: () => T | undefined): Promise<T> {
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('readMultipartBody', () => {
  let reader: Awaited<ReturnType<typeof startReader>>;
  afterEach(async () => {
    reader.server.closeAllConnections();
    await new Promise((r) => reader.server.close(r));
  });

  it('reads fields and a file', async () => {
    reader = await startReader();
    const res = await rawPost({
      url: reader.url,
      path: '/',
      body: multipartBody([fieldPart('a', '1'), filePart('doc', 'x.txt', 'hello', 'text/plain')]),
    });
    expect(res?.status).toBe(200);
    const body = reader.outcomes[0] as MultipartBody;
    expect(body.fields).toEqual({ a: '1' });
    expect(body.files).toEqual([
      { field: 'doc', fileName: 'x.txt', mimeType: 'text/plain', data: Buffer.from('hello') },
    ]);
  });

  it('settles with Aborted, rather than waiting forever, when the client disconnects mid-file', async () => {
    reader = await startReader();
    const whole = multipartBody([filePart('doc', 'x.bin', Buffer.alloc(500_000))]);
    await rawPost({
      url: reader.url,
      path: '/',
      body: whole.subarray(0, 200_000),
      contentLength: whole.length,
      abort: true,
    });
    const outcome = await until(() => reader.outcomes[0]);
    expect(outcome).toBeInstanceOf(MultipartBodyError);
    expect((outcome as MultipartBodyError).reason).toBe(MultipartFailure.Aborted);
  });

  it('settles with Aborted when the client left before the body was read at all', async () => {
    let gone!: () => void;
    const left = new Promise<void>((r) => (gone = r));
    reader = await startReader((req) => {
      req.once('close', () => gone());
      return left;
    });
    const whole = multipartBody([filePart('doc', 'x.bin', Buffer.alloc(500_000))]);
    await rawPost({
      url: reader.url,
      path: '/',
      body: whole.subarray(0, 1000),
      contentLength: whole.length,
      abort: true,
    });
    const outcome = await until(() => reader.outcomes[0]);
    expect((outcome as MultipartBodyError).reason).toBe(MultipartFailure.Aborted);
  });

  it('settles with Truncated when the form ends inside a file part', async () => {
    reader = await startReader();
    const whole = multipartBody([filePart('doc', 'x.bin', Buffer.alloc(100_000))]);
    const res = await rawPost({ url: reader.url, path: '/', body: whole.subarray(0, 50_000) });
    expect(res?.body).toBe(MultipartFailure.Truncated);
  });
});

describe('safeFileName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../a/b.txt', 'b.txt'],
    ['C:\\dir\\c.txt', 'c.txt'],
    ['a\u0000b\u001f\u007f\u0085.txt', 'ab.txt'],
    ['  ', 'file'],
    ['..', 'file'],
    [undefined, 'file'],
    ['x\ud800y.txt', 'x\ufffdy.txt'],
    ['😀'.repeat(300) + '.txt', '😀'.repeat(251) + '.txt'],
  ])('makes a safe name (case %#)', (raw, expected) => {
    expect(safeFileName(raw, 'file')).toBe(expected);
  });
});
