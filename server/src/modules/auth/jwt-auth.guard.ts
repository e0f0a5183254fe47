import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import { IS_PUBLIC } from '../../common/http/public.decorator';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { isUuid } from '../database/tenant-db';
import { UserStatus } from '../tenants/user.entity';
import { UsersService } from '../tenants/users.service';
import { AuthError, AuthErrorCode } from './auth.errors';
import type { AuthUser } from './auth-user';
import { AccessTokenPayload, JWT_ALGORITHM, JWT_AUDIENCE, JWT_CLOCK_SKEW_SECONDS, JWT_ISSUER } from './jwt.constants';

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i;

const tokenExpired = (): InstanceType<typeof AuthError> =>
  new AuthError(AuthErrorCode.TokenExpired, 'The access token has expired; get a new one from POST /api/auth/refresh.');
const tokenInvalid = (message = 'The access token is not valid; log in again.'): InstanceType<typeof AuthError> =>
  new AuthError(AuthErrorCode.TokenInvalid, message);

/**
 * Global: every route needs a valid access token unless it is marked
 * `@Public()`. The signature (HS256 only: `none` and every other algorithm are
 * refused), `iss`, `aud`, `exp` and `iat` (both required), and `nbf`/`iat` not
 * in the future beyond a small clock skew are checked here, per app instance (no
 * process-wide strategy registry), and the user is loaded so that a suspension
 * or role change applies to the very next request. Token problems answer 401
 * with a code that tells the client whether to refresh (TOKEN_EXPIRED) or log
 * in again (TOKEN_INVALID).
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Global guards also run around non-HTTP handlers (the system bot's updates):
    // those are authenticated by their own channel, not by a bearer token.
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const req = context.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    req.user = await this.authenticate(req.headers.authorization);
    return true;
  }

  private async authenticate(header: string | undefined): Promise<AuthUser> {
    const token = header ? BEARER.exec(header.trim())?.[1] : undefined;
    if (!token) {
      throw new AuthError(
        AuthErrorCode.Unauthorized,
        'This route needs an access token: send "Authorization: Bearer <access_token>" from POST /api/auth/login.',
      );
    }
    let payload: AccessTokenPayload & { exp?: unknown; iat?: unknown };
    try {
      payload = await this.jwt.verifyAsync<AccessTokenPayload>(token, {
        secret: this.config.jwt.secret,
        algorithms: [JWT_ALGORITHM],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        ignoreExpiration: false,
        // Tolerance for `nbf` from a clock slightly ahead; `exp` is held exactly below.
        clockTolerance: JWT_CLOCK_SKEW_SECONDS,
      });
    } catch (err) {
      if ((err as Error).name === 'TokenExpiredError') throw tokenExpired();
      throw tokenInvalid();
    }
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
    const user = await this.users.findById(payload.sub);
    if (!user) {
      throw new AuthError(AuthErrorCode.TokenInvalid, 'The access token names an account that no longer exists.');
    }
    if (user.status === UserStatus.Suspended) {
      throw new AuthError(AuthErrorCode.TenantSuspended, 'This account is suspended; contact support.');
    }
    return { id: user.id, role: user.role, email: user.email };
  }
}
