import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER } from '../src/modules/auth/jwt.constants';
import { bearer, newTenant, NewUser } from './factories/user.factory';
import { startTestApp, TestApp } from './helpers/test-app';

/** Claims an access token must carry, and how far ahead of ours the issuer's clock may be (30 s). */
describe('access token claims', () => {
  let t: TestApp;
  let tenant: NewUser;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await newTenant(t);
  });
  afterAll(async () => t?.close());

  const now = (): number => Math.floor(Date.now() / 1000);

  /** Signed with the app's own secret, issuer and audience: only the claims under test differ. */
  const sign = (claims: Record<string, unknown>, noTimestamp = false): string =>
    new JwtService({}).sign(
      { sub: tenant.user.id, role: 'tenant', ...claims },
      {
        secret: t.config.jwt.secret,
        algorithm: JWT_ALGORITHM,
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        noTimestamp,
      },
    );

  async function expectRefused(token: string): Promise<void> {
    const res = await request(t.url).get('/api/me').set(bearer(token)).expect(401);
    expect(res.body).toEqual({ error: { code: 'TOKEN_INVALID', message: expect.any(String) } });
  }

  it('refuses a token without exp', async () => {
    await expectRefused(sign({ iat: now() }));
  });

  it('refuses a token without iat', async () => {
    await expectRefused(sign({ exp: now() + 600 }, true));
  });

  it('refuses a token issued (iat) or valid from (nbf) more than 30 s in the future', async () => {
    await expectRefused(sign({ iat: now() + 120, exp: now() + 900 }));
    await expectRefused(sign({ iat: now(), nbf: now() + 120, exp: now() + 900 }));
  });

  it('accepts iat and nbf within the 30 s skew, and still refuses exp in the past', async () => {
    await request(t.url)
      .get('/api/me')
      .set(bearer(sign({ iat: now() + 10, nbf: now() + 10, exp: now() + 900 })))
      .expect(200);
    const expired = await request(t.url)
      .get('/api/me')
      .set(bearer(sign({ iat: now() - 100, exp: now() - 5 })))
      .expect(401);
    expect(expired.body.error.code).toBe('TOKEN_EXPIRED');
  });
});
