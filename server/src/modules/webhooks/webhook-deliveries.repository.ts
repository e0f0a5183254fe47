import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ADMIN_DATA_SOURCE } from '../database/admin-data-source';
import { TenantDb } from '../database/tenant-db';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** One attempt to deliver one event to one endpoint. */
export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  generation: number;
  event_id: string;
  attempt: number;
  status: DeliveryStatus;
  status_code: number | null;
  duration_ms: number | null;
  error: string | null;
  delivered_at: Date | null;
  next_attempt_at: Date | null;
}

/** A pending attempt as the sweep finds it (any tenant's). */
export interface PendingDelivery {
  id: string;
  user_id: string;
  endpoint_id: string;
  generation: number;
  event_id: string;
  attempt: number;
  next_attempt_at: Date;
}

/** What an attempt gave. */
export interface AttemptResult {
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseBody: string | null;
}

/** An endpoint's delivery health over the last day. */
export interface EndpointHealthRow {
  endpoint_id: string;
  attempts_24h: number;
  succeeded_24h: number;
  last_failure_at: Date | null;
  last_failure_status_code: number | null;
  last_failure_error: string | null;
  next_retry_at: Date | null;
}

const COLUMNS = `"id"::text AS "id", "endpoint_id", "generation", "event_id"::text AS "event_id", "attempt", "status",
  "status_code", "duration_ms", "error", "delivered_at", "next_attempt_at"`;

