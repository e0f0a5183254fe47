import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { EventType, TenantEvent } from '../events/event-types';
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

/** A dispatched attempt: its row and its event. */
export interface DispatchedAttempt {
  deliveryId: string;
  endpointId: string;
  generation: number;
  event: TenantEvent;
}

/** What a dispatch did for one tenant. */
export interface DispatchedTenant {
  attempts: DispatchedAttempt[];
  /** The read was full: more events may follow. */
  more: boolean;
}

interface DispatchRow {
  tenant_id: string;
  delivery_id: string | null;
  endpoint_id: string | null;
  generation: number | null;
  event_id: string | null;
  event_type: string | null;
  event_data: unknown;
  event_created_at: Date | null;
}

/** An attempt's outcome to record: `expired` fails it for good without counting against the endpoint. */
export interface OutcomeToRecord {
  tenantId: string;
  deliveryId: string;
  outcome: 'succeeded' | 'failed' | 'expired';
  result: AttemptResult;
  /** A failure's next attempt is due this many seconds after now; null: no next attempt. */
  nextAfterSeconds: number | null;
}

/** An attempt recorded: its next attempt, and whether its endpoint is due to be disabled. */
export interface RecordedOutcome {
  nextId: string | null;
  nextAt: Date | null;
  disableDue: boolean;
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
 * on the admin pool. Dispatch and outcomes are one statement each, for many tenants at once, through
 * the self-scoping functions of webhooks/sql (which also move the endpoints' cursors and failure
 * clocks, and read the events they dispatch). The sweep reads the endpoints' status beside their attempts, in one query.
 */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(
    private readonly tenantDb: TenantDb,
    @InjectDataSource(ADMIN_DATA_SOURCE) private readonly adminDs: DataSource,
  ) {}

  /**
   * Dispatches the tenants' new events, one statement (`tenant_webhook_dispatch`, webhooks/sql, which
   * scopes itself to each tenant): each tenant's enabled endpoints locked, up to `limit` events read
   * after their lowest cursor, the first attempts recorded and the cursors moved. Answers each
   * tenant's attempts with their events, and whether it has more events to read.
   */
  async dispatch(tenantIds: string[], limit: number): Promise<Map<string, DispatchedTenant>> {
    const rows = await this.tenantDb.callFunction<DispatchRow>('tenant_webhook_dispatch', tenantIds, [limit]);
    const out = new Map<string, DispatchedTenant>(tenantIds.map((t) => [t, { attempts: [], more: false }]));
    for (const r of rows) {
      const tenant = out.get(r.tenant_id) ?? { attempts: [], more: false };
      out.set(r.tenant_id, tenant);
      if (r.delivery_id === null || r.endpoint_id === null || r.generation === null || r.event_id === null) {
        tenant.more = true;
        continue;
      }
      tenant.attempts.push({
        deliveryId: r.delivery_id,
        endpointId: r.endpoint_id,
        generation: r.generation,
        event: {
          id: r.event_id,
          type: r.event_type as EventType,
          created_at: (r.event_created_at as Date).toISOString(),
          data: r.event_data as Record<string, unknown>,
        },
      });
    }
    return out;
  }

  /**
   * Records attempts' outcomes, one statement for every tenant's (`tenant_webhook_record`,
   * webhooks/sql, which scopes itself to each tenant): still-pending attempts get their result, a
   * failure with `nextAfterSeconds` its next attempt, and each endpoint's failure clock follows its
   * last outcome. Answers, by delivery id, the attempts recorded (a job run twice records nothing):
   * the next attempt's id and due time, and whether the endpoint has failed for `disableAfterSeconds`.
   */
  async recordOutcomes(
    outcomes: OutcomeToRecord[],
    disableAfterSeconds: number,
  ): Promise<Map<string, RecordedOutcome>> {
    // A tenant's attempts next to each other: one slice each.
    const order = new Map<string, OutcomeToRecord[]>();
    for (const o of outcomes) order.set(o.tenantId, [...(order.get(o.tenantId) ?? []), o]);
    const items = [...order.values()].flat();
    if (items.length === 0) return new Map();
    const rows = await this.tenantDb.callFunction<{
      delivery_id: string;
      next_id: string | null;
      next_at: Date | null;
      disable_due: boolean;
    }>(
      'tenant_webhook_record',
      items.map((i) => i.tenantId),
      [
        items.map((i) => i.deliveryId),
        items.map((i) => i.outcome),
        items.map((i) => i.result.statusCode),
        items.map((i) => Math.round(i.result.durationMs)),
        items.map((i) => i.result.error?.slice(0, 1000) ?? null),
        items.map((i) => i.result.responseBody?.slice(0, 1024) ?? null),
        items.map((i) => i.nextAfterSeconds),
        disableAfterSeconds,
      ],
    );
    return new Map(
      rows.map((r) => [r.delivery_id, { nextId: r.next_id, nextAt: r.next_at, disableDue: r.disable_due }]),
    );
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
