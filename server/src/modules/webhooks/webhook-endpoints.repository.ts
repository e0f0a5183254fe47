import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { Coalescer } from '../../common/coalescer';
import { present } from '../../common/present';
import { ENCRYPTED_COLUMNS } from '../crypto/encrypted-columns';
import { type EncryptedRowStore, SqlEncryptedRowStore } from '../crypto/encrypted-row-store';
import { ADMIN_DATA_SOURCE } from '../database/admin-data-source';
import { TenantDb } from '../database/tenant-db';

const TABLE = 'webhook_endpoints';

export type EndpointStatus = 'enabled' | 'disabled';

/** A row of webhook_endpoints as stored: `secret` and `previous_secret` sealed by the crypto module. */
export interface EndpointRow {
  id: string;
  user_id: string;
  url: string;
  description: string | null;
  event_types: string[];
  status: EndpointStatus;
  disabled_reason: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Date | null;
  /** The last event id handed to delivery (a bigint as a string). */
  dispatch_cursor: string;
  generation: number;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** What a delivery reads of its endpoint (tenant_webhook_targets): secrets sealed, as stored. */
export type EndpointTargetRow = Pick<
  EndpointRow,
  'id' | 'url' | 'status' | 'secret' | 'previous_secret' | 'previous_secret_until'
>;

/** Columns a change may set (values as stored). */
export interface EndpointChanges {
  url?: string;
  description?: string | null;
  event_types?: string[];
  status?: EndpointStatus;
  disabled_reason?: string | null;
  secret?: string;
  previous_secret?: string | null;
  previous_secret_until?: Date | null;
  failing_since?: null;
}

const COLUMNS = `"id", "user_id", "url", "description", "event_types", "status", "disabled_reason", "secret",
  "previous_secret", "previous_secret_until", "dispatch_cursor"::text AS "dispatch_cursor", "generation",
  "failing_since", "created_at", "updated_at"`;

/**
 * The only code that reads or writes `webhook_endpoints` (migration WebhookEndpoints1796500000000).
 * Tenant-scoped methods take the tenant id first and run in its row-level-security scope (their own
 * transaction, or the caller's `em`). Secrets are stored as given: WebhooksService seals them, bound
 * to the tenant and column. It is also the table's store for keys:rewrap.
 */
@Injectable()
export class WebhookEndpointsRepository {
  /** keys:rewrap's walk over this table's sealed columns (registered by WebhookEndpointsModule). */
  readonly encryptedRows: EncryptedRowStore = new SqlEncryptedRowStore(
    TABLE,
    present(ENCRYPTED_COLUMNS[TABLE], 'the encrypted columns of webhook_endpoints'),
  );

  /** Endpoint lookups of deliveries and wake-ups made at the same time share a statement. */
  private readonly lookups = new Coalescer<{ tenantId: string; id: string | null }, EndpointTargetRow[]>(
    (batch) => this.lookupBatch(batch),
    { maxBatch: 200, maxInFlight: 2 },
  );

  constructor(
    private readonly tenantDb: TenantDb,
    @InjectDataSource(ADMIN_DATA_SOURCE) private readonly adminDs: DataSource,
  ) {}

