import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { isUuid, TenantDb } from '../database/tenant-db';
import { MtprotoLogin } from './mtproto-login.entity';
import { loginNotFound } from './user-mtproto.errors';

/**
 * On every route that takes a `login_id`: the pending login must be the caller's. Another
 * tenant's login answers LOGIN_NOT_FOUND exactly like a missing one, before the body is read.
 */
@Injectable()
export class MtprotoLoginOwnershipGuard implements CanActivate {
  constructor(private readonly tenantDb: TenantDb) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    const id = req.params.login_id;
    if (typeof id !== 'string') throw new Error('MtprotoLoginOwnershipGuard is on a route without :login_id');
    const tenantId = req.user?.id;
    const owns =
      tenantId !== undefined &&
      isUuid(id) &&
      (await this.tenantDb.run(tenantId, (em) => em.getRepository(MtprotoLogin).existsBy({ id, userId: tenantId })));
    if (!owns) throw loginNotFound();
    return true;
  }
}
