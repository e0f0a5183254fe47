import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { createSecretKey } from 'node:crypto';
import passport from 'passport';
import type { HttpRequest } from '../../common/http/http-types';
import { Strategy } from 'passport-jwt';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { isUuid } from '../database/tenant-db';
import { UserStatus } from '../tenants/user.entity';
import { UsersService } from '../tenants/users.service';
import { AuthError, AuthErrorCode } from './auth.errors';
import type { AuthUser } from './auth-user';
import { AccessTokenPayload, JWT_ALGORITHM, JWT_AUDIENCE, JWT_CLOCK_SKEW_SECONDS, JWT_ISSUER } from './jwt.constants';

export const tokenExpired = (): InstanceType<typeof AuthError> =>
  new AuthError(AuthErrorCode.TokenExpired, 'The access token has expired; get a new one from POST /api/auth/refresh.');
export const tokenInvalid = (
  message = 'The access token is not valid; log in again.',
): InstanceType<typeof AuthError> => new AuthError(AuthErrorCode.TokenInvalid, message);

let instances = 0;

/**
 * The whole header must be `Bearer <token>` in the JWT alphabet; anything else
 * is a missing token (401 UNAUTHORIZED), as the API has always answered.
 * passport-jwt's ExtractJwt.fromAuthHeaderAsBearerToken would take `a` from
 * `Bearer a b` and any characters, turning those into TOKEN_INVALID.
 */
const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i;
const bearerToken = (req: HttpRequest): string | null =>
  BEARER.exec(req.headers.authorization?.trim() ?? '')?.[1] ?? null;

/**
 * Access tokens through passport-jwt: HS256 only (`none` and every other
 * algorithm refused), this API's `iss` and `aud`, the app's own secret. The
 * claims jsonwebtoken does not hold (`exp` and `iat` required, `iat` not in the
 * future beyond the skew, `exp` exact although `nbf` gets the skew) are checked
 * in `validate`, which then loads the user so that a suspension or role change
 * applies to the very next request.
 *
 * passport keeps one process-wide strategy registry, and tests start many apps
 * in one process: each app instance's strategy registers under a name of its
 * own (the guard reads it from the app's AuthModuleOptions) and leaves the
 * registry when its app closes, so no app ever verifies with another's config.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) implements OnModuleDestroy {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly users: UsersService,
  ) {
    super({
      jwtFromRequest: bearerToken,
      // A KeyObject, which jsonwebtoken takes as it is (the types say string | Buffer): given a string, it first
      // tries the string as a PEM public key and throws, about a millisecond of every authenticated request.
      secretOrKey: createSecretKey(Buffer.from(config.jwt.secret, 'utf8')) as unknown as Buffer,
      algorithms: [JWT_ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      ignoreExpiration: false,
      // Tolerance for `nbf` from a clock slightly ahead; `exp` is held exactly in validate().
      jsonWebTokenOptions: { clockTolerance: JWT_CLOCK_SKEW_SECONDS },
    });
  }

  /** Called by PassportStrategy just before it registers `this` under `this.name`. */
  getPassportInstance(): passport.PassportStatic {
    instances += 1;
    this.name = `jwt#${instances}`;
    return passport;
  }

  async validate(payload: AccessTokenPayload & { exp?: unknown; iat?: unknown }): Promise<AuthUser> {
    if (typeof payload.sub !== 'string' || !isUuid(payload.sub)) throw tokenInvalid();
    // A token that never expires, or claims to be issued in the future, was not made by this API.
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) {
      throw tokenInvalid('The access token has no expiry; log in again.');
    }
    if (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat)) {
      throw tokenInvalid('The access token has no issue time; log in again.');
    }
    if (payload.iat > now + JWT_CLOCK_SKEW_SECONDS) {
      throw tokenInvalid('The access token claims to be issued in the future; log in again.');
    }
    if (payload.exp <= now) throw tokenExpired();
    const user = await this.users.findForAuth(payload.sub);
    if (!user) throw tokenInvalid('The access token names an account that no longer exists.');
    if (user.status === UserStatus.Suspended) {
      throw new AuthError(AuthErrorCode.TenantSuspended, 'This account is suspended; contact support.');
    }
    return { id: user.id, role: user.role, email: user.email };
  }

  onModuleDestroy(): void {
    passport.unuse(this.name);
  }
}
