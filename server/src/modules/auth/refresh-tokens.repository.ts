import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull } from 'typeorm';
import { TenantDb } from '../database/tenant-db';
import { RefreshToken } from './refresh-token.entity';

export interface NewRefreshToken {
  familyId: string;
  tokenHash: string;
  expiresAt: Date;
}

/**
 * The only code that reads or writes `refresh_tokens`. Every method takes the
 * tenant (the token's user) first and runs in that tenant's row-level-security
 * scope: its own, or the caller's transaction `em` when given (already scoped to
 * the same tenant by `TenantDb.run`), so a rotation's steps commit together.
 */
@Injectable()
export class RefreshTokensRepository {
  constructor(private readonly tenantDb: TenantDb) {}

  async insert(tenantId: string, token: NewRefreshToken, em?: EntityManager): Promise<void> {
    await this.tenantDb.inScope(tenantId, em, (m) =>
      m.getRepository(RefreshToken).insert({ userId: tenantId, ...token }),
    );
  }

  findByHash(tenantId: string, tokenHash: string, em?: EntityManager): Promise<RefreshToken | null> {
    return this.tenantDb.inScope(tenantId, em, (m) => m.getRepository(RefreshToken).findOneBy({ tokenHash }));
  }

  /** Locks the row until `em`'s transaction ends: two refreshes of one token run one after the other. */
  findByHashForUpdate(tenantId: string, tokenHash: string, em: EntityManager): Promise<RefreshToken | null> {
    return this.tenantDb.inScope(tenantId, em, (m) =>
      m.getRepository(RefreshToken).findOne({ where: { tokenHash }, lock: { mode: 'pessimistic_write' } }),
    );
  }

  async markRotated(tenantId: string, id: string, em?: EntityManager): Promise<void> {
    await this.tenantDb.inScope(tenantId, em, (m) =>
      m.getRepository(RefreshToken).update({ id }, { rotatedAt: new Date() }),
    );
  }

  async revokeFamily(tenantId: string, familyId: string, em?: EntityManager): Promise<void> {
    await this.tenantDb.inScope(tenantId, em, (m) =>
      m.getRepository(RefreshToken).update({ familyId, revokedAt: IsNull() }, { revokedAt: new Date() }),
    );
  }

  async revokeAll(tenantId: string, em?: EntityManager): Promise<void> {
    await this.tenantDb.inScope(tenantId, em, (m) =>
      m.getRepository(RefreshToken).update({ userId: tenantId, revokedAt: IsNull() }, { revokedAt: new Date() }),
    );
  }
}
