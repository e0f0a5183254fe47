import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard, AuthModuleOptions } from '@nestjs/passport';
import { IS_PUBLIC } from '../../common/http/public.decorator';
import { AuthError, AuthErrorCode } from './auth.errors';
import type { AuthUser } from './auth-user';
import { tokenExpired, tokenInvalid } from './jwt.strategy';

/**
 * Global: every route needs a valid access token unless it is marked
 * `@Public()`. The token is checked by the app's own JwtStrategy (named in the
 * app's AuthModuleOptions, see JwtStrategy); passport's failures become the API's
 * 401s, with a code that tells the client whether to refresh (TOKEN_EXPIRED) or
 * log in again (TOKEN_INVALID).
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard() {
  constructor(
    private readonly reflector: Reflector,
    options: AuthModuleOptions,
  ) {
    super(options);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    // Global guards also run around non-HTTP handlers (the system bot's updates):
    // those are authenticated by their own channel, not by a bearer token.
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    return (await super.canActivate(context)) as boolean;
  }

  /** `err` is what validate() threw (already an AuthError); `info` is passport-jwt's reason for a failure. */
  override handleRequest<TUser = AuthUser>(err: unknown, user: TUser | false, info: unknown): TUser {
    // Thrown as it came: an AuthError from validate(), or the database being down (503 from the global filter).
    // Not narrowed with instanceof: errors raised by Node's own modules may come from another realm.
    if (err) throw err as Error;
    if (user) return user;
    const reason = info instanceof Error ? info : undefined;
    if (!reason || reason.message === 'No auth token') {
      throw new AuthError(
        AuthErrorCode.Unauthorized,
        'This route needs an access token: send "Authorization: Bearer <access_token>" from POST /api/auth/login.',
      );
    }
    if (reason.name === 'TokenExpiredError') throw tokenExpired();
    throw tokenInvalid();
  }
}
