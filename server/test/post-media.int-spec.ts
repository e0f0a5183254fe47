import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import request from 'supertest';
import { DataSource, type EntityManager } from 'typeorm';
import { TenantDb } from '../src/modules/database/tenant-db';
import { startSandbox, type SandboxHandle } from '../src/sandbox';
import { newTenant } from './factories/user.factory';
import { channelFor, connectBot, eventually, ownerQuery } from './helpers/bot-world';
import { startTestApp, type TestApp } from './helpers/test-app';
import { createMigratedDatabase, TEST_REDIS_URL, type TestDatabase } from './helpers/test-database';
import { telegramFor } from './sandbox/bot-helpers';
import { present } from './helpers/present';

type Headers = { Authorization: string };

describe('post media waits in Postgres, bounded per tenant', () => {
  let sandbox: SandboxHandle;
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    sandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0 });
    db = await createMigratedDatabase();
    t = await startTestApp({ db, sandbox, env: { SEND_SWEEP_MS: '300', POST_MEDIA_QUOTA_MB: '1' } });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await sandbox?.close();
  });

  const upload = (headers: Headers, channelId: string, bytes: Buffer, extra: Record<string, string> = {}) => {
    let req = request(t.url).post(`/api/channels/${channelId}/posts`).set(headers);
    for (const [k, v] of Object.entries({ idempotency_key: randomBytes(6).toString('hex'), ...extra }))
      req = req.field(k, v);
    return req.attach('document', bytes, { filename: 'data.bin', contentType: 'application/octet-stream' });
  };

  const mediaRows = (postId: string) =>
    ownerQuery<{ size: number; bytes: Buffer; file_name: string }>(
      t,
      'SELECT size, bytes, file_name FROM post_media WHERE post_id = $1',
      [postId],
    );

  const waitForStatus = (headers: Headers, id: string, status: string) =>
    eventually(async () => {
      const res = await request(t.url).get(`/api/posts/${id}`).set(headers);
      return res.body.status === status ? res.body : undefined;
    }, 30_000);

  async function tenantWithChannel(): Promise<{
    tenantId: string;
    headers: Headers;
    bot: { id: number; token: string };
    channelId: string;
  }> {
    const { headers, user } = await newTenant(t);
    const bot = await connectBot(t, sandbox, headers);
    const ch = await channelFor(t, sandbox, headers, bot.id);
    return { tenantId: user.id, headers, bot, channelId: ch.id };
  }

  it('keeps a scheduled post’s file in Postgres across a restart and sends the identical bytes', async () => {
    const { headers, bot, channelId } = await tenantWithChannel();
    const bytes = randomBytes(300_000);
    const at = new Date(Date.now() + 4000).toISOString();
    const created = await upload(headers, channelId, bytes, { scheduled_at: at }).expect(201);
    const row = present((await mediaRows(created.body.id))[0], 'the stored media row');
    expect(row.size).toBe(bytes.length);
    expect(Buffer.compare(row.bytes, bytes)).toBe(0);
    const redisPrefix = t.config.redis.prefix;
    const redis = new Redis(TEST_REDIS_URL);
    try {
      expect(await redis.keys(`${redisPrefix}:*media*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }

    await t.close();
    const [{ status } = { status: undefined }] = await ownerQuery<{ status: string }>(
      t,
      'SELECT status FROM posts WHERE id = $1',
      [created.body.id],
    );
    expect(status).toBe('scheduled');
    t = await startTestApp({ db, sandbox, env: { SEND_SWEEP_MS: '300', POST_MEDIA_QUOTA_MB: '1' } });
    expect(t.config.redis.prefix).not.toBe(redisPrefix);

    const sent = await waitForStatus(headers, created.body.id, 'sent');
    const tg = telegramFor(sandbox, bot.token);
    const link = await tg.getFileLink(sent.media.file_id);
    const download = Buffer.from(await (await fetch(link)).arrayBuffer());
    expect(Buffer.compare(download, bytes)).toBe(0);
    expect(await mediaRows(created.body.id)).toEqual([]);
  });

  it('answers 413 MEDIA_QUOTA_EXCEEDED with the use and the limit once the tenant’s waiting media would pass the quota', async () => {
    const { headers, channelId } = await tenantWithChannel();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    await upload(headers, channelId, randomBytes(600 * 1024), { scheduled_at: later }).expect(201);
    const refused = await upload(headers, channelId, randomBytes(600 * 1024), { scheduled_at: later }).expect(413);
    expect(refused.body.error.code).toBe('MEDIA_QUOTA_EXCEEDED');
    expect(refused.body.error.message).toContain('0.6 MB of your 1 MB');

    // Another tenant has a quota of its own.
    const other = await tenantWithChannel();
    await upload(other.headers, other.channelId, randomBytes(600 * 1024), { scheduled_at: later }).expect(201);
  });

  it('does not count, and deletes, bytes a dead worker left behind for a post no longer waiting', async () => {
    const { headers, channelId } = await tenantWithChannel();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const left = await upload(headers, channelId, randomBytes(700 * 1024), { scheduled_at: later }).expect(201);
    // As if the worker had recorded the send and died before deleting the bytes.
    await ownerQuery(t, `UPDATE posts SET status = 'sent', telegram_message_id = 1 WHERE id = $1`, [left.body.id]);
    await upload(headers, channelId, randomBytes(700 * 1024), { scheduled_at: later }).expect(201);
    expect(await mediaRows(left.body.id)).toEqual([]);
  });

  it('deletes the stored file once the post is sent', async () => {
    const { headers, channelId } = await tenantWithChannel();
    const created = await upload(headers, channelId, randomBytes(1000)).expect(201);
    await waitForStatus(headers, created.body.id, 'sent');
    await eventually(async () => ((await mediaRows(created.body.id)).length === 0 ? true : undefined));
  });

  it('deletes the stored file when the post is cancelled, freeing the quota', async () => {
    const { headers, channelId } = await tenantWithChannel();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const created = await upload(headers, channelId, randomBytes(700 * 1024), { scheduled_at: later }).expect(201);
    expect(await mediaRows(created.body.id)).toHaveLength(1);
    await request(t.url).delete(`/api/posts/${created.body.id}`).set(headers).expect(200);
    expect(await mediaRows(created.body.id)).toEqual([]);
    await upload(headers, channelId, randomBytes(700 * 1024), { scheduled_at: later }).expect(201);
  });

  it('deletes the stored file when the post fails for good', async () => {
    const { headers } = await newTenant(t);
    const bot = await connectBot(t, sandbox, headers);
    const ch = await channelFor(t, sandbox, headers, bot.id, { admin: false });
    const created = await upload(headers, ch.id, randomBytes(1000)).expect(201);
    await waitForStatus(headers, created.body.id, 'failed');
    expect(await mediaRows(created.body.id)).toEqual([]);
  });

  it('keeps stored files to their tenant under row-level security', async () => {
    const a = await tenantWithChannel();
    const b = await newTenant(t);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    await upload(a.headers, a.channelId, randomBytes(1000), { scheduled_at: later }).expect(201);
    const [{ rls, forced } = { rls: undefined, forced: undefined }] = await ownerQuery<{
      rls: boolean;
      forced: boolean;
    }>(t, `SELECT relrowsecurity AS rls, relforcerowsecurity AS forced FROM pg_class WHERE relname = 'post_media'`);
    expect({ rls, forced }).toEqual({ rls: true, forced: true });
    const count = (em: EntityManager | DataSource) =>
      em
        .query<{ n: string }[]>('SELECT count(*) AS n FROM post_media')
        .then(([r]) => Number(present(r, 'the count row').n));
    const tenantDb = t.app.get(TenantDb);
    expect(await count(t.app.get(DataSource))).toBe(0);
    expect(await tenantDb.run(a.tenantId, count)).toBe(1);
    expect(await tenantDb.run(b.user.id, count)).toBe(0);
  });
});
