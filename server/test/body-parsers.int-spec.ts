import * as http from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { startTestApp, TestApp } from './helpers/test-app';
import { ProbeModule } from './probes/probe.module';

/** The app's own body parsers (common/http/body-parsers.ts) on a real route, as a client meets them. */
describe('request bodies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ extraModules: [ProbeModule] });
  });
  afterAll(async () => t.close());

  const echo = () => request(t.url).post('/probe/echo');

  /** POSTs raw bytes to /probe/echo as JSON, the body written in pieces of `piece` bytes (no length given when chunked). */
  const postRaw = (body: Buffer, headers: Record<string, string> = {}, piece = body.length) =>
    new Promise<{ status: number; body: { error?: { code: string; message: string } } & Record<string, unknown> }>(
      (resolve, reject) => {
        const url = new URL(t.url);
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            path: '/probe/echo',
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
          },
        );
        req.on('error', reject);
        for (let at = 0; at < body.length; at += piece) req.write(body.subarray(at, at + piece));
        req.end();
      },
    );

  it('reads JSON under application/json and the +json types', async () => {
    await echo().set('Content-Type', 'application/json; charset=utf-8').send('{"name":"abc","count":2}').expect(201);
    await echo().set('Content-Type', 'application/merge-patch+json').send('{"name":"abc","count":2}').expect(201);
  });

  it('takes gzip and deflate bodies, and refuses an encoding it does not know with 415', async () => {
    const body = JSON.stringify({ name: 'abc', count: 3 });
    for (const [encoding, packed] of [
      ['gzip', gzipSync(body)],
      ['deflate', deflateSync(body)],
    ] as const) {
      expect(await postRaw(packed, { 'content-encoding': encoding })).toEqual({
        status: 201,
        body: { name: 'abc', count: 3 },
      });
    }
    for (const encoding of ['compress', 'constructor', '__proto__']) {
      const res = await echo().set('Content-Type', 'application/json').set('Content-Encoding', encoding).send(body);
      expect({ encoding, status: res.status, code: res.body.error.code }).toEqual({
        encoding,
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      });
    }
  });

  it('refuses a charset other than UTF-8 with 415 naming it', async () => {
    const res = await echo().set('Content-Type', 'application/json; charset=latin1').send('{}').expect(415);
    expect(res.body.error).toEqual({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported charset "LATIN1"' });
  });

  it('answers a top-level JSON value that is not an object or an array with 400 MALFORMED_JSON', async () => {
    for (const text of ['123', '"text"', 'null', 'true']) {
      const res = await echo().set('Content-Type', 'application/json').send(text);
      expect({ text, status: res.status, code: res.body.error.code }).toEqual({
        text,
        status: 400,
        code: 'MALFORMED_JSON',
      });
    }
  });

  it('reads an empty JSON body as an empty object, which the route then validates', async () => {
    const res = await echo().set('Content-Type', 'application/json').send('').expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect((res.body.error.fields as { field: string }[]).map((f) => f.field).sort()).toEqual(['count', 'name']);
  });

  it('refuses a body over the limit with 413, whether it says its length or is sent in chunks or compressed', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(1100 * 1024), count: 1 });
    const declared = await echo().set('Content-Type', 'application/json').send(big).expect(413);
    expect(declared.body.error.message).toContain('1024 KB');
    const chunked = await postRaw(Buffer.from(big), {}, 100_000);
    expect(chunked.status).toBe(413);
    expect(chunked.body.error?.code).toBe('PAYLOAD_TOO_LARGE');
    // Compressed to a few KB, over the limit once inflated.
    const bomb = await postRaw(gzipSync(big), { 'content-encoding': 'gzip' });
    expect({ status: bomb.status, code: bomb.body.error?.code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('reads urlencoded forms flat, and checks them like JSON bodies', async () => {
    await echo()
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('name=abc&count=2')
      .expect(400)
      // Read: the name passes; the count arrives as the text "2", not the integer the route takes.
      .expect((res) => expect(res.body.error.fields).toEqual([{ field: 'count', problems: expect.any(Array) }]));
    const nul = await request(t.url)
      .post('/probe/secret')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('name=a%00b')
      .expect(400);
    expect(nul.body.error.fields).toEqual([{ field: 'name', problems: [expect.stringContaining('NUL')] }]);
  });

  it('leaves any other type unread: a JSON route sees no body and says what it expected', async () => {
    const res = await echo().set('Content-Type', 'text/plain').send('name=abc').expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});
