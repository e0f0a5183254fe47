import request from 'supertest';
import { MAX_UPLOAD_BYTES } from '../src/modules/posts/multipart';
import { newTenant } from './factories/user.factory';
import { channelFor, connectBot } from './helpers/bot-world';
import { fieldPart, filePart, multipartBody, rawPost, type RawPart, type RawResponse } from './helpers/raw-http';
import { startTestAppWithSandbox, type SandboxTestApp } from './helpers/test-app';

interface Route {
  name: string;
  path: (channelId: string) => string;
  /** The file part the route takes. */
  field: string;
  /** Text fields that make a valid request apart from the file. */
  fields: () => RawPart[];
  /** Reads back the file name the route stored from a success answer. */
  storedName: (body: any) => string;
}

let keySeq = 0;
const postFields = (): RawPart[] => [fieldPart('idempotency_key', `hostile-${++keySeq}`), fieldPart('text', 'caption')];

const ROUTES: Route[] = [
  {
    name: 'posts with a photo part',
    path: (id) => `/api/channels/${id}/posts`,
    field: 'photo',
    fields: postFields,
    storedName: (b) => b.media.file_name,
  },
  {
    name: 'posts with a document part',
    path: (id) => `/api/channels/${id}/posts`,
    field: 'document',
    fields: postFields,
    storedName: (b) => b.media.file_name,
  },
  {
    name: 'files',
    path: (id) => `/api/channels/${id}/files`,
    field: 'file',
    fields: () => [],
    storedName: (b) => b.name,
  },
];

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

describe('hostile uploads cannot hurt the process', () => {
  let t: SandboxTestApp;
  let headers: { Authorization: string };
  let channelId: string;

  beforeAll(async () => {
    t = await startTestAppWithSandbox();
    const tenant = await newTenant(t);
    headers = tenant.headers;
    const bot = await connectBot(t, t.sandbox, headers);
    channelId = (await channelFor(t, t.sandbox, headers, bot.id)).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** The same process still answers: liveness and a normal, authenticated API call. */
  async function stillServing(): Promise<void> {
    await request(t.url).get('/health/live').expect(200);
    await request(t.url).get('/api/files').set(headers).expect(200);
  }

  const post = (
    route: Route,
    body: Buffer,
    extra: { contentLength?: number; abort?: boolean; contentType?: string } = {},
  ) => rawPost({ url: t.url, path: route.path(channelId), headers, body, ...extra });

  const expectError = (res: RawResponse | null, status: number, code: string): void => {
    expect(res).not.toBeNull();
    expect({ status: res!.status, code: res!.body?.error?.code }).toEqual({ status, code });
    expect(typeof res!.body.error.message).toBe('string');
  };

  describe.each(ROUTES)('$name', (route) => {
    it('answers 400 to a body that ends inside the file part, and keeps serving', async () => {
      const whole = multipartBody([...route.fields(), filePart(route.field, 'cut.png', Buffer.alloc(200_000, 7))]);
      // The request is complete as announced, but the form inside stops mid-file with no closing boundary.
      const cut = whole.subarray(0, whole.length - 100_000);
      const res = await post(route, cut);
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res!.body.error.message).toMatch(/ended/);
      await stillServing();
    });

    it('survives a client that disconnects in the middle of the file', async () => {
      const whole = multipartBody([...route.fields(), filePart(route.field, 'gone.bin', Buffer.alloc(2_000_000, 1))]);
      const res = await post(route, whole.subarray(0, 1_000_000), { contentLength: whole.length, abort: true });
      expect(res).toBeNull();
      await stillServing();
    });

    it('answers 413 to a file over 50 MB', async () => {
      const big = multipartBody([
        ...route.fields(),
        filePart(route.field, 'big.bin', Buffer.alloc(MAX_UPLOAD_BYTES + 1)),
      ]);
      const res = await post(route, big);
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      expect(res!.body.error.message).toContain('50 MB');
      await stillServing();
    });

    it('answers 413 to a text field far over any sane size', async () => {
      const res = await post(
        route,
        multipartBody([fieldPart('text', 'x'.repeat(200_000)), filePart(route.field, 'a.png', PNG, 'image/png')]),
      );
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      expect(res!.body.error.message).toContain('"text"');
      await stillServing();
    });

    it('answers 400 to more than one file', async () => {
      const res = await post(
        route,
        multipartBody([
          ...route.fields(),
          filePart(route.field, 'a.png', PNG, 'image/png'),
          filePart(route.field, 'b.png', PNG, 'image/png'),
        ]),
      );
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res!.body.error.message).toContain('at most 1 file');
      await stillServing();
    });

    it('answers 400 to too many fields', async () => {
      const many = Array.from({ length: 40 }, (_, i) => fieldPart(`f${i}`, 'v'));
      const res = await post(route, multipartBody([...many, filePart(route.field, 'a.png', PNG, 'image/png')]));
      expectError(res, 400, 'VALIDATION_FAILED');
      await stillServing();
    });

    it('answers 415 to multipart without a boundary', async () => {
      const res = await post(route, multipartBody([filePart(route.field, 'a.png', PNG)]), {
        contentType: 'multipart/form-data',
      });
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      await stillServing();
    });

    it('answers 400 to a file part under another name', async () => {
      const res = await post(route, multipartBody([...route.fields(), filePart('other', 'a.png', PNG, 'image/png')]));
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res!.body.error.message).toContain(`"${route.field}"`);
      await stillServing();
    });

    it.each([
      [
        'an RFC 5987 filename*=UTF-8 name',
        `filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82%20%E2%84%962.png`,
        'отчёт №2.png',
      ],
      ['raw UTF-8 bytes', Buffer.from('filename="café.png"', 'utf8').toString('latin1'), 'café.png'],
      ['bytes that are not UTF-8', 'filename="caf\xe9.png"', 'caf\ufffd.png'],
      ['path separators', 'filename="../../etc/passwd.png"', 'passwd.png'],
      ['backslash path separators', 'filename="C:\\\\Users\\\\me\\\\x.png"', 'x.png'],
      ['control characters', 'filename="a\tb.png"', 'ab.png'],
      ['a very long name', `filename="${'n'.repeat(1000)}.png"`, `${'n'.repeat(251)}.png`],
    ])('accepts a file name with %s and stores a safe name', async (_what, param, expected) => {
      const res = await post(
        route,
        multipartBody([
          ...route.fields(),
          { disposition: `name="${route.field}"; ${param}`, contentType: 'image/png', data: PNG },
        ]),
      );
      expect({ status: res!.status, body: res!.body }).toEqual({ status: 201, body: expect.anything() });
      expect(route.storedName(res!.body)).toBe(expected);
      await stillServing();
    });

    it('answers 400 to a file part with an empty file name (sent as a plain field)', async () => {
      const res = await post(
        route,
        multipartBody([...route.fields(), { disposition: `name="${route.field}"; filename=""`, data: PNG }]),
      );
      expect(res!.status).toBe(400);
      await stillServing();
    });
  });

  it('survives a client that leaves before its route starts reading the upload', async () => {
    const res = await rawPost({
      url: t.url,
      path: `/api/channels/${channelId}/files`,
      headers,
      body: Buffer.alloc(10),
      contentLength: 1_000_000,
      abort: true,
    });
    expect(res).toBeNull();
    await stillServing();
  });
});
