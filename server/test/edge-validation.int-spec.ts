import request from 'supertest';
import { UserRole } from '../src/modules/tenants/user.entity';
import { newChannel } from './factories/channel.factory';
import { newStaff, newTenant, NewUser } from './factories/user.factory';
import { startTestApp, TestApp } from './helpers/test-app';

interface ErrorBody {
  error: { code: string; message: string; fields?: { field: string; problems: string[] }[] };
}

/**
 * Hostile values at the edge: each is refused with 400 VALIDATION_FAILED naming
 * the field (or 401/404 where the value names nothing), before any service code
 * runs, and the process keeps answering.
 */
describe('edge validation', () => {
  let t: TestApp;
  let tenant: NewUser;
  let admin: NewUser;
  let channelId: string;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await newTenant(t);
    admin = await newStaff(t, UserRole.Admin);
    channelId = (await newChannel(t, tenant.user.id)).id;
  });
  afterAll(async () => t?.close());

  /** The answer is a 400 VALIDATION_FAILED whose fields name `field` (by prefix, for nested paths). */
  function expectFieldRefused(res: request.Response, field: string, problem?: RegExp): void {
    expect(res.status).toBe(400);
    const body = res.body as ErrorBody;
    expect(body.error).toEqual(expect.objectContaining({ code: 'VALIDATION_FAILED', message: expect.any(String) }));
    const named = (body.error.fields ?? []).filter(
      (f) => f.field === field || f.field.startsWith(`${field}.`) || f.field.startsWith(`${field}[`),
    );
    expect(named).not.toHaveLength(0);
    if (problem) expect(named.flatMap((f) => f.problems).join(' ')).toMatch(problem);
  }

  afterEach(async () => {
    await request(t.url).get('/health/live').expect(200);
  });

  describe('JSON nesting', () => {
    const deep = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);

    it('refuses a 4 KB body nested 2,000 levels on the unauthenticated login route', async () => {
      const body = `{"email":${deep(2000)},"password":"x"}`;
      expect(body.length).toBeLessThan(4200);
      const res = await request(t.url).post('/api/auth/login').set('Content-Type', 'application/json').send(body);
      expectFieldRefused(res, 'email', /nested deeper than 32 levels/);
      // At the limit the body goes on to validation, which names what is wrong with it.
      const atLimit = await request(t.url)
        .post('/api/auth/login')
        .set('Content-Type', 'application/json')
        .send(`{"email":${deep(31)},"password":"x"}`);
      expectFieldRefused(atLimit, 'email', /must be a string/);
    });

    it('refuses deep objects as well as arrays, on register and on authenticated routes', async () => {
      const objects = '{"a":'.repeat(500) + '1' + '}'.repeat(500);
      const reg = await request(t.url)
        .post('/api/auth/register')
        .set('Content-Type', 'application/json')
        .send(`{"email":"x@example.com","password":"long-enough-password","extra":${objects}}`);
      expectFieldRefused(reg, 'extra', /nested deeper/);
      const post = await request(t.url)
        .post(`/api/channels/${channelId}/posts`)
        .set(tenant.headers)
        .set('Content-Type', 'application/json')
        .send(`{"text":${objects},"idempotency_key":"deep-1"}`);
      expectFieldRefused(post, 'text', /nested deeper/);
    });
  });

  describe('text Postgres cannot store', () => {
    it('refuses NUL in the email on register and on login', async () => {
      for (const path of ['/api/auth/register', '/api/auth/login']) {
        const res = await request(t.url)
          .post(path)
          .send({ email: 'nul\u0000@example.com', password: 'long-enough-password' });
        expectFieldRefused(res, 'email', /NUL/);
      }
    });

    it('refuses an unpaired surrogate in the email on register and on login', async () => {
      for (const path of ['/api/auth/register', '/api/auth/login']) {
        const res = await request(t.url)
          .post(path)
          .set('Content-Type', 'application/json')
          .send('{"email":"\\ud800x@example.com","password":"long-enough-password"}');
        expectFieldRefused(res, 'email', /unpaired surrogate/);
      }
    });

    it('refuses NUL in a channel title, a post text and the admin search', async () => {
      expectFieldRefused(
        await request(t.url)
          .post('/api/channels')
          .set(tenant.headers)
          .send({ telegram_id: '-1001', title: 'a\u0000b' }),
        'title',
        /NUL/,
      );
      expectFieldRefused(
        await request(t.url)
          .post(`/api/channels/${channelId}/posts`)
          .set(tenant.headers)
          .send({ text: 'hi\u0000', idempotency_key: 'nul-1' }),
        'text',
        /NUL/,
      );
      expectFieldRefused(await request(t.url).get('/api/admin/tenants?search=%00').set(admin.headers), 'search', /NUL/);
    });

    it('refuses NUL in a post text sent as a multipart field', async () => {
      const res = await request(t.url)
        .post(`/api/channels/${channelId}/posts`)
        .set(tenant.headers)
        .field('text', 'hi\u0000there')
        .field('idempotency_key', 'nul-multipart-1');
      expectFieldRefused(res, 'text', /NUL/);
    });

    it('refuses NUL in a path parameter', async () => {
      expectFieldRefused(await request(t.url).get('/api/admin/tenants/%00').set(admin.headers), 'id', /NUL/);
    });

    it('answers a path that is not valid percent-encoded UTF-8 with 400 VALIDATION_FAILED saying how to encode it', async () => {
      const res = await request(t.url).get('/api/admin/tenants/%E0%A4%A').set(admin.headers);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.error).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringContaining('encodeURIComponent'),
      });
    });
  });

  describe('prototype keys', () => {
    it('refuses a constructor value in a post body with 400, never 500', async () => {
      const nested = await request(t.url)
        .post(`/api/channels/${channelId}/posts`)
        .set(tenant.headers)
        .send({ text: { constructor: { name: 'x' } }, idempotency_key: 'proto-1' });
      expectFieldRefused(nested, 'text.constructor', /not an accepted field name/);
      const top = await request(t.url)
        .post(`/api/channels/${channelId}/posts`)
        .set(tenant.headers)
        .send({ constructor: { prototype: {} }, text: 'x', idempotency_key: 'proto-2' });
      expectFieldRefused(top, 'constructor');
    });

    it('refuses prototype keys sent as multipart field names', async () => {
      for (const name of ['__proto__', 'constructor']) {
        const res = await request(t.url)
          .post(`/api/channels/${channelId}/posts`)
          .set(tenant.headers)
          .field(name, 'x')
          .field('text', 'hello')
          .field('idempotency_key', `proto-multipart-${name}`);
        expectFieldRefused(res, name, /not an accepted field name/);
      }
    });

    it('refuses __proto__ in a body on an unauthenticated route', async () => {
      const res = await request(t.url)
        .post('/api/auth/login')
        .set('Content-Type', 'application/json')
        .send('{"email":"a@example.com","password":"x","__proto__":{"role":"admin"}}');
      expectFieldRefused(res, '__proto__');
    });
  });

  describe('integers bounded by their column and Telegram type', () => {
    it('refuses a telegram_id past int64 (19 and 20 digits) and an unsafe JSON number', async () => {
      for (const telegram_id of ['9223372036854775808', '-9223372036854775809', '99999999999999999999', 1e20]) {
        const res = await request(t.url).post('/api/channels').set(tenant.headers).send({ telegram_id, title: 'X' });
        expectFieldRefused(res, 'telegram_id', /signed 64-bit integer/);
      }
    });

    it('refuses telegram_api_id 2147483648 as invalid input, not as a Telegram outage', async () => {
      const res = await request(t.url)
        .post('/api/user-mtproto/setup')
        .set(tenant.headers)
        .send({ telegram_api_id: 2147483648, telegram_api_hash: 'a'.repeat(32), telegram_phone: '+15551234567' });
      expectFieldRefused(res, 'telegram_api_id', /at most 2147483647/);
    });

    it('refuses history offset_id 1e20 as invalid input, not as a Telegram outage', async () => {
      const res = await request(t.url).get(`/api/channels/${channelId}/history?offset_id=1e20`).set(tenant.headers);
      expectFieldRefused(res, 'offset_id', /at most 2147483647/);
    });

    it('refuses page=1e300 on every paged list', async () => {
      const lists: [string, NewUser][] = [
        ['/api/channels', tenant],
        [`/api/channels/${channelId}/posts`, tenant],
        ['/api/files', tenant],
        ['/api/admin/tenants', admin],
        ['/api/admin/audit', admin],
      ];
      for (const [path, who] of lists) {
        expectFieldRefused(await request(t.url).get(`${path}?page=1e300`).set(who.headers), 'page');
      }
      expectFieldRefused(await request(t.url).get('/api/channels?page_size=1e300').set(tenant.headers), 'page_size');
      expectFieldRefused(await request(t.url).get('/api/admin/audit?limit=1e300').set(admin.headers), 'limit');
      // Query strings are parsed flat: nested brackets and repeated keys are unknown fields or wrong types.
      expect(
        (
          await request(t.url)
            .get(`/api/channels?page${'[a]'.repeat(50)}=1`)
            .set(tenant.headers)
        ).status,
      ).toBe(400);
      const repeated = Array.from({ length: 500 }, () => 'page=1').join('&');
      expectFieldRefused(await request(t.url).get(`/api/channels?${repeated}`).set(tenant.headers), 'page');
    });
  });

  describe('dates the database stores', () => {
    it('refuses an audit filter at the edge of what a JS Date holds', async () => {
      for (const field of ['from', 'to']) {
        const res = await request(t.url).get(`/api/admin/audit?${field}=-271821-04-20T00:00:00Z`).set(admin.headers);
        expectFieldRefused(res, field, /between 0001-01-01 and 9999-12-31/);
      }
    });

    it('refuses a post scheduled before year 1', async () => {
      const res = await request(t.url)
        .post(`/api/channels/${channelId}/posts`)
        .set(tenant.headers)
        .send({ text: 'old', scheduled_at: '0000-01-01T00:00:00Z', idempotency_key: 'date-1' });
      expectFieldRefused(res, 'scheduled_at', /between 0001-01-01 and 9999-12-31/);
    });
  });

  describe('null for a not-null field', () => {
    it('refuses {"title": null} on PATCH /api/channels/:id and keeps the title', async () => {
      const res = await request(t.url).patch(`/api/channels/${channelId}`).set(tenant.headers).send({ title: null });
      expectFieldRefused(res, 'title', /must not be null/);
      const after = await request(t.url).get(`/api/channels/${channelId}`).set(tenant.headers).expect(200);
      expect(after.body.title).toBe('Test channel');
    });
  });

  describe('null where it would break a constraint', () => {
    it('refuses clearing the username of a channel known only by its username', async () => {
      const byName = await newChannel(t, tenant.user.id, { telegramId: null, username: 'only_by_name' });
      const res = await request(t.url).patch(`/api/channels/${byName.id}`).set(tenant.headers).send({ username: null });
      expectFieldRefused(res, 'username', /telegram_id/);
    });
  });

  describe('webhook bot ids', () => {
    it('refuses an update nested 2,000 levels before looking at the bot', async () => {
      const res = await request(t.url)
        .post('/telegram/webhook/424242')
        .set('Content-Type', 'application/json')
        .send(`{"update_id":1,"message":${'['.repeat(2000)}${']'.repeat(2000)}}`);
      expectFieldRefused(res, 'message', /nested deeper/);
    });

    it('answers an out-of-range bot id like an unknown one (401), unauthenticated', async () => {
      const res = await request(t.url)
        .post('/telegram/webhook/9223372036854775808')
        .set('X-Telegram-Bot-Api-Secret-Token', 'x')
        .send({ update_id: 1 });
      expect([401, 404]).toContain(res.status);
      expect((res.body as ErrorBody).error).toEqual(
        expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
      );
    });
  });
});
