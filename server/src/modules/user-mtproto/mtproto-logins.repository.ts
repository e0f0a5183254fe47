import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { present } from '../../common/present';
import { ENCRYPTED_COLUMNS } from '../crypto/encrypted-columns';
import { EncryptedRowStore, SqlEncryptedRowStore } from '../crypto/encrypted-row-store';
import { ADMIN_DATA_SOURCE } from '../database/admin-data-source';
import { isUuid, TenantDb } from '../database/tenant-db';
import { MtprotoLogin, MtprotoLoginFlow, MtprotoLoginState } from './mtproto-login.entity';

/** A pending login as stored: `phone` and `pendingSession` arrive sealed already (see MtprotoLoginService). */
export interface NewMtprotoLogin {
  flow: MtprotoLoginFlow;
  state: MtprotoLoginState;
  phone: string | null;
  phoneCodeHash: string | null;
  pendingSession: string;
  expiresAt: Date;
}

/** How a login step names its login: by id (the QR flow, and verify when given one) or by the code's hash. */
export interface MtprotoLoginKey {
  loginId?: string;
  phoneCodeHash?: string;
}

/**
 * The tenant's login rows within one transaction of MtprotoLoginsRepository.transaction. A row
 * locked here stays locked until the transaction ends, which is what keeps two pods from
 * driving one login at once. `em` is the transaction itself, for audit events that must commit
 * with the change.
 */
export class MtprotoLoginsInTransaction {
  constructor(
    readonly em: EntityManager,
    private readonly tenantId: string,
  ) {}

  /** The tenant's login of that flow, locked for update; null when the key names none of them. */
  async lock(flow: MtprotoLoginFlow, by: MtprotoLoginKey): Promise<MtprotoLogin | null> {
    const where = by.loginId
      ? isUuid(by.loginId)
        ? { id: by.loginId, userId: this.tenantId, flow }
        : undefined
      : by.phoneCodeHash
        ? { phoneCodeHash: by.phoneCodeHash, userId: this.tenantId, flow }
        : undefined;
    if (!where) return null;
    return this.em.getRepository(MtprotoLogin).findOne({ where, lock: { mode: 'pessimistic_write' } });
  }

  /** Writes back a login read in this transaction (its state, attempts or sealed columns changed). */
  async save(login: MtprotoLogin): Promise<void> {
    await this.em.getRepository(MtprotoLogin).save(login);
  }

  /** Stores a new login as the tenant's only one: older ones are dropped. */
  async replaceAll(login: NewMtprotoLogin): Promise<MtprotoLogin> {
    await this.deleteAll();
    const repo = this.em.getRepository(MtprotoLogin);
    return repo.save(repo.create({ ...login, userId: this.tenantId, attempts: 0 }));
  }

  /** Drops every login of the tenant, finished or not. */
  async deleteAll(): Promise<void> {
    await this.em.getRepository(MtprotoLogin).delete({ userId: this.tenantId });
  }
}

/**
 * The one owner of the mtproto_logins table: the login flows, the ownership guard, the account's
 * disconnect and the housekeeping sweep all go through here. Tenant reads and writes run in
 * `TenantDb.run` (row-level security); only the sweep, which crosses tenants, uses the admin pool.
 */
@Injectable()
export class MtprotoLoginsRepository {
  /** keys:rewrap's walk over this table's sealed columns (registered by MtprotoLoginsModule). */
  readonly encryptedRows: EncryptedRowStore = new SqlEncryptedRowStore(
    'mtproto_logins',
    present(ENCRYPTED_COLUMNS.mtproto_logins, 'the encrypted columns of mtproto_logins'),
  );

  constructor(
    private readonly tenantDb: TenantDb,
    @InjectDataSource(ADMIN_DATA_SOURCE) private readonly adminDs: DataSource,
  ) {}

  /** Runs `fn` in one transaction of the tenant, with that tenant's login rows at hand. */
  transaction<T>(tenantId: string, fn: (logins: MtprotoLoginsInTransaction) => Promise<T>): Promise<T> {
    return this.tenantDb.run(tenantId, (em) => fn(new MtprotoLoginsInTransaction(em, tenantId)));
  }

  /** Whether the login exists and is the tenant's (a foreign or malformed id answers false). */
  async isTenants(tenantId: string, loginId: string): Promise<boolean> {
    if (!isUuid(loginId)) return false;
    return this.tenantDb.run(tenantId, (em) =>
      em.getRepository(MtprotoLogin).existsBy({ id: loginId, userId: tenantId }),
    );
  }

  /**
   * Deletes, across tenants, the logins past their expiry and those that ended (`ended` states)
   * before `receiptEnd`. Answers how many rows went.
   */
  async deleteEnded(now: Date, ended: MtprotoLoginState[], receiptEnd: Date): Promise<number> {
    const result = await this.adminDs
      .createQueryBuilder()
      .delete()
      .from(MtprotoLogin)
      .where('expires_at <= :now', { now })
      .orWhere('(state IN (:...ended) AND updated_at <= :receiptEnd)', { ended, receiptEnd })
      .execute();
    return result.affected ?? 0;
  }
}
