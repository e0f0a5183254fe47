import { JwtService } from '@nestjs/jwt';
import { DataSource } from 'typeorm';
import request from 'supertest';
import { AuditEvent } from '../src/modules/audit/audit-event.entity';
import { User, UserRole } from '../src/modules/tenants/user.entity';
import { startTestApp, TestApp } from './helpers/test-app';
import { bearer, newStaff, newTenant } from './factories/user.factory';

const PASSWORD = 'correct horse battery';

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('auth', () => {
  let t: TestApp;
  let secret: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { LOGIN_MAX_FAILURES_PER_EMAIL: '3', LOGIN_FAILURE_WINDOW_SECONDS: '120' } });
    secret = t.config.jwt.secret;
  });
  afterAll(async () => t?.close());

  const sign = (payload: object, options: Record<string, unknown> = {}): string => {
    const withExpiry = 'exp' in payload ? {} : { expiresIn: 900 };
    return new JwtService({}).sign(payload, {
      secret,
      algorithm: 'HS256',
      issuer: 'tenantgram',
      audience: 'tenantgram-api',
      ...withExpiry,
      ...options,
    });
  };

  describe('register, login and me', () => {
    it('registers a tenant, logs in and answers /api/me with the profile', async () => {
      const email = `Owner-${Date.now()}@Example.test`;
      const reg = await request(t.url).post('/api/auth/register').send({ email, password: PASSWORD }).expect(201);
      expect(reg.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
      expect(typeof reg.body.refresh_token).toBe('string');

      const login = await request(t.url).post('/api/auth/login').send({ email, password: PASSWORD }).expect(200);
      const me = await request(t.url).get('/api/me').set(bearer(login.body.access_token)).expect(200);
      expect(me.body).toMatchObject({
        email: email.toLowerCase(),
        role: 'tenant',
        status: 'active',
        telegram_user_id: null,
      });
      expect(me.body).not.toHaveProperty('password_hash');
    });

    it('refuses a password shorter than 10 characters or equal to the email', async () => {
      const short = await request(t.url)
        .post('/api/auth/register')
        .send({ email: 'short@example.test', password: 'abc123' })
        .expect(400);
      expect(short.body.error.code).toBe('VALIDATION_FAILED');
      expect(short.body.error.message).toContain('password');
      const same = await request(t.url)
        .post('/api/auth/register')
        .send({ email: 'sameasemail@example.test', password: 'SameAsEmail@example.test' })
        .expect(400);
      expect(same.body.error).toMatchObject({
        code: 'WEAK_PASSWORD',
        message: 'The password must not be the email address.',
      });
    });

    it('answers 409 EMAIL_TAKEN for an email already registered, whatever its case', async () => {
      await request(t.url)
        .post('/api/auth/register')
        .send({ email: 'taken@example.test', password: PASSWORD })
        .expect(201);
      const res = await request(t.url)
        .post('/api/auth/register')
        .send({ email: 'TAKEN@example.test', password: PASSWORD })
        .expect(409);
      expect(res.body.error.code).toBe('EMAIL_TAKEN');
    });

    it('refuses unknown fields such as role on register', async () => {
      const res = await request(t.url)
        .post('/api/auth/register')
        .send({ email: 'sneaky@example.test', password: PASSWORD, role: 'admin' })
        .expect(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    });

    it('answers 401 INVALID_CREDENTIALS for a wrong password and records the failure without the password', async () => {
      const { user } = await newTenant(t, { password: PASSWORD });
      const res = await request(t.url)
        .post('/api/auth/login')
        .send({ email: user.email, password: 'wrong password!' })
        .expect(401);
      expect(res.body.error.code).toBe('INVALID_CREDENTIALS');
      const events = await t.app
        .get(DataSource)
        .getRepository(AuditEvent)
        .findBy({ actorId: user.id, action: 'auth.login_failed' });
      expect(events).toHaveLength(1);
      expect(JSON.stringify(events[0]?.meta)).not.toContain('wrong password!');
    });
  });

  describe('access tokens', () => {
    it('accepts a well-formed token', async () => {
      const { user } = await newTenant(t);
      await request(t.url)
        .get('/api/me')
        .set(bearer(sign({ sub: user.id, role: 'tenant' })))
        .expect(200);
    });

    it('answers 401 UNAUTHORIZED without a token', async () => {
      const res = await request(t.url).get('/api/me').expect(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    });

    it('answers 401 for a token with alg "none"', async () => {
      const { user } = await newTenant(t);
      const now = Math.floor(Date.now() / 1000);
      const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({
        sub: user.id,
        role: 'tenant',
        iss: 'tenantgram',
        aud: 'tenantgram-api',
        iat: now,
        exp: now + 600,
      })}.`;
      const res = await request(t.url).get('/api/me').set(bearer(token)).expect(401);
      expect(res.body.error.code).toBe('TOKEN_INVALID');
    });

    it('answers 401 for a token signed with another secret', async () => {
      const { user } = await newTenant(t);
      const token = new JwtService({}).sign(
        { sub: user.id, role: 'tenant' },
        {
          secret: 'some-other-secret-of-32-characters!!',
          issuer: 'tenantgram',
          audience: 'tenantgram-api',
          expiresIn: 600,
        },
      );
      const res = await request(t.url).get('/api/me').set(bearer(token)).expect(401);
      expect(res.body.error.code).toBe('TOKEN_INVALID');
    });

    it('answers 401 for an HS384 token even with the right secret (algorithm allowlist)', async () => {
      const { user } = await newTenant(t);
      const res = await request(t.url)
        .get('/api/me')
        .set(bearer(sign({ sub: user.id, role: 'tenant' }, { algorithm: 'HS384' })))
        .expect(401);
      expect(res.body.error.code).toBe('TOKEN_INVALID');
    });

    it('answers 401 TOKEN_EXPIRED for an expired token', async () => {
      const { user } = await newTenant(t);
      const now = Math.floor(Date.now() / 1000);
      const token = sign({ sub: user.id, role: 'tenant', iat: now - 1000, exp: now - 10 });
      const res = await request(t.url).get('/api/me').set(bearer(token)).expect(401);
      expect(res.body.error.code).toBe('TOKEN_EXPIRED');
    });

    it('answers 401 for a wrong audience or issuer', async () => {
      const { user } = await newTenant(t);
      const aud = await request(t.url)
        .get('/api/me')
        .set(bearer(sign({ sub: user.id, role: 'tenant' }, { audience: 'someone-else' })))
        .expect(401);
      expect(aud.body.error.code).toBe('TOKEN_INVALID');
      const iss = await request(t.url)
        .get('/api/me')
        .set(bearer(sign({ sub: user.id, role: 'tenant' }, { issuer: 'someone-else' })))
        .expect(401);
      expect(iss.body.error.code).toBe('TOKEN_INVALID');
    });

    it('takes the role from the database, not from the token', async () => {
      const { user } = await newTenant(t);
      const res = await request(t.url)
        .get('/api/admin/tenants')
        .set(bearer(sign({ sub: user.id, role: 'admin' })))
        .expect(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    });
  });

  describe('refresh tokens', () => {
    it('rotates: each refresh returns a new, working pair', async () => {
      const { refreshToken } = await newTenant(t);
      const first = await request(t.url).post('/api/auth/refresh').send({ refresh_token: refreshToken }).expect(200);
      expect(first.body.refresh_token).not.toBe(refreshToken);
      await request(t.url).get('/api/me').set(bearer(first.body.access_token)).expect(200);
      const second = await request(t.url)
        .post('/api/auth/refresh')
        .send({ refresh_token: first.body.refresh_token })
        .expect(200);
      expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    });

    it('revokes the whole family when a rotated refresh token is used again', async () => {
      const { user, refreshToken } = await newTenant(t);
      const rotated = await request(t.url).post('/api/auth/refresh').send({ refresh_token: refreshToken }).expect(200);

      const reuse = await request(t.url).post('/api/auth/refresh').send({ refresh_token: refreshToken }).expect(401);
      expect(reuse.body.error.code).toBe('TOKEN_INVALID');
      // The legitimate holder's newer token died with the family.
      const after = await request(t.url)
        .post('/api/auth/refresh')
        .send({ refresh_token: rotated.body.refresh_token })
        .expect(401);
      expect(after.body.error.code).toBe('TOKEN_INVALID');

      const events = await t.app
        .get(DataSource)
        .getRepository(AuditEvent)
        .findBy({ actorId: user.id, action: 'auth.refresh_reuse_detected' });
      expect(events).toHaveLength(1);
    });

    it('leaves other logins of the same user alone when one family is revoked', async () => {
      const { user, refreshToken } = await newTenant(t, { password: PASSWORD });
      const other = await request(t.url)
        .post('/api/auth/login')
        .send({ email: user.email, password: PASSWORD })
        .expect(200);
      await request(t.url).post('/api/auth/refresh').send({ refresh_token: refreshToken }).expect(200);
      await request(t.url).post('/api/auth/refresh').send({ refresh_token: refreshToken }).expect(401);
      await request(t.url).post('/api/auth/refresh').send({ refresh_token: other.body.refresh_token }).expect(200);
    });

    it('refuses a made-up or malformed refresh token with 401', async () => {
      const { user } = await newTenant(t);
      for (const token of ['nope', `${user.id}.${'A'.repeat(43)}`]) {
        const res = await request(t.url).post('/api/auth/refresh').send({ refresh_token: token }).expect(401);
        expect(res.body.error.code).toBe('TOKEN_INVALID');
      }
    });

    it('logs out: the refresh token no longer works', async () => {
      const { refreshToken } = await newTenant(t);
      await request(t.url).post('/api/auth/logout').send({ refresh_token: refreshToken }).expect(204);
      await request(t.url).post('/api/auth/refresh').send({ refresh_token: refreshToken }).expect(401);
    });
  });

  describe('suspension and roles', () => {
    it('answers 403 TENANT_SUSPENDED on the next request after support suspends the tenant', async () => {
      const tenant = await newTenant(t);
      const staff = await newStaff(t, UserRole.Support);
      await request(t.url).get('/api/channels').set(tenant.headers).expect(200);
      await request(t.url)
        .patch(`/api/admin/tenants/${tenant.user.id}`)
        .set(staff.headers)
        .send({ status: 'suspended' })
        .expect(200);
      const res = await request(t.url).get('/api/channels').set(tenant.headers).expect(403);
      expect(res.body.error.code).toBe('TENANT_SUSPENDED');
      const refresh = await request(t.url)
        .post('/api/auth/refresh')
        .send({ refresh_token: tenant.refreshToken })
        .expect(401);
      expect(refresh.body.error.code).toBe('TOKEN_INVALID');
    });

    it('refuses a suspended tenant at login with 403 TENANT_SUSPENDED', async () => {
      const { user } = await newTenant(t, { password: PASSWORD });
      await t.app
        .get(DataSource)
        .getRepository(User)
        .update({ id: user.id }, { status: 'suspended' as User['status'] });
      const res = await request(t.url)
        .post('/api/auth/login')
        .send({ email: user.email, password: PASSWORD })
        .expect(403);
      expect(res.body.error.code).toBe('TENANT_SUSPENDED');
    });

    it('keeps staff out of tenant routes and tenants out of admin routes', async () => {
      const tenant = await newTenant(t);
      const admin = await newStaff(t, UserRole.Admin);
      expect((await request(t.url).get('/api/channels').set(admin.headers).expect(403)).body.error.code).toBe(
        'FORBIDDEN',
      );
      expect((await request(t.url).get('/api/admin/tenants').set(tenant.headers).expect(403)).body.error.code).toBe(
        'FORBIDDEN',
      );
      await request(t.url).get('/api/admin/tenants').set(admin.headers).expect(200);
      await request(t.url).get('/api/me').set(admin.headers).expect(200);
    });
  });

  describe('login throttling', () => {
    it('answers 429 TOO_MANY_ATTEMPTS with retry_after once an email has too many failures, even with the right password', async () => {
      const { user } = await newTenant(t, { password: PASSWORD });
      for (let i = 0; i < 3; i++) {
        await request(t.url)
          .post('/api/auth/login')
          .send({ email: user.email, password: 'not the password' })
          .expect(401);
      }
      const res = await request(t.url)
        .post('/api/auth/login')
        .send({ email: user.email, password: PASSWORD })
        .expect(429);
      expect(res.body.error.code).toBe('TOO_MANY_ATTEMPTS');
      expect(res.body.error.retry_after).toBeGreaterThan(0);
      expect(res.body.error.retry_after).toBeLessThanOrEqual(120);
      expect(Number(res.headers['retry-after'])).toBe(res.body.error.retry_after);
    });

    it('counts failures per email: another account from the same address still logs in', async () => {
      const { user } = await newTenant(t, { password: PASSWORD });
      await request(t.url).post('/api/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    });
  });
});

describe('auth throttling per IP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { LOGIN_MAX_FAILURES_PER_IP: '2', LOGIN_MAX_FAILURES_PER_EMAIL: '50' } });
  });
  afterAll(async () => t?.close());

  it('answers 429 for every email from an address with too many failures', async () => {
    await request(t.url)
      .post('/api/auth/login')
      .send({ email: 'a@example.test', password: 'whatever-123' })
      .expect(401);
    await request(t.url)
      .post('/api/auth/login')
      .send({ email: 'b@example.test', password: 'whatever-123' })
      .expect(401);
    const { user } = await newTenant(t, { password: PASSWORD });
    const res = await request(t.url)
      .post('/api/auth/login')
      .send({ email: user.email, password: PASSWORD })
      .expect(429);
    expect(res.body.error.code).toBe('TOO_MANY_ATTEMPTS');
    expect(res.body.error.retry_after).toBeGreaterThan(0);
  });
});

describe('start-up admin', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('creates the admin from ADMIN_EMAIL and ADMIN_PASSWORD when none exists, and only then', async () => {
    t = await startTestApp({ env: { ADMIN_EMAIL: 'Root@Example.test', ADMIN_PASSWORD: 'a long admin password' } });
    const login = await request(t.url)
      .post('/api/auth/login')
      .send({ email: 'root@example.test', password: 'a long admin password' })
      .expect(200);
    const me = await request(t.url).get('/api/me').set(bearer(login.body.access_token)).expect(200);
    expect(me.body.role).toBe('admin');
    await request(t.url).get('/api/admin/tenants').set(bearer(login.body.access_token)).expect(200);
    const admins = await t.app.get(DataSource).getRepository(User).countBy({ role: UserRole.Admin });
    expect(admins).toBe(1);

    // A restart (another pod, or new values) finds the admin and creates nobody.
    const second = await startTestApp({
      db: t.db,
      env: { ADMIN_EMAIL: 'other@example.test', ADMIN_PASSWORD: 'another long password' },
    });
    try {
      expect(await second.app.get(DataSource).getRepository(User).countBy({ role: UserRole.Admin })).toBe(1);
    } finally {
      await second.close();
    }
  });
});
