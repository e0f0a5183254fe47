import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { present } from '../../common/present';
import { AuditActor } from '../audit/audit-actions';
import { ENCRYPTED_COLUMNS } from '../crypto/encrypted-columns';
import { EncryptedRowStore, SqlEncryptedRowStore } from '../crypto/encrypted-row-store';
import { AdminDb } from '../audit/admin-db';
import { TenantDb } from '../database/tenant-db';
import { UserBotCredentials } from './user-bot-credentials.entity';

const TABLE = 'user_bot_credentials';

/** Column values as stored: secret fields already encrypted by CredentialsService. */
export type StoredCredentialsChanges = Partial<Omit<UserBotCredentials, 'id' | 'userId' | 'user'>>;

/**
 * The only code that reads or writes `user_bot_credentials`. Tenant-scoped
 * methods take the tenant id first and run in that tenant's row-level-security
 * scope: their own, or the caller's transaction `em` when given (already scoped
 * to the same tenant by `TenantDb.run`), so a change commits with its audit
 * event. Values are stored as given: encryption is CredentialsService's, since
 * the envelope is bound to the row's tenant, which a column transformer cannot see.
 * It is also the table's store for keys:rewrap (registered by CredentialsModule).
 */
@Injectable()
export class CredentialsRepository {
  /** keys:rewrap's walk over this table's sealed columns (registered by CredentialsModule). */
  readonly encryptedRows: EncryptedRowStore = new SqlEncryptedRowStore(
    TABLE,
    present(ENCRYPTED_COLUMNS[TABLE], 'the encrypted columns of user_bot_credentials'),
  );

  constructor(
    private readonly tenantDb: TenantDb,
    private readonly adminDb: AdminDb,
  ) {}

  /** The tenant's row in one round trip (`sql/tenant_credentials.sql`). */
  async find(tenantId: string): Promise<UserBotCredentials | null> {
    const [row] = await this.tenantDb.readScoped(tenantId, UserBotCredentials, 'tenant_credentials');
    return row ?? null;
  }

  async findLimits(
    tenantId: string,
    em?: EntityManager,
  ): Promise<Pick<UserBotCredentials, 'rateLimitRps' | 'maxConcurrentRequests'> | null> {
    const row = await this.tenantDb.inScope(tenantId, em, (m) =>
      m.getRepository(UserBotCredentials).findOneBy({ userId: tenantId }),
    );
    return row && { rateLimitRps: row.rateLimitRps, maxConcurrentRequests: row.maxConcurrentRequests };
  }

  /**
   * Creates the tenant's row or changes it, the row locked meanwhile. Fails with
   * Postgres' unique violation when the bot id belongs to another tenant's row.
   */
  async upsert(tenantId: string, changes: StoredCredentialsChanges, em?: EntityManager): Promise<void> {
    await this.tenantDb.inScope(tenantId, em, async (m) => {
      const repo = m.getRepository(UserBotCredentials);
      const existing = await repo.findOne({ where: { userId: tenantId }, lock: { mode: 'pessimistic_write' } });
      if (existing) {
        if (Object.keys(changes).length > 0) await repo.update({ id: existing.id }, changes);
        return;
      }
      await repo.insert({ ...changes, userId: tenantId });
    });
  }

  async touchMtprotoLastUsed(tenantId: string): Promise<void> {
    await this.tenantDb.run(tenantId, (em) =>
      em.query(`UPDATE "user_bot_credentials" SET "mtproto_last_used_at" = now() WHERE "user_id" = $1`, [tenantId]),
    );
  }

  /** Which tenant a bot belongs to: a cross-tenant read, on the audited admin path, answering the id only. */
  async findTenantIdByBotId(botId: string, actor: AuditActor): Promise<string | null> {
    const row = await this.adminDb.run(actor, 'find tenant by bot id', (em) =>
      em.getRepository(UserBotCredentials).findOne({ where: { botId }, select: { userId: true } }),
    );
    return row?.userId ?? null;
  }
}
