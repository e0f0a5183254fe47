import request from 'supertest';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { MtprotoClientFactory } from '../src/modules/user-mtproto/mtproto-client.factory';
import { newTenant } from './factories/user.factory';
import type { TestApp } from './helpers/test-app';
import { errorOf, signInCall } from './sandbox/mtproto-kit';
import { control } from './sandbox/bot-helpers';
import {
  API_HASH,
  API_ID,
  connectAccount,
  latestCode,
  MtprotoCluster,
  newSandboxUser,
  startCluster,
} from './user-mtproto-kit';

jest.setTimeout(60000);

describe('user MTProto login (real gramjs against the sandbox, two API instances)', () => {
  let cluster: MtprotoCluster;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    cluster = await startCluster();
    a = await cluster.start('api');
    b = await cluster.start('api');
  });

  afterAll(async () => {
    await cluster?.close();
  });

  const setup = (app: TestApp, headers: Record<string, string>, phone: string) =>
    request(app.url)
      .post('/api/user-mtproto/setup')
      .set(headers)
      .send({ telegram_api_id: API_ID, telegram_api_hash: API_HASH, telegram_phone: `+${phone}` });

  /** Opens the stored session with plain gramjs and asks Telegram who it is. */
  async function storedSessionUserId(app: TestApp, tenantId: string): Promise<number> {
    app.app.get(CredentialsService).forget(tenantId);
    const creds = await app.app.get(CredentialsService).get(tenantId);
    const factory = app.app.get(MtprotoClientFactory);
    const client = await factory.createClient({ apiId: API_ID, apiHash: API_HASH, session: creds!.sessionString! });
    try {
      await client.connect();
      return Number((await client.getMe()).id);
    } finally {
      await factory.destroyClient(client);
    }
  }

  it('completes a code login with setup on one instance and verify on another', async () => {
    const tenant = await newTenant(a);
    const user = await newSandboxUser(cluster.sandbox);
    const started = await setup(a, tenant.headers, user.phone).expect(200);
    expect(started.body).toMatchObject({ next: 'code', code_type: 'app' });
    expect(started.body.login_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof started.body.phone_code_hash).toBe('string');

    const code = await latestCode(cluster.sandbox, user.phone);
    await request(b.url)
      .post('/api/user-mtproto/verify')
      .set(tenant.headers)
      .send({ login_id: started.body.login_id, verification_code: code })
      .expect(200, { next: 'done', verified: true });

    const status = await request(a.url).get('/api/user-mtproto/status').set(tenant.headers).expect(200);
    expect(status.body).toMatchObject({
      configured: true,
      verified: true,
      api_id: API_ID,
      can_read_history: true,
      phone: `+${user.phone.slice(0, 3)}${'*'.repeat(user.phone.length - 6)}${user.phone.slice(-3)}`,
    });
    expect(await storedSessionUserId(b, tenant.user.id)).toBe(user.id);
  });

  it('rejects the code from a fresh session while verify, resuming the pending session, succeeds', async () => {
    const tenant = await newTenant(a);
    const user = await newSandboxUser(cluster.sandbox);
    const started = await setup(a, tenant.headers, user.phone).expect(200);
    const code = await latestCode(cluster.sandbox, user.phone);

    const factory = a.app.get(MtprotoClientFactory);
    const fresh = await factory.createClient({ apiId: API_ID, apiHash: API_HASH });
    try {
      await fresh.connect();
      expect(await errorOf(signInCall(fresh, user.phone, started.body.phone_code_hash, code))).toBe(
        'PHONE_CODE_EXPIRED',
      );
    } finally {
      await factory.destroyClient(fresh);
    }

    await request(b.url)
      .post('/api/user-mtproto/verify')
      .set(tenant.headers)
      .send({ phone_code_hash: started.body.phone_code_hash, verification_code: code })
      .expect(200, { next: 'done', verified: true });
    expect(await storedSessionUserId(a, tenant.user.id)).toBe(user.id);
  });

  it('asks for the 2FA password, refuses a wrong one and completes with the right one', async () => {
    const tenant = await newTenant(a);
    const user = await newSandboxUser(cluster.sandbox, { password: 'hunter2 but longer' });
    const started = await setup(a, tenant.headers, user.phone).expect(200);
    const code = await latestCode(cluster.sandbox, user.phone);
    const verify = (app: TestApp, body: Record<string, string>) =>
      request(app.url)
        .post('/api/user-mtproto/verify')
        .set(tenant.headers)
        .send({ login_id: started.body.login_id, verification_code: code, ...body });

    await verify(b, {}).expect(200, { next: 'password', verified: false });
    const wrong = await verify(a, { password: 'not it' }).expect(400);
    expect(wrong.body.error.code).toBe('PASSWORD_INVALID');
    const status = await request(a.url).get('/api/user-mtproto/status').set(tenant.headers).expect(200);
    expect(status.body.verified).toBe(false);
    await verify(b, { password: 'hunter2 but longer' }).expect(200, { next: 'done', verified: true });
    expect(await storedSessionUserId(a, tenant.user.id)).toBe(user.id);
  });

  it('answers PHONE_CODE_INVALID for a wrong code and still accepts the right one', async () => {
    const tenant = await newTenant(a);
    const user = await newSandboxUser(cluster.sandbox);
    const started = await setup(a, tenant.headers, user.phone).expect(200);
    const code = await latestCode(cluster.sandbox, user.phone);
    const wrongCode = code === '00000' ? '11111' : '00000';
    const wrong = await request(b.url)
      .post('/api/user-mtproto/verify')
      .set(tenant.headers)
      .send({ login_id: started.body.login_id, verification_code: wrongCode })
      .expect(400);
    expect(wrong.body.error.code).toBe('PHONE_CODE_INVALID');
    await request(a.url)
      .post('/api/user-mtproto/verify')
      .set(tenant.headers)
      .send({ login_id: started.body.login_id, verification_code: code })
      .expect(200, { next: 'done', verified: true });
  });

  it('answers PHONE_CODE_EXPIRED, telling to run setup again, once the code has expired', async () => {
    const tenant = await newTenant(a);
    const user = await newSandboxUser(cluster.sandbox);
    const ttl = cluster.sandbox.world.codeTtlSeconds;
    // A code that lives no time at all: expired as soon as it is sent, with no wait.
    cluster.sandbox.world.codeTtlSeconds = 0;
    let started: request.Response;
    try {
      started = await setup(a, tenant.headers, user.phone).expect(200);
    } finally {
      cluster.sandbox.world.codeTtlSeconds = ttl;
    }
    const code = await latestCode(cluster.sandbox, user.phone);
    const res = await request(b.url)
      .post('/api/user-mtproto/verify')
      .set(tenant.headers)
      .send({ login_id: started.body.login_id, verification_code: code })
      .expect(400);
    expect(res.body.error.code).toBe('PHONE_CODE_EXPIRED');
    expect(res.body.error.message).toMatch(/setup/);
    // The login is spent: trying again keeps answering the same.
    const again = await request(a.url)
      .post('/api/user-mtproto/verify')
      .set(tenant.headers)
      .send({ login_id: started.body.login_id, verification_code: code })
      .expect(400);
    expect(again.body.error.code).toBe('PHONE_CODE_EXPIRED');
  });

  it("answers LOGIN_NOT_FOUND for an unknown login and for another tenant's login", async () => {
    const tenant = await newTenant(a);
    const other = await newTenant(a);
    const user = await newSandboxUser(cluster.sandbox);
    const started = await setup(a, tenant.headers, user.phone).expect(200);
    await request(a.url)
      .post('/api/user-mtproto/setup')
      .set(other.headers)
      .send({ telegram_api_id: API_ID, telegram_api_hash: API_HASH, telegram_phone: '+15550000001' });
    for (const body of [
      { login_id: started.body.login_id, verification_code: '12345' },
      { phone_code_hash: started.body.phone_code_hash, verification_code: '12345' },
      { login_id: '00000000-0000-4000-8000-000000000000', verification_code: '12345' },
    ]) {
      const res = await request(b.url).post('/api/user-mtproto/verify').set(other.headers).send(body).expect(404);
      expect(res.body.error.code).toBe('LOGIN_NOT_FOUND');
    }
  });

  it('asks for login_id when verify names no login', async () => {
    const tenant = await newTenant(a);
    const res = await request(a.url)
      .post('/api/user-mtproto/verify')
      .set(tenant.headers)
      .send({ verification_code: '12345' })
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.fields).toEqual([
      { field: 'login_id', problems: ['give login_id (or phone_code_hash), as POST /api/user-mtproto/setup answered'] },
    ]);
  });

  it('refuses malformed api credentials and phone numbers with their own codes, before calling Telegram', async () => {
    const tenant = await newTenant(a);
    const bad = [
      [{ telegram_api_id: -5, telegram_api_hash: API_HASH, telegram_phone: '+15551234567' }, 'API_CREDENTIALS_INVALID'],
      [
        { telegram_api_id: API_ID, telegram_api_hash: 'xyz', telegram_phone: '+15551234567' },
        'API_CREDENTIALS_INVALID',
      ],
      [{ telegram_api_id: API_ID, telegram_api_hash: API_HASH, telegram_phone: '5551234' }, 'PHONE_NUMBER_INVALID'],
    ] as const;
    const before = (await control(cluster.sandbox, 'GET', '/sandbox/mtproto/stats')).body.handshakes;
    for (const [body, code] of bad) {
      const res = await request(a.url).post('/api/user-mtproto/setup').set(tenant.headers).send(body).expect(400);
      expect(res.body.error.code).toBe(code);
    }
    expect((await control(cluster.sandbox, 'GET', '/sandbox/mtproto/stats')).body.handshakes).toBe(before);
  });

  it('turns a long FLOOD_WAIT on sendCode into 429 with retry_after', async () => {
    const tenant = await newTenant(a);
    const user = await newSandboxUser(cluster.sandbox);
    await control(cluster.sandbox, 'POST', '/sandbox/faults', {
      door: 'mtproto',
      method: 'auth.sendCode',
      error: 'FLOOD_WAIT_120',
    });
    const res = await setup(a, tenant.headers, user.phone).expect(429);
    expect(res.body.error).toMatchObject({ code: 'FLOOD_WAIT', retry_after: 120 });
    expect(res.headers['retry-after']).toBe('120');
  });

  async function acceptQr(qrUrl: string, phone: string): Promise<void> {
    const token = /^tg:\/\/login\?token=([A-Za-z0-9_-]+)$/.exec(qrUrl)?.[1];
    expect(token).toBeDefined();
    const res = await control(cluster.sandbox, 'POST', `/sandbox/users/${phone}/accept-login-token`, { token });
    expect(res.status).toBe(200);
  }

  it('completes a QR login once the sandbox accepts the token', async () => {
    const tenant = await newTenant(a);
    const user = await newSandboxUser(cluster.sandbox);
    const started = await request(a.url)
      .post('/api/user-mtproto/qr')
      .set(tenant.headers)
      .send({ telegram_api_id: API_ID, telegram_api_hash: API_HASH })
      .expect(200);
    expect(started.body).toMatchObject({ state: 'pending' });
    expect(new Date(started.body.expires_at).getTime()).toBeGreaterThan(Date.now());
    const pending = await request(b.url)
      .get(`/api/user-mtproto/qr/${started.body.login_id}`)
      .set(tenant.headers)
      .expect(200);
    expect(pending.body.state).toBe('pending');
    expect(pending.body.qr_url).toMatch(/^tg:\/\/login\?token=/);

    await acceptQr(pending.body.qr_url, user.phone);
    const done = await request(a.url)
      .get(`/api/user-mtproto/qr/${started.body.login_id}`)
      .set(tenant.headers)
      .expect(200);
    expect(done.body.state).toBe('done');
    const status = await request(b.url).get('/api/user-mtproto/status').set(tenant.headers).expect(200);
    expect(status.body).toMatchObject({ verified: true, api_id: API_ID });
    expect(await storedSessionUserId(a, tenant.user.id)).toBe(user.id);
  });

  it('asks a 2FA account for its password after the QR token is accepted', async () => {
    const tenant = await newTenant(a);
    const user = await newSandboxUser(cluster.sandbox, { password: 'qr pass phrase' });
    const started = await request(a.url)
      .post('/api/user-mtproto/qr')
      .set(tenant.headers)
      .send({ telegram_api_id: API_ID, telegram_api_hash: API_HASH })
      .expect(200);
    await acceptQr(started.body.qr_url, user.phone);
    const polled = await request(b.url)
      .get(`/api/user-mtproto/qr/${started.body.login_id}`)
      .set(tenant.headers)
      .expect(200);
    expect(polled.body.state).toBe('password_needed');
    const wrong = await request(a.url)
      .post(`/api/user-mtproto/qr/${started.body.login_id}/password`)
      .set(tenant.headers)
      .send({ password: 'nope' })
      .expect(400);
    expect(wrong.body.error.code).toBe('PASSWORD_INVALID');
    const done = await request(b.url)
      .post(`/api/user-mtproto/qr/${started.body.login_id}/password`)
      .set(tenant.headers)
      .send({ password: 'qr pass phrase' })
      .expect(200);
    expect(done.body.state).toBe('done');
    expect(await storedSessionUserId(a, tenant.user.id)).toBe(user.id);
  });

  it('disconnect clears the session but keeps api_id; remove wipes every MTProto field', async () => {
    const tenant = await newTenant(a);
    const user = await newSandboxUser(cluster.sandbox);
    await connectAccount(a, cluster.sandbox, tenant, user);
    const afterDisconnect = await request(b.url).post('/api/user-mtproto/disconnect').set(tenant.headers).expect(200);
    expect(afterDisconnect.body).toMatchObject({ configured: true, verified: false, api_id: API_ID, connected: false });
    a.app.get(CredentialsService).forget(tenant.user.id);
    const creds = await a.app.get(CredentialsService).get(tenant.user.id);
    expect(creds).toMatchObject({ sessionString: null, isMtprotoVerified: false, telegramApiHash: API_HASH });

    const afterRemove = await request(a.url).delete('/api/user-mtproto/remove').set(tenant.headers).expect(200);
    expect(afterRemove.body).toMatchObject({ configured: false, verified: false, api_id: null, phone: null });
    b.app.get(CredentialsService).forget(tenant.user.id);
    const wiped = await b.app.get(CredentialsService).get(tenant.user.id);
    expect(wiped).toMatchObject({
      telegramApiId: null,
      telegramApiHash: null,
      telegramPhone: null,
      sessionString: null,
    });
  });

  it('answers MTPROTO_NOT_CONFIGURED for a QR login without api credentials', async () => {
    const tenant = await newTenant(a);
    const res = await request(a.url).post('/api/user-mtproto/qr').set(tenant.headers).send({}).expect(409);
    expect(res.body.error.code).toBe('MTPROTO_NOT_CONFIGURED');
  });
});