  /**
   * Inserts an endpoint unless the tenant has `max` already (counted under a per-tenant lock, so two
   * creations at once cannot both pass); null when at the cap.
   */
  async insert(
    tenantId: string,
    values: { url: string; description: string | null; event_types: string[]; secret: string; dispatch_cursor: string },
    max: number,
  ): Promise<EndpointRow | null> {
    return this.tenantDb.run(tenantId, async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('webhook_endpoints:' || $1::text, 0))`, [tenantId]);
      const [count] = await em.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM "webhook_endpoints" WHERE "user_id" = $1`,
        [tenantId],
      );
      if ((count?.n ?? 0) >= max) return null;
      const rows = await em.query<EndpointRow[]>(
        `INSERT INTO "webhook_endpoints" ("user_id", "url", "description", "event_types", "secret", "dispatch_cursor")
         VALUES ($1, $2, $3, $4, $5, $6::bigint) RETURNING ${COLUMNS}`,
        [tenantId, values.url, values.description, values.event_types, values.secret, values.dispatch_cursor],
      );
      return present(rows[0], 'the inserted endpoint');
    });
  }

  list(tenantId: string): Promise<EndpointRow[]> {
    return this.tenantDb.run(tenantId, (em) =>
      em.query<EndpointRow[]>(
        `SELECT ${COLUMNS} FROM "webhook_endpoints" WHERE "user_id" = $1 ORDER BY "created_at", "id"`,
        [tenantId],
      ),
    );
  }

  async find(tenantId: string, id: string, em?: EntityManager): Promise<EndpointRow | null> {
    const rows = await this.tenantDb.inScope(tenantId, em, (m) =>
      m.query<EndpointRow[]>(`SELECT ${COLUMNS} FROM "webhook_endpoints" WHERE "user_id" = $1 AND "id" = $2`, [
        tenantId,
        id,
      ]),
    );
    return rows[0] ?? null;
  }

  /** Applies the changes and answers the row as it is now; null when the tenant has no such endpoint. */
  async update(
    tenantId: string,
    id: string,
    changes: EndpointChanges,
    em?: EntityManager,
  ): Promise<EndpointRow | null> {
    const names = Object.keys(changes) as (keyof EndpointChanges)[];
    const sets = names.map((c, i) => `"${c}" = $${i + 3}`);
    const rows = await this.tenantDb.inScope(tenantId, em, (m) =>
      m.query<[EndpointRow[], number]>(
        `UPDATE "webhook_endpoints" SET ${[...sets, `"updated_at" = now()`].join(', ')}
          WHERE "user_id" = $1 AND "id" = $2 RETURNING ${COLUMNS}`,
        [tenantId, id, ...names.map((c) => changes[c])],
      ),
    );
    return rows[0][0] ?? null;
  }

  async delete(tenantId: string, id: string, em?: EntityManager): Promise<boolean> {
    const rows = await this.tenantDb.inScope(tenantId, em, (m) =>
      m.query<[unknown[], number]>(
        `DELETE FROM "webhook_endpoints" WHERE "user_id" = $1 AND "id" = $2 RETURNING "id"`,
        [tenantId, id],
      ),
    );
    return rows[0].length > 0;
  }

  /** Whether the tenant has an enabled endpoint (a lookup shared with others at the same time). */
  async hasEnabled(tenantId: string): Promise<boolean> {
    return (await this.lookups.call({ tenantId, id: null })).length > 0;
  }

  /**
   * The endpoint as a delivery needs it (url, status, sealed secrets); null when the tenant has no
   * such endpoint. Lookups made at the same time share one statement.
   */
  async findTarget(tenantId: string, id: string): Promise<EndpointTargetRow | null> {
    return (await this.lookups.call({ tenantId, id }))[0] ?? null;
  }

  /** Lookup k: the endpoint `id` of its tenant, or with no id the tenant's enabled endpoints; one statement. */
  private async lookupBatch(batch: { tenantId: string; id: string | null }[]): Promise<EndpointTargetRow[][]> {
    const rows = await this.tenantDb.callFunction<EndpointTargetRow & { lookup: number }>(
      'tenant_webhook_targets',
      batch.map((b) => b.tenantId),
      [batch.map((b) => b.id)],
    );
    const out = batch.map((): EndpointTargetRow[] => []);
    for (const { lookup, ...row } of rows) out[lookup - 1]?.push(row);
    return out;
  }

  /**
   * Moves the cursor back to just before `fromEventId` (never forward: undispatched events stay) and
   * starts a new generation, so the events from there are dispatched again as attempts of their own.
   */
  async rewind(tenantId: string, id: string, fromEventId: string, em?: EntityManager): Promise<EndpointRow | null> {
    const rows = await this.tenantDb.inScope(tenantId, em, (m) =>
      m.query<[EndpointRow[], number]>(
        `UPDATE "webhook_endpoints"
            SET "dispatch_cursor" = LEAST("dispatch_cursor", $3::bigint - 1), "generation" = "generation" + 1,
                "updated_at" = now()
          WHERE "user_id" = $1 AND "id" = $2 RETURNING ${COLUMNS}`,
        [tenantId, id, fromEventId],
      ),
    );
    return rows[0][0] ?? null;
  }

  /**
   * Disables the endpoint with `reason` if it is enabled and its failure clock has run
   * `disableAfterSeconds` (tenant_webhook_record runs the clock), in the caller's transaction. Answers
   * whether this call disabled it (of two at once, one does), and its url.
   */
  async disableIfDue(
    em: EntityManager,
    tenantId: string,
    id: string,
    disableAfterSeconds: number,
    reason: string,
  ): Promise<{ disabled: boolean; url: string | null }> {
    const [rows] = await em.query<[{ url: string }[], number]>(
      `UPDATE "webhook_endpoints"
          SET "status" = 'disabled', "disabled_reason" = $4, "updated_at" = now()
        WHERE "user_id" = $1 AND "id" = $2 AND "status" = 'enabled' AND "failing_since" IS NOT NULL
          AND now() - "failing_since" >= make_interval(secs => $3)
        RETURNING "url"`,
      [tenantId, id, disableAfterSeconds, reason],
    );
    const row = rows[0];
    return { disabled: row !== undefined, url: row?.url ?? null };
  }

  /** Every tenant with an enabled endpoint (the sweep wakes their dispatch). Every tenant's: the admin pool. */
  async tenantsWithEnabledEndpoints(): Promise<string[]> {
    const rows: { user_id: string }[] = await this.adminDs.query(
      `SELECT DISTINCT "user_id" FROM "webhook_endpoints" WHERE "status" = 'enabled'`,
    );
    return rows.map((r) => r.user_id);
  }
}
