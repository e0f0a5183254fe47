import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { IS_PUBLIC } from '../../common/http/public.decorator';
import { AuthError, AuthErrorCode } from './auth.errors';
import type { AuthUser } from './auth-user';

/**
 * Global: every route needs a valid access token unless it is marked
 * `@Public()`. Token problems answer 401 with a code that tells the client
 * whether to refresh (TOKEN_EXPIRED) or log in again (TOKEN_INVALID).
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    // Global guards also run around non-HTTP handlers (the system bot's updates):
    // those are authenticated by their own channel, not by a bearer token.
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    return super.canActivate(context);
  }

  override handleRequest<TUser = AuthUser>(err: unknown, user: TUser | false, info: unknown): TUser {
    if (err instanceof Error) throw err;
    if (user) return user;
    const name = info instanceof Error ? info.name : '';
    if (name === 'TokenExpiredError') {
      throw new AuthError(
        AuthErrorCode.TokenExpired,
        'The access token has expired; get a new one from POST /api/auth/refresh.',
      );
    }
    if (name === 'JsonWebTokenError' || name === 'NotBeforeError') {
      throw new AuthError(AuthErrorCode.TokenInvalid, 'The access token is not valid; log in again.');
    }
    throw new AuthError(
      AuthErrorCode.Unauthorized,
      'This route needs an access token: send "Authorization: Bearer <access_token>" from POST /api/auth/login.',
    );
  }
}
