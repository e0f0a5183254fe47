import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { SandboxHandle } from '../src/sandbox';
import { newTenant } from './factories/user.factory';
import { channelFor, connectBot } from './helpers/bot-world';
import { startTestAppWithSandbox, type SandboxTestApp } from './helpers/test-app';

describe('channel-backed files', () => {
  let sandbox: SandboxHandle;
  let t: SandboxTestApp;

  beforeAll(async () => {
    t = await startTestAppWithSandbox();
    sandbox = t.sandbox;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('uploads a file to the channel and downloads identical bytes', async () => {
    const { headers } = await newTenant(t);
    const bot = await connectBot(t, sandbox, headers);
    const ch = await channelFor(t, sandbox, headers, bot.id);
    const bytes = randomBytes(300_000);
    const up = await request(t.url)
      .post(`/api/channels/${ch.id}/files`)
      .set(headers)
      .attach('file', bytes, { filename: 'report.bin', contentType: 'application/octet-stream' })
      .expect(201);
    expect(up.body).toMatchObject({ channel_id: ch.id, name: 'report.bin', size: bytes.length });
    expect(up.body.file_id).toEqual(expect.any(String));

    const list = await request(t.url).get('/api/files').set(headers).expect(200);
    expect(list.body.items.map((f: { id: string }) => f.id)).toEqual([up.body.id]);

    const down = await request(t.url)
      .get(`/api/files/${up.body.id}/download`)
      .set(headers)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(Buffer.compare(down.body as Buffer, bytes)).toBe(0);
    expect(down.headers['content-disposition']).toContain('report.bin');
  });

  it("answers 404 for another tenant's file", async () => {
    const a = await newTenant(t);
    const bot = await connectBot(t, sandbox, a.headers);
    const ch = await channelFor(t, sandbox, a.headers, bot.id);
    const up = await request(t.url)
      .post(`/api/channels/${ch.id}/files`)
      .set(a.headers)
      .attach('file', Buffer.from('secret'), { filename: 'a.txt' })
      .expect(201);
    const b = await newTenant(t);
    await request(t.url).get(`/api/files/${up.body.id}/download`).set(b.headers).expect(404);
  });
});
