import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { HttpRequest } from '../../common/http/http-types';
import type { AuthUser } from '../auth/auth-user';
import { MtprotoLoginsRepository } from './mtproto-logins.repository';
import { loginNotFound } from './user-mtproto.errors';

/**
 * On every route that takes a `login_id`: the pending login must be the caller's. Another
 * tenant's login answers LOGIN_NOT_FOUND exactly like a missing one, before the body is read.
 */
@Injectable()
export class MtprotoLoginOwnershipGuard implements CanActivate {
  constructor(private readonly logins: MtprotoLoginsRepository) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<HttpRequest & { user?: AuthUser }>();
    const id = req.params.login_id;
    if (typeof id !== 'string') throw new Error('MtprotoLoginOwnershipGuard is on a route without :login_id');
    const tenantId = req.user?.id;
    const owns = tenantId !== undefined && (await this.logins.isTenants(tenantId, id));
    if (!owns) throw loginNotFound();
    return true;
  }
}
