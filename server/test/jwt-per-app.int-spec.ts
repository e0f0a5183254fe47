import request from 'supertest';
import { TokenService } from '../src/modules/auth/token.service';
import { bearer, newTenant } from './factories/user.factory';
import { startTestApp, TestApp } from './helpers/test-app';

/**
 * passport keeps one strategy registry per process: two apps in one process, on
 * one database but with different JWT secrets, must each verify with their own.
 */
describe('access tokens with two apps in one process', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({ env: { JWT_SECRET: 'first-app-secret-0123456789abcdef0123456789' } });
    b = await startTestApp({ db: a.db, env: { JWT_SECRET: 'second-app-secret-abcdef0123456789abcdef01' } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('each app accepts only tokens signed with its own secret', async () => {
    const tenant = await newTenant(a);
    const tokenA = tenant.accessToken;
    const tokenB = b.app.get(TokenService).signAccessToken(tenant.user);

    await request(a.url).get('/api/me').set(bearer(tokenA)).expect(200);
    await request(b.url).get('/api/me').set(bearer(tokenB)).expect(200);

    const bRefusesA = await request(b.url).get('/api/me').set(bearer(tokenA)).expect(401);
    expect(bRefusesA.body.error.code).toBe('TOKEN_INVALID');
    const aRefusesB = await request(a.url).get('/api/me').set(bearer(tokenB)).expect(401);
    expect(aRefusesB.body.error.code).toBe('TOKEN_INVALID');
  });

  it('answers UNAUTHORIZED, not TOKEN_INVALID, to a header that is not exactly "Bearer <token>"', async () => {
    const tenant = await newTenant(a);
    for (const header of [
      `Bearer ${tenant.accessToken} extra`,
      `Bearer ${tenant.accessToken}!`,
      `Token ${tenant.accessToken}`,
    ]) {
      const res = await request(a.url).get('/api/me').set('Authorization', header).expect(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    }
    await request(a.url).get('/api/me').set('Authorization', `  bearer   ${tenant.accessToken} `).expect(200);
  });

  it('keeps verifying with the remaining app after another app in the process closes', async () => {
    const extra = await startTestApp({ db: a.db, env: { JWT_SECRET: 'third-app-secret-0123456789abcdef0123456' } });
    await extra.close();
    const tenant = await newTenant(a);
    await request(a.url).get('/api/me').set(bearer(tenant.accessToken)).expect(200);
  });
});
