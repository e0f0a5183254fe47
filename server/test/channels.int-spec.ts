import request from 'supertest';
import { startTestApp, TestApp } from './helpers/test-app';
import { newTenant, NewUser } from './factories/user.factory';
import { newChannel } from './factories/channel.factory';

describe('channels', () => {
  let t: TestApp;
  let owner: NewUser;
  beforeAll(async () => {
    t = await startTestApp();
    owner = await newTenant(t);
  });
  afterAll(async () => t?.close());

  it('adds a channel by telegram_id and returns it in snake_case', async () => {
    const res = await request(t.url)
      .post('/api/channels')
      .set(owner.headers)
      .send({ telegram_id: '-1001234567890', title: 'News' })
      .expect(201);
    expect(res.body).toMatchObject({
      telegram_id: '-1001234567890',
      title: 'News',
      type: 'channel',
      bot_is_admin: false,
      bot_can_post: false,
      admin_checked_at: null,
    });
    expect(res.body).not.toHaveProperty('user_id');
    await request(t.url).get(`/api/channels/${res.body.id}`).set(owner.headers).expect(200);
  });

  it('adds a channel by @username', async () => {
    const res = await request(t.url)
      .post('/api/channels')
      .set(owner.headers)
      .send({ username: '@my_public_channel' })
      .expect(201);
    expect(res.body).toMatchObject({ username: 'my_public_channel', telegram_id: null, title: 'my_public_channel' });
  });

  it('asks for telegram_id or username when neither is given', async () => {
    const res = await request(t.url).post('/api/channels').set(owner.headers).send({ title: 'Nameless' }).expect(400);
    expect(res.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('telegram_id or its username'),
    });
  });

  it('answers 409 CHANNEL_EXISTS for a channel already added', async () => {
    await request(t.url).post('/api/channels').set(owner.headers).send({ telegram_id: '-1005550001' }).expect(201);
    const res = await request(t.url)
      .post('/api/channels')
      .set(owner.headers)
      .send({ telegram_id: '-1005550001' })
      .expect(409);
    expect(res.body.error.code).toBe('CHANNEL_EXISTS');
  });

  it('lets two tenants add the same Telegram channel', async () => {
    const other = await newTenant(t);
    await request(t.url).post('/api/channels').set(owner.headers).send({ telegram_id: '-1007770001' }).expect(201);
    await request(t.url).post('/api/channels').set(other.headers).send({ telegram_id: '-1007770001' }).expect(201);
  });

  it.each([
    [{ telegram_id: '-100123', user_id: '00000000-0000-4000-8000-000000000000' }, 'user_id'],
    [{ telegram_id: '-100124', id: '00000000-0000-4000-8000-000000000000' }, 'id'],
    [{ telegram_id: '-100125', bot_is_admin: true }, 'bot_is_admin'],
  ])('refuses unknown field %j with 400', async (body, field) => {
    const res = await request(t.url).post('/api/channels').set(owner.headers).send(body).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.message).toContain(field);
  });

  it('refuses unknown fields on PATCH too', async () => {
    const channel = await newChannel(t, owner.user.id);
    const res = await request(t.url)
      .patch(`/api/channels/${channel.id}`)
      .set(owner.headers)
      .send({ user_id: '00000000-0000-4000-8000-000000000000' })
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('lists only the caller’s channels, paginated', async () => {
    const tenant = await newTenant(t);
    const other = await newTenant(t);
    for (let i = 0; i < 5; i++) await newChannel(t, tenant.user.id, { title: `c${i}` });
    await newChannel(t, other.user.id);
    const first = await request(t.url).get('/api/channels?page=1&page_size=2').set(tenant.headers).expect(200);
    expect(first.body).toMatchObject({ page: 1, page_size: 2, total: 5 });
    expect(first.body.items).toHaveLength(2);
    const last = await request(t.url).get('/api/channels?page=3&page_size=2').set(tenant.headers).expect(200);
    expect(last.body.items).toHaveLength(1);
    const ids = new Set([...first.body.items, ...last.body.items].map((c: { id: string }) => c.id));
    expect(ids.size).toBe(3);
    await request(t.url).get('/api/channels?page_size=500').set(tenant.headers).expect(400);
  });

  it('renames and deletes a channel', async () => {
    const channel = await newChannel(t, owner.user.id, { title: 'Old' });
    const renamed = await request(t.url)
      .patch(`/api/channels/${channel.id}`)
      .set(owner.headers)
      .send({ title: 'New' })
      .expect(200);
    expect(renamed.body.title).toBe('New');
    await request(t.url).delete(`/api/channels/${channel.id}`).set(owner.headers).expect(204);
    await request(t.url).get(`/api/channels/${channel.id}`).set(owner.headers).expect(404);
  });

  it("answers another tenant's channel id exactly like a missing one on GET, PATCH and DELETE", async () => {
    const stranger = await newTenant(t);
    const channel = await newChannel(t, owner.user.id, { title: 'Mine' });
    for (const method of ['get', 'patch', 'delete'] as const) {
      const res = await request(t.url)
        [method](`/api/channels/${channel.id}`)
        .set(stranger.headers)
        .send({})
        .expect(404);
      expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: `Channel ${channel.id} not found.` } });
    }
    const notUuid = await request(t.url).get('/api/channels/not-a-uuid').set(stranger.headers).expect(404);
    expect(notUuid.body.error.code).toBe('NOT_FOUND');
    const still = await request(t.url).get(`/api/channels/${channel.id}`).set(owner.headers).expect(200);
    expect(still.body.title).toBe('Mine');
  });
});
