import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ADMIN_DATA_SOURCE } from '../../database/admin-data-source';
import type { AuditEventJson } from '../../audit/audit.service';
import { TenantDb } from '../../database/tenant-db';

/** The answer a send gave, kept for the idempotency key's repeats. */
export interface SentMessage {
  peer: string;
  message_id: number;
  date: number;
}

/** One idempotency key's row, without its file bytes. */
export interface AccountSend {
  id: string;
  randomId: string;
  fingerprint: string;
  result: SentMessage | null;
  hasFile: boolean;
}

export interface StagedFile {
  bytes: Buffer;
  fileName: string;
  mimeType: string;
}

/** How long an idempotency key is remembered: a retry comes within minutes, a week is plenty. */
export const ACCOUNT_SEND_KEY_DAYS = 7;

interface SendRow {
  id: string;
  random_id: string;
  fingerprint: string;
  result: SentMessage | null;
  has_file: boolean;
}

const toSend = (r: SendRow): AccountSend => ({
  id: r.id,
  randomId: String(r.random_id),
  fingerprint: r.fingerprint,
  result: r.result,
  hasFile: r.has_file,
});

/**
 * The only code that reads or writes `mtproto_account_sends`: messages sent as the tenant's account,
 * one row per idempotency key (random_id, the answer, and the file until it is sent).
 */
@Injectable()
export class AccountSendsRepository {
  constructor(
    private readonly tenantDb: TenantDb,
    @InjectDataSource(ADMIN_DATA_SOURCE) private readonly adminDs: DataSource,
  ) {}

  /**
   * The row of this key: written now (with its file) if the key is new, else the one a previous
   * request wrote (its file untouched). One statement (sql/tenant_account_send_claim.sql), no
   * transaction around it.
   */
  async claim(
    tenantId: string,
    key: string,
    row: { randomId: string; fingerprint: string; file?: StagedFile },
  ): Promise<{ send: AccountSend; created: boolean }> {
    const rows = await this.tenantDb.callFunction<SendRow & { created: boolean }>(
      'tenant_account_send_claim',
      [tenantId],
      [
        key,
        row.randomId,
        row.fingerprint,
        row.file?.bytes ?? null,
        row.file?.fileName ?? null,
        row.file?.mimeType ?? null,
      ],
    );
    const [found] = rows;
    if (!found) throw new Error('an idempotency key row vanished between insert and read');
    return { send: toSend(found), created: found.created };
  }

  async file(tenantId: string, key: string): Promise<StagedFile | null> {
    const rows: { file_bytes: Buffer | null; file_name: string | null; mime_type: string | null }[] =
      await this.tenantDb.run(tenantId, (em) =>
        em.query(
          `SELECT "file_bytes", "file_name", "mime_type" FROM "mtproto_account_sends"
            WHERE "user_id" = $1 AND "idempotency_key" = $2`,
          [tenantId, key],
        ),
      );
    const [row] = rows;
    if (!row?.file_bytes) return null;
    return {
      bytes: row.file_bytes,
      fileName: row.file_name ?? 'file',
      mimeType: row.mime_type ?? 'application/octet-stream',
    };
  }

  /**
   * Records Telegram's answer, lets the file go (Telegram holds it now) and appends the send's audit event
   * (AuditService.event), in one statement: the answer and its event commit together.
   */
  async recordSent(tenantId: string, key: string, result: SentMessage, audit: AuditEventJson): Promise<void> {
    await this.tenantDb.callFunction(
      'tenant_account_send_record',
      [tenantId],
      [key, JSON.stringify(result), JSON.stringify(audit)],
    );
  }

  /** Forgets a key whose message Telegram refused (nothing was sent): the key, and its file, are free again. */
  async forget(tenantId: string, key: string): Promise<void> {
    await this.tenantDb.run(tenantId, (em) =>
      em.query(
        `DELETE FROM "mtproto_account_sends" WHERE "user_id" = $1 AND "idempotency_key" = $2 AND "result" IS NULL`,
        [tenantId, key],
      ),
    );
  }

  /**
   * Forgets, across tenants, the keys claimed before `cutoff` (their answers and any file never sent):
   * the worker's sweep, on the admin pool. Answers how many went.
   */
  async forgetOlderThan(cutoff: Date): Promise<number> {
    const result = await this.adminDs
      .createQueryBuilder()
      .delete()
      .from('mtproto_account_sends')
      .where('created_at < :cutoff', { cutoff })
      .execute();
    return result.affected ?? 0;
  }
}
