import type { EntityManager } from 'typeorm';

/** One row's stored (encrypted) values of the columns keys:rewrap walks; null where a column is empty. */
export interface EncryptedRow {
  id: string;
  tenantId: string;
  values: Record<string, string | null>;
}

/**
 * What keys:rewrap needs from the module that owns a table with encrypted
 * columns, so that module stays the table's one writer. Both methods run in the
 * rewrap's transaction on the admin pool, which sees every tenant's rows.
 */
export interface EncryptedRowStore {
  readonly table: string;
  readonly columns: readonly string[];
  /**
   * Up to `limit` rows after `afterId` in id order that hold a value not under
   * the active key (not starting with `activePrefix`), locked until `em` ends.
   */
  lockStale(em: EntityManager, afterId: string | null, activePrefix: string, limit: number): Promise<EncryptedRow[]>;
  /** Stores the re-encrypted values of one row. */
  writeValues(em: EntityManager, id: string, values: Record<string, string>): Promise<void>;
}

type Row = Record<string, string | null> & { id: string; user_id: string };

/**
 * The walk by table and column names: an owner's repository builds one for its
 * own table (only the columns listed in ENCRYPTED_COLUMNS are ever written) and
 * its module registers it with keys:rewrap.
 */
export class SqlEncryptedRowStore implements EncryptedRowStore {
  constructor(
    readonly table: string,
    readonly columns: readonly string[],
  ) {}

  async lockStale(
    em: EntityManager,
    afterId: string | null,
    activePrefix: string,
    limit: number,
  ): Promise<EncryptedRow[]> {
    const stale = this.columns.map((c) => `("${c}" IS NOT NULL AND NOT starts_with("${c}", $2))`).join(' OR ');
    const rows: Row[] = await em.query(
      `SELECT "id", "user_id", ${this.columns.map((c) => `"${c}"`).join(', ')} FROM "${this.table}"
        WHERE ($1::uuid IS NULL OR "id" > $1::uuid) AND (${stale})
        ORDER BY "id" LIMIT $3 FOR UPDATE`,
      [afterId, activePrefix, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      tenantId: row.user_id,
      values: Object.fromEntries(this.columns.map((c) => [c, row[c] ?? null])),
    }));
  }

  async writeValues(em: EntityManager, id: string, values: Record<string, string>): Promise<void> {
    const names = Object.keys(values).filter((c) => this.columns.includes(c));
    await em.query(
      `UPDATE "${this.table}" SET ${names.map((c, i) => `"${c}" = $${i + 2}`).join(', ')} WHERE "id" = $1`,
      [id, ...names.map((c) => values[c])],
    );
  }
}
