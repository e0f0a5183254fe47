import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { HttpRequest } from '../../common/http/http-types';
import { IS_PUBLIC } from '../../common/http/public.decorator';
import { UserRole } from '../tenants/user.entity';
import { AuthError, AuthErrorCode } from './auth.errors';
import type { AuthUser } from './auth-user';
import { DEFAULT_ROLES, ROLES } from './roles.decorator';

/** Global, after JwtAuthGuard: the caller's role must be one the route allows (tenant by default). */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const allowed = this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES, targets) ?? DEFAULT_ROLES;
    const user = context.switchToHttp().getRequest<HttpRequest & { user?: AuthUser }>().user;
    if (!user) throw new AuthError(AuthErrorCode.Unauthorized, 'This route needs an access token.');
    if (allowed.includes(user.role)) return true;
    throw new AuthError(
      AuthErrorCode.Forbidden,
      user.role === UserRole.Tenant
        ? 'This route is for support staff only.'
        : 'Staff accounts reach tenant data through /api/admin; this route is for tenants.',
    );
  }
}
