import { present } from '../../common/present';
import { Injectable } from '@nestjs/common';
import { AdminDb } from '../database/tenant-db';
import { AuditAction, systemActor } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../../common/errors/domain-error';
import { CryptoService } from './crypto.service';
import { ENCRYPTED_COLUMNS } from './encrypted-columns';

export interface RewrapFailure {
  table: string;
  id: string;
  column: string;
  code: string;
}

export interface RewrapReport {
  activeKeyId: string;
  rowsRewrapped: number;
  valuesRewrapped: number;
  failures: RewrapFailure[];
}

export interface RewrapOptions {
  batchSize?: number;
  onBatch?: (table: string, rows: number) => void;
}

type Row = Record<string, string | null> & { id: string; user_id: string };

/**
 * Moves every encrypted value to the active key, one short transaction per
 * batch of rows (locked while they change, so concurrent writes by the running
 * app wait or win cleanly). Progress is the data itself: only values not yet
 * under the active key are selected, so a second run, or a run resumed after
 * a crash, does only what is left.
 */
@Injectable()
export class KeyRewrapService {
  constructor(
    private readonly crypto: CryptoService,
    private readonly adminDb: AdminDb,
    private readonly audit: AuditService,
  ) {}

  async rewrapAll(options: RewrapOptions = {}): Promise<RewrapReport> {
    const batchSize = options.batchSize ?? 200;
    const activePrefix = `v1:${this.crypto.activeKeyId}:`;
    const report: RewrapReport = {
      activeKeyId: this.crypto.activeKeyId,
      rowsRewrapped: 0,
      valuesRewrapped: 0,
      failures: [],
    };

    for (const [table, columns] of Object.entries(ENCRYPTED_COLUMNS)) {
      const stale = columns.map((c) => `("${c}" IS NOT NULL AND NOT starts_with("${c}", $2))`).join(' OR ');
      let cursor: string | null = null;
      for (;;) {
        const { count, lastId } = await this.adminDb.run(systemActor(), `keys:rewrap ${table}`, async (em) => {
          const rows: Row[] = await em.query(
            `SELECT "id", "user_id", ${columns.map((c) => `"${c}"`).join(', ')} FROM "${table}"
              WHERE ($1::uuid IS NULL OR "id" > $1::uuid) AND (${stale})
              ORDER BY "id" LIMIT $3 FOR UPDATE`,
            [cursor, activePrefix, batchSize],
          );
          for (const row of rows) {
            const changes: Record<string, string> = {};
            for (const column of columns) {
              const value = present(row[column], `the selected column ${column}`);
              if (value === null || value.startsWith(activePrefix)) continue;
              try {
                changes[column] = this.crypto.rewrap(value, { tenantId: row.user_id, table, column });
              } catch (err) {
                if (!(err instanceof DomainError)) throw err;
                report.failures.push({ table, id: row.id, column, code: (err as DomainError).code });
              }
            }
            const names = Object.keys(changes);
            if (names.length === 0) continue;
            await em.query(
              `UPDATE "${table}" SET ${names.map((c, i) => `"${c}" = $${i + 2}`).join(', ')} WHERE "id" = $1`,
              [row.id, ...names.map((c) => changes[c])],
            );
            report.rowsRewrapped += 1;
            report.valuesRewrapped += names.length;
          }
          return { count: rows.length, lastId: rows.at(-1)?.id ?? null };
        });
        options.onBatch?.(table, count);
        if (count < batchSize || !lastId) break;
        cursor = lastId;
      }
    }

    await this.audit.record({
      action: AuditAction.KeysRewrapped,
      actor: systemActor(),
      meta: {
        active_key_id: report.activeKeyId,
        rows: report.rowsRewrapped,
        values: report.valuesRewrapped,
        failures: report.failures.length,
      },
    });
    return report;
  }
}