/**
 * The only code that reads or writes `webhook_deliveries` (migration WebhookEndpoints1796500000000),
 * in the tenant's row-level-security scope; the sweep's reads and the retention purge cross tenants
 * on the admin pool. The sweep reads the endpoints' status beside their attempts, in one query.
 */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(
    private readonly tenantDb: TenantDb,
    @InjectDataSource(ADMIN_DATA_SOURCE) private readonly adminDs: DataSource,
  ) {}

  /**
   * The first attempts of a dispatch, due now, in the caller's transaction; answers each one's id,
   * keyed `<endpoint id>:<event id>`.
   */
  async insertFirstAttempts(
    em: EntityManager,
    tenantId: string,
    attempts: { endpointId: string; generation: number; eventId: string }[],
  ): Promise<Map<string, string>> {
    if (attempts.length === 0) return new Map();
    const rows = await em.query<{ id: string; endpoint_id: string; event_id: string }[]>(
      `INSERT INTO "webhook_deliveries" ("user_id", "endpoint_id", "generation", "event_id", "attempt", "next_attempt_at")
       SELECT $1, a.endpoint_id, a.generation, a.event_id, 1, now()
         FROM unnest($2::uuid[], $3::int[], $4::bigint[]) AS a(endpoint_id, generation, event_id)
       ON CONFLICT DO NOTHING
       RETURNING "id"::text AS "id", "endpoint_id", "event_id"::text AS "event_id"`,
      [tenantId, attempts.map((a) => a.endpointId), attempts.map((a) => a.generation), attempts.map((a) => a.eventId)],
    );
    return new Map(rows.map((r) => [`${r.endpoint_id}:${r.event_id}`, r.id]));
  }

  /**
   * Records an attempt's outcome on its row (still pending: a second run of the same job records
   * nothing); with `next`, the failed attempt names when the next one is due, and that one's row is
   * added. Answers false when the row was no longer pending, and the next attempt's id.
   */
  async recordAttempt(
    em: EntityManager,
    tenantId: string,
    deliveryId: string,
    status: 'succeeded' | 'failed',
    result: AttemptResult,
    next: { attempt: number; afterSeconds: number } | null,
  ): Promise<{ recorded: boolean; nextId: string | null; nextAt: Date | null }> {
    const [rows] = await em.query<
      [{ endpoint_id: string; generation: number; event_id: string; next_at: Date | null }[], number]
    >(
      `UPDATE "webhook_deliveries"
          SET "status" = $3, "status_code" = $4, "duration_ms" = $5, "error" = $6, "response_body" = $7,
              "delivered_at" = now(),
              "next_attempt_at" = CASE WHEN $8::int IS NULL THEN NULL ELSE now() + make_interval(secs => $8::int) END
        WHERE "user_id" = $1 AND "id" = $2 AND "status" = 'pending'
        RETURNING "endpoint_id", "generation", "event_id"::text AS "event_id", "next_attempt_at" AS "next_at"`,
      [
        tenantId,
        deliveryId,
        status,
        result.statusCode,
        result.durationMs,
        result.error?.slice(0, 1000) ?? null,
        result.responseBody?.slice(0, 1024) ?? null,
        next?.afterSeconds ?? null,
      ],
    );
    const row = rows[0];
    if (!row) return { recorded: false, nextId: null, nextAt: null };
    if (!next || !row.next_at) return { recorded: true, nextId: null, nextAt: null };
    const inserted = await em.query<{ id: string }[]>(
      `INSERT INTO "webhook_deliveries" ("user_id", "endpoint_id", "generation", "event_id", "attempt", "next_attempt_at")
       VALUES ($1, $2, $3, $4::bigint, $5, $6) ON CONFLICT DO NOTHING RETURNING "id"::text AS "id"`,
      [tenantId, row.endpoint_id, row.generation, row.event_id, next.attempt, row.next_at],
    );
    return { recorded: true, nextId: inserted[0]?.id ?? null, nextAt: row.next_at };
  }

  /**
   * Records successful attempts of several tenants in one transaction (group commit: the delivery
   * worker's hot path). Each tenant's attempts are one statement run in that tenant's row-level-security
   * scope: the transaction starts in the first tenant's (TenantDb.run) and is scoped to each next tenant
   * before its statement. A success also stops its endpoint's failure clock. Attempts no longer
   * pending (a job run twice) are left as recorded.
   */
  async recordSuccesses(byTenant: Map<string, { deliveryId: string; result: AttemptResult }[]>): Promise<void> {
    const [first] = byTenant.keys();
    if (first === undefined) return;
    await this.tenantDb.run(first, async (em) => {
      for (const [tenantId, items] of byTenant) {
        if (tenantId !== first) await em.query(`SELECT set_config('app.user_id', $1, true)`, [tenantId]);
        await em.query(
          `WITH done AS (
             UPDATE "webhook_deliveries" d
                SET "status" = 'succeeded', "status_code" = r.status_code, "duration_ms" = r.duration_ms,
                    "error" = NULL, "response_body" = r.response_body, "delivered_at" = now(), "next_attempt_at" = NULL
               FROM unnest($2::bigint[], $3::int[], $4::int[], $5::text[])
                    AS r(id, status_code, duration_ms, response_body)
              WHERE d."user_id" = $1 AND d."id" = r.id AND d."status" = 'pending'
             RETURNING d."endpoint_id"
           )
           UPDATE "webhook_endpoints" SET "failing_since" = NULL
            WHERE "user_id" = $1 AND "failing_since" IS NOT NULL AND "id" IN (SELECT "endpoint_id" FROM done)`,
          [
            tenantId,
            items.map((i) => i.deliveryId),
            items.map((i) => i.result.statusCode),
            items.map((i) => i.result.durationMs),
            items.map((i) => i.result.responseBody?.slice(0, 1024) ?? null),
          ],
        );
      }
    });
  }

  /** The endpoint's attempts, newest first, of one status or all. */
  list(
    tenantId: string,
    endpointId: string,
    status: DeliveryStatus | undefined,
    limit: number,
  ): Promise<DeliveryRow[]> {
    return this.tenantDb.run(tenantId, (em) =>
      em.query<DeliveryRow[]>(
        `SELECT ${COLUMNS} FROM "webhook_deliveries"
          WHERE "user_id" = $1 AND "endpoint_id" = $2 AND ($3::text IS NULL OR "status" = $3)
          ORDER BY "webhook_deliveries"."id" DESC LIMIT $4`,
        [tenantId, endpointId, status ?? null, limit],
      ),
    );
  }

  /** The endpoint's attempts not made yet (their jobs are added again when it is enabled again). */
  pending(tenantId: string, endpointId: string, limit: number): Promise<DeliveryRow[]> {
    return this.tenantDb.run(tenantId, (em) =>
      em.query<DeliveryRow[]>(
        `SELECT ${COLUMNS} FROM "webhook_deliveries"
          WHERE "user_id" = $1 AND "endpoint_id" = $2 AND "status" = 'pending' ORDER BY "webhook_deliveries"."id" LIMIT $3`,
        [tenantId, endpointId, limit],
      ),
    );
  }

  /** Each endpoint's attempts made in the last 24 hours, its latest failure and its next retry. */
  health(tenantId: string, endpointIds: string[]): Promise<EndpointHealthRow[]> {
    return this.tenantDb.run(tenantId, (em) =>
      em.query<EndpointHealthRow[]>(
        `SELECT e AS "endpoint_id",
                (SELECT count(*)::int FROM "webhook_deliveries" d
                  WHERE d."user_id" = $1 AND d."endpoint_id" = e AND d."status" <> 'pending'
                    AND d."delivered_at" > now() - interval '24 hours') AS "attempts_24h",
                (SELECT count(*)::int FROM "webhook_deliveries" d
                  WHERE d."user_id" = $1 AND d."endpoint_id" = e AND d."status" = 'succeeded'
                    AND d."delivered_at" > now() - interval '24 hours') AS "succeeded_24h",
                f."delivered_at" AS "last_failure_at", f."status_code" AS "last_failure_status_code",
                f."error" AS "last_failure_error",
                (SELECT min(d."next_attempt_at") FROM "webhook_deliveries" d
                  WHERE d."user_id" = $1 AND d."endpoint_id" = e AND d."status" = 'pending'
                    AND d."attempt" > 1) AS "next_retry_at"
           FROM unnest($2::uuid[]) AS e
           LEFT JOIN LATERAL (
             SELECT d."delivered_at", d."status_code", d."error" FROM "webhook_deliveries" d
              WHERE d."user_id" = $1 AND d."endpoint_id" = e AND d."status" = 'failed'
              ORDER BY d."id" DESC LIMIT 1
           ) f ON true`,
        [tenantId, endpointIds],
      ),
    );
  }

  /**
   * Attempts of enabled endpoints due before `dueBefore` and still pending: their job was lost (a
   * worker died between recording and queueing) or is late. Every tenant's: the admin pool.
   */
  stalePending(dueBefore: Date, limit: number): Promise<PendingDelivery[]> {
    return this.adminDs.query<PendingDelivery[]>(
      `SELECT d."id"::text AS "id", d."user_id", d."endpoint_id", d."generation", d."event_id"::text AS "event_id",
              d."attempt", d."next_attempt_at"
         FROM "webhook_deliveries" d JOIN "webhook_endpoints" w ON w."id" = d."endpoint_id"
        WHERE d."status" = 'pending' AND d."next_attempt_at" < $1 AND w."status" = 'enabled'
        ORDER BY d."next_attempt_at" LIMIT $2`,
      [dueBefore, limit],
    );
  }

  /** Deletes attempts older than the events' retention (every tenant's: the admin pool). */
  async purgeBefore(before: Date): Promise<number> {
    const [, count] = await this.adminDs.query<[unknown[], number]>(
      `DELETE FROM "webhook_deliveries" WHERE "created_at" < $1`,
      [before],
    );
    return count;
  }
}
