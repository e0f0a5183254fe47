import type { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DEV_DEFAULTS } from '../../src/config/app-config';
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER } from '../../src/modules/auth/jwt.constants';
import { TokenService } from '../../src/modules/auth/token.service';
import { hashPassword } from '../../src/modules/tenants/password';
import { User, UserRole, UserStatus } from '../../src/modules/tenants/user.entity';

/** A running app (TestApp or Nest app) or a bare DataSource (tokens are then signed with the dev secret). */
export type FactoryTarget = { app: INestApplication } | INestApplication | DataSource;

export interface UserOverrides {
  email?: string | null;
  password?: string;
  telegramUserId?: string | null;
  status?: UserStatus;
}

export interface NewUser {
  user: User;
  accessToken: string;
  /** Empty when the target was a bare DataSource. */
  refreshToken: string;
  /** Ready to pass to supertest's `.set()`. */
  headers: { Authorization: string };
}

const appOf = (t: FactoryTarget): INestApplication | undefined =>
  t instanceof DataSource ? undefined : 'app' in t && !('get' in t) ? t.app : (t as INestApplication);

export function dataSourceOf(t: FactoryTarget): DataSource {
  const app = appOf(t);
  return app ? app.get(DataSource) : (t as DataSource);
}

async function newUser(target: FactoryTarget, role: UserRole, overrides: UserOverrides): Promise<NewUser> {
  const ds = dataSourceOf(target);
  const repo = ds.getRepository(User);
  const email =
    overrides.email === undefined ? `${role}-${randomBytes(5).toString('hex')}@example.test` : overrides.email;
  const user = await repo.save(
    repo.create({
      email,
      passwordHash: overrides.password ? await hashPassword(overrides.password) : null,
      telegramUserId: overrides.telegramUserId ?? null,
      role,
      status: overrides.status ?? UserStatus.Active,
    }),
  );
  const app = appOf(target);
  if (app) {
    const pair = await app.get(TokenService).issue(user);
    return {
      user,
      accessToken: pair.access_token,
      refreshToken: pair.refresh_token,
      headers: bearer(pair.access_token),
    };
  }
  const accessToken = new JwtService({}).sign(
    { sub: user.id, role: user.role },
    {
      secret: DEV_DEFAULTS.JWT_SECRET,
      algorithm: JWT_ALGORITHM,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      expiresIn: 900,
    },
  );
  return { user, accessToken, refreshToken: '', headers: bearer(accessToken) };
}

export const bearer = (token: string): { Authorization: string } => ({ Authorization: `Bearer ${token}` });

export function newTenant(target: FactoryTarget, overrides: UserOverrides = {}): Promise<NewUser> {
  return newUser(target, UserRole.Tenant, overrides);
}

export function newStaff(
  target: FactoryTarget,
  role: UserRole.Support | UserRole.Admin = UserRole.Support,
  overrides: UserOverrides = {},
): Promise<NewUser> {
  return newUser(target, role, overrides);
}
