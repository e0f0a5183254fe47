import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { isUuid, TenantDb } from '../database/tenant-db';
import type { User } from '../tenants/user.entity';
import { AuthError, AuthErrorCode } from './auth.errors';
import { AccessTokenPayload, JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER } from './jwt.constants';
import { RefreshTokensRepository } from './refresh-tokens.repository';

export interface TokenPair {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
}

export type RotationOutcome =
  | { kind: 'rotated'; userId: string; familyId: string; refreshToken: string }
  | { kind: 'reused'; userId: string; familyId: string }
  | { kind: 'invalid' | 'expired' };

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * Refresh tokens are `<user_id>.<random>`: the user id lets the lookup run
 * inside that tenant's row-level-security scope; only the sha256 is stored.
 */
export function parseRefreshToken(token: string): { userId: string; hash: string } | null {
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  const userId = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (!isUuid(userId) || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
  return { userId, hash: sha256(token) };
}

@Injectable()
export class TokenService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jwt: JwtService,
    private readonly tenantDb: TenantDb,
    private readonly refreshTokens: RefreshTokensRepository,
  ) {}

  signAccessToken(user: Pick<User, 'id' | 'role'>): string {
    const payload: AccessTokenPayload = { sub: user.id, role: user.role };
    return this.jwt.sign(payload, {
      secret: this.config.jwt.secret,
      algorithm: JWT_ALGORITHM,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      expiresIn: this.config.jwt.accessTtlSeconds,
    });
  }

  /** A new login: a new refresh-token family. */
  async issue(user: Pick<User, 'id' | 'role'>): Promise<TokenPair> {
    const refreshToken = await this.insertRefresh(user.id, randomUUID());
    return this.pair(user, refreshToken);
  }

  pair(user: Pick<User, 'id' | 'role'>, refreshToken: string): TokenPair {
    return {
      access_token: this.signAccessToken(user),
      token_type: 'Bearer',
      expires_in: this.config.jwt.accessTtlSeconds,
      refresh_token: refreshToken,
      refresh_expires_in: this.config.jwt.refreshTtlSeconds,
    };
  }

  /**
   * Exchanges a refresh token for its successor. A token that was already
   * rotated means two parties hold the family: the whole family is revoked
   * (committed, even though the caller is then refused).
   */
  async rotate(token: string): Promise<RotationOutcome> {
    const parsed = parseRefreshToken(token);
    if (!parsed) return { kind: 'invalid' };
    return this.tenantDb.run(parsed.userId, async (em): Promise<RotationOutcome> => {
      const row = await this.refreshTokens.findByHashForUpdate(parsed.userId, parsed.hash, em);
      if (!row || row.revokedAt) return { kind: 'invalid' };
      if (row.rotatedAt) {
        await this.refreshTokens.revokeFamily(parsed.userId, row.familyId, em);
        return { kind: 'reused', userId: row.userId, familyId: row.familyId };
      }
      if (row.expiresAt.getTime() <= Date.now()) return { kind: 'expired' };
      await this.refreshTokens.markRotated(parsed.userId, row.id, em);
      const refreshToken = await this.insertRefresh(row.userId, row.familyId, em);
      return { kind: 'rotated', userId: row.userId, familyId: row.familyId, refreshToken };
    });
  }

  /** Revokes the family of a presented token; unknown tokens are ignored. Returns the owner when found. */
  async revokeFamilyOf(token: string): Promise<string | null> {
    const parsed = parseRefreshToken(token);
    if (!parsed) return null;
    return this.tenantDb.run(parsed.userId, async (em) => {
      const row = await this.refreshTokens.findByHash(parsed.userId, parsed.hash, em);
      if (!row) return null;
      await this.refreshTokens.revokeFamily(parsed.userId, row.familyId, em);
      return row.userId;
    });
  }

  async revokeAllFor(userId: string): Promise<void> {
    await this.refreshTokens.revokeAll(userId);
  }

  /** A new member of `familyId`; inside `em` when given (a rotation's transaction). */
  private async insertRefresh(userId: string, familyId: string, em?: EntityManager): Promise<string> {
    const token = `${userId}.${randomBytes(32).toString('base64url')}`;
    await this.refreshTokens.insert(
      userId,
      {
        familyId,
        tokenHash: sha256(token),
        expiresAt: new Date(Date.now() + this.config.jwt.refreshTtlSeconds * 1000),
      },
      em,
    );
    return token;
  }

  /** Tokens are rejected unless they parse: a convenience for callers that map outcomes to errors. */
  static outcomeError(kind: 'invalid' | 'expired' | 'reused'): InstanceType<typeof AuthError> {
    switch (kind) {
      case 'expired':
        return new AuthError(AuthErrorCode.TokenExpired, 'The refresh token has expired; log in again.');
      case 'reused':
        return new AuthError(
          AuthErrorCode.TokenInvalid,
          'This refresh token was already used; every session of this login has been signed out. Log in again.',
        );
      case 'invalid':
        return new AuthError(AuthErrorCode.TokenInvalid, 'The refresh token is not valid; log in again.');
    }
  }
}
