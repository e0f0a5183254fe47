import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import request from 'supertest';
import { User } from '../src/modules/tenants/user.entity';
import { startTestApp, TestApp } from './helpers/test-app';

const BOT_TOKEN = '123456789:AAExampleExampleExampleExample12345';

/** Signed as Telegram documents it: HMAC-SHA256 keyed by HMAC-SHA256("WebAppData", bot token). */
function initData(fields: Record<string, string>): string {
  const dataCheck = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('\n');
  const secret = createHmac('sha256', 'WebAppData').update(BOT_TOKEN).digest();
  return new URLSearchParams({
    ...fields,
    hash: createHmac('sha256', secret).update(dataCheck).digest('hex'),
  }).toString();
}

const now = (): number => Math.floor(Date.now() / 1000);
const fieldsFor = (telegramId: number, authDate = now()) => ({
  auth_date: String(authDate),
  query_id: 'AAHdF6IQAAAAAN0XohDhrOrc',
  user: JSON.stringify({ id: telegramId, first_name: 'Grace', username: 'grace_h' }),
});

describe('POST /api/auth/telegram-webapp', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SYSTEM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_WEBAPP_MAX_AGE_SECONDS: '3600' } });
  });
  afterAll(async () => t?.close());

  it('logs in with valid initData, creating the tenant once by telegram_user_id', async () => {
    const first = await request(t.url)
      .post('/api/auth/telegram-webapp')
      .send({ init_data: initData(fieldsFor(5550001)) })
      .expect(200);
    expect(first.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    const me = await request(t.url)
      .get('/api/me')
      .set('Authorization', `Bearer ${first.body.access_token}`)
      .expect(200);
    expect(me.body).toMatchObject({ telegram_user_id: '5550001', email: null, role: 'tenant' });

    const again = await request(t.url)
      .post('/api/auth/telegram-webapp')
      .send({ init_data: initData(fieldsFor(5550001)) })
      .expect(200);
    const me2 = await request(t.url)
      .get('/api/me')
      .set('Authorization', `Bearer ${again.body.access_token}`)
      .expect(200);
    expect(me2.body.id).toBe(me.body.id);
    expect(await t.app.get(DataSource).getRepository(User).countBy({ telegramUserId: '5550001' })).toBe(1);
    await request(t.url).post('/api/auth/refresh').send({ refresh_token: again.body.refresh_token }).expect(200);
  });

  it('rejects initData with one character changed', async () => {
    const valid = initData(fieldsFor(5550002));
    const tampered = valid.replace('5550002', '5550003');
    const res = await request(t.url).post('/api/auth/telegram-webapp').send({ init_data: tampered }).expect(401);
    expect(res.body.error.code).toBe('INIT_DATA_INVALID');
  });

  it('rejects initData older than TELEGRAM_WEBAPP_MAX_AGE_SECONDS', async () => {
    const res = await request(t.url)
      .post('/api/auth/telegram-webapp')
      .send({ init_data: initData(fieldsFor(5550004, now() - 3601)) })
      .expect(401);
    expect(res.body.error.code).toBe('INIT_DATA_EXPIRED');
  });

  it('answers 400 when init_data is missing', async () => {
    const res = await request(t.url).post('/api/auth/telegram-webapp').send({}).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('POST /api/auth/telegram-webapp without a system bot', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('answers 503 naming SYSTEM_BOT_TOKEN', async () => {
    const res = await request(t.url)
      .post('/api/auth/telegram-webapp')
      .send({ init_data: initData(fieldsFor(1)) })
      .expect(503);
    expect(res.body.error).toMatchObject({
      code: 'WEBAPP_LOGIN_UNAVAILABLE',
      message: expect.stringContaining('SYSTEM_BOT_TOKEN'),
    });
  });
});
