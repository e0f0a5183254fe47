import { Injectable } from '@nestjs/common';
import { AdminDb } from '../audit/admin-db';
import { AuditAction, systemActor } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../../common/errors/domain-error';
import { CryptoService } from './crypto.service';
import { ENCRYPTED_COLUMNS } from './encrypted-columns';
import { EncryptedRowStore } from './encrypted-row-store';

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

/**
 * Moves every encrypted value to the active key, one short transaction per
 * batch of rows (locked while they change, so concurrent writes by the running
 * app wait or win cleanly). Progress is the data itself: only values not yet
 * under the active key are selected, so a second run, or a run resumed after
 * a crash, does only what is left. Rows are read and written through the store
 * their module registers, so each table keeps its one writer.
 */
@Injectable()
export class KeyRewrapService {
  private readonly stores = new Map<string, EncryptedRowStore>();

  constructor(
    private readonly crypto: CryptoService,
    private readonly adminDb: AdminDb,
    private readonly audit: AuditService,
  ) {}

  /** Called by the module that owns `store.table` as it starts. */
  register(store: EncryptedRowStore): void {
    if (!(store.table in ENCRYPTED_COLUMNS)) {
      throw new Error(`${store.table} is not listed in ENCRYPTED_COLUMNS; add its encrypted columns there.`);
    }
    if (this.stores.has(store.table)) throw new Error(`A rewrap store for ${store.table} is registered already.`);
    this.stores.set(store.table, store);
  }

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
      const store = this.stores.get(table);
      if (!store) {
        // Only a table's owner writes it: a missing registration is a wiring mistake, never a reason to write it from here.
        throw new Error(
          `keys:rewrap has no store for ${table} (${columns.join(', ')}): import the module that owns it.`,
        );
      }
      let cursor: string | null = null;
      for (;;) {
        const { count, lastId } = await this.adminDb.run(systemActor(), `keys:rewrap ${table}`, async (em) => {
          const rows = await store.lockStale(em, cursor, activePrefix, batchSize);
          for (const row of rows) {
            const changes: Record<string, string> = {};
            for (const column of store.columns) {
              const value = row.values[column] ?? null;
              if (value === null || value.startsWith(activePrefix)) continue;
              try {
                changes[column] = this.crypto.rewrap(value, { tenantId: row.tenantId, table, column });
              } catch (err) {
                if (!(err instanceof DomainError)) throw err;
                report.failures.push({ table, id: row.id, column, code: (err as DomainError).code });
              }
            }
            const names = Object.keys(changes);
            if (names.length === 0) continue;
            await store.writeValues(em, row.id, changes);
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
