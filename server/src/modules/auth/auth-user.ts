import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { HttpRequest } from '../../common/http/http-types';
import type { AuditActor } from '../audit/audit-actions';
import type { UserRole } from '../tenants/user.entity';

/** The caller, as the JWT guard puts it on the request (role read from the database, not the token). */
export interface AuthUser {
  id: string;
  role: UserRole;
  email: string | null;
}

export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthUser => {
  const req = ctx.switchToHttp().getRequest<HttpRequest & { user?: AuthUser }>();
  if (!req.user) throw new Error('CurrentUser used on a route without an authenticated caller');
  return req.user;
});

/** The caller's address as the HTTP server resolved it (trust proxy is configured in createApp). */
export const ClientIp = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const req = ctx.switchToHttp().getRequest<HttpRequest>();
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
});

/** The caller as the audit trail names them: who, in which role, from which address. */
export const actorOf = (user: AuthUser, ip: string): AuditActor => ({ id: user.id, role: user.role, ip });

/** `actorOf` the authenticated caller, for routes that need nothing else of them. */
export const CallerActor = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuditActor => {
  const req = ctx.switchToHttp().getRequest<HttpRequest & { user?: AuthUser }>();
  if (!req.user) throw new Error('CallerActor used on a route without an authenticated caller');
  return actorOf(req.user, req.ip ?? req.socket.remoteAddress ?? 'unknown');
});
