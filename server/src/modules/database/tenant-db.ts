import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { CommonError, CommonErrorCode } from '../../common/errors/common-errors';
import { PooledStatements } from './pooled-statements';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);

/** A plain lower-case SQL identifier: the only function names a statement is built from. */
const SQL_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * The one way tenant data is read or written: a transaction whose
 * `app.user_id` is the tenant, so row-level security shows that tenant's rows
 * and no other, whatever the query inside forgets.
 */
@Injectable()
export class TenantDb {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly statements: PooledStatements,
  ) {}

  /** `fn` in the caller's transaction `em` when given (already this tenant's scope), else in a `run` of its own. */
  inScope<T>(tenantId: string, em: EntityManager | undefined, fn: (em: EntityManager) => Promise<T>): Promise<T> {
    return em ? fn(em) : this.run(tenantId, fn);
  }

  async run<T>(tenantId: string, fn: (em: EntityManager) => Promise<T>): Promise<T> {
    if (!isUuid(tenantId)) {
      // A programming error, not a caller's: ids reaching here were checked already.
      throw new CommonError(CommonErrorCode.Internal, 'TenantDb.run needs a tenant uuid.');
    }
    return this.ds.transaction(async (em) => {
      await em.query(`SELECT set_config('app.user_id', $1, true)`, [tenantId]);
      return fn(em);
    });
  }

  /**
   * One-statement read through a database function that scopes itself to the
   * tenant before selecting (`credentials/sql/tenant_credentials.sql`): the
   * same row-level security as `run`, in one round trip instead of four.
   */
  async readScoped<E extends ObjectLiteral>(
    tenantId: string,
    entity: EntityTarget<E>,
    fn: ScopedReadFunction,
  ): Promise<E[]> {
    if (!isUuid(tenantId)) {
      throw new CommonError(CommonErrorCode.Internal, 'TenantDb.readScoped needs a tenant uuid.');
    }
    const columns = this.ds.getMetadata(entity).columns;
    const rows: Record<string, unknown>[] = await this.ds.query(`SELECT * FROM "${fn}"($1)`, [tenantId]);
    return rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const c of columns) out[c.propertyName] = row[c.databaseName];
      return out as E;
    });
  }

  /**
   * One statement calling a database function that scopes itself to each tenant named in its first
   * argument (an array of tenant ids) before touching that tenant's rows: one round trip for many
   * tenants, under the same row-level security as `run`. The owning module names the function and
   * its arguments (the send path's, `posts/send-path-functions.ts`). Answers the rows as the
   * database names them.
   */
  async callFunction<R>(fn: string, tenantIds: string[], args: unknown[]): Promise<R[]> {
    if (!SQL_NAME.test(fn)) {
      throw new CommonError(CommonErrorCode.Internal, 'TenantDb.callFunction needs a function name.');
    }
    if (!tenantIds.every(isUuid)) {
      throw new CommonError(CommonErrorCode.Internal, 'TenantDb.callFunction needs tenant uuids.');
    }
    const params = ['$1', ...args.map((_, i) => `$${i + 2}`)].join(', ');
    // Named: each connection parses and plans the call once, not on every round.
    return this.statements.run<R>(`scoped:${fn}`, `SELECT * FROM "${fn}"(${params})`, [tenantIds, ...args]);
  }
}

/** The self-scoping read functions (sources: `<module>/sql/<name>.sql`, see database/sql-functions.ts). */
export type ScopedReadFunction = 'tenant_credentials';
