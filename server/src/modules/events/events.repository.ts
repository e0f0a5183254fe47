import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { present } from '../../common/present';
import { ADMIN_DATA_SOURCE } from '../database/admin-data-source';
import { TenantDb } from '../database/tenant-db';
import type { EventType, NewEvent, TenantEvent } from './event-types';

interface EventRow {
  id: string;
  type: EventType;
  data: Record<string, unknown>;
  created_at: Date;
}

const toEvent = (r: EventRow): TenantEvent => ({
  id: String(r.id),
  type: r.type,
  created_at: r.created_at.toISOString(),
  data: r.data,
});

const byId = (a: TenantEvent, b: TenantEvent): number => (BigInt(a.id) < BigInt(b.id) ? -1 : 1);

/** What one maintenance pass did: the partitions it created and dropped, by name. */
export interface EventsMaintenanceResult {
  created: string[];
  dropped: string[];
}

/**
 * The one writer and reader of `events` and `event_keys` (migration Events1796400000000), always in
 * a tenant's row-level-security scope.
 *
 * Appending is one call of `events_append` (events/sql), which the send path's record also calls so
 * a sent post and its event commit together; outside a caller's transaction, one call of
 * `tenant_append_events`, which scopes itself to each tenant and calls it (one round trip, no
 * transaction around it). It takes a per-tenant transaction lock first: ids come
 * from one sequence, which numbers in the order transactions ask, not the order they commit, so a
 * tenant's events are numbered and committed one transaction at a time, and a cursor that has seen an
 * id has seen every lower one.
 */
@Injectable()
export class EventsRepository {
  constructor(
    private readonly tenantDb: TenantDb,
    @InjectDataSource(ADMIN_DATA_SOURCE) private readonly adminDs: DataSource,
  ) {}

  /**
   * Creates the coming days' partitions and drops those wholly older than the retention, through
   * `events_maintain` (events/sql), which also purges old dedupe keys. Every tenant's: the admin pool.
   */
  async maintainPartitions(retentionDays: number, daysAhead: number, now: Date): Promise<EventsMaintenanceResult> {
    const rows: EventsMaintenanceResult[] = await this.adminDs.query(
      `SELECT created, dropped FROM events_maintain($1, $2, $3)`,
      [retentionDays, daysAhead, now],
    );
    return present(rows[0], 'events_maintain answers one row');
  }

  /**
   * Appends events in order and answers those recorded: an event whose dedupe key the tenant has
   * used before (or earlier in the same call) is skipped. With `em` (a transaction of
   * `TenantDb.run` for this tenant), the events commit or roll back with the caller's writes.
   */
  append(tenantId: string, events: NewEvent[], em?: EntityManager): Promise<TenantEvent[]> {
    if (events.length === 0) return Promise.resolve([]);
    if (em) return this.appendIn(em, tenantId, events);
    return this.appendForTenants([{ tenantId, events }]).then((byTenant) => byTenant.get(tenantId) ?? []);
  }

  /**
   * Appends several tenants' events, each tenant's in order, in one statement of its own
   * (`tenant_append_events`, events/sql, which scopes itself to each tenant and appends through
   * `events_append`); answers those recorded, by tenant. A tenant named twice is one run of events.
   */
  async appendForTenants(batches: { tenantId: string; events: NewEvent[] }[]): Promise<Map<string, TenantEvent[]>> {
    const byTenant = new Map<string, NewEvent[]>();
    for (const { tenantId, events } of batches) byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), ...events]);
    const all = [...byTenant].flatMap(([tenantId, events]) => events.map((e) => ({ tenantId, e })));
    const recorded = new Map<string, TenantEvent[]>();
    if (all.length === 0) return recorded;
    const rows = await this.tenantDb.callFunction<EventRow & { tenant_id: string }>(
      'tenant_append_events',
      all.map((x) => x.tenantId),
      [all.map((x) => x.e.type), all.map((x) => JSON.stringify(x.e.data)), all.map((x) => x.e.dedupeKey ?? null)],
    );
    for (const row of rows) recorded.set(row.tenant_id, [...(recorded.get(row.tenant_id) ?? []), toEvent(row)]);
    for (const events of recorded.values()) events.sort(byId);
    return recorded;
  }

  private async appendIn(em: EntityManager, tenantId: string, events: NewEvent[]): Promise<TenantEvent[]> {
    const rows: EventRow[] = await em.query(
      `SELECT id, type, data, created_at FROM events_append($1, $2::text[], $3::jsonb[], $4::text[])`,
      [
        tenantId,
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.data)),
        events.map((e) => e.dedupeKey ?? null),
      ],
    );
    return rows.map(toEvent).sort(byId);
  }

  /** The id of the tenant's newest kept event, '0' when none. */
  async latestId(tenantId: string): Promise<string> {
    const [row] = await this.tenantDb.run(tenantId, (em) =>
      em.query<{ id: string | null }[]>(`SELECT max(id)::text AS id FROM events WHERE user_id = $1`, [tenantId]),
    );
    return row?.id ?? '0';
  }

  /** The tenant's events after the cursor, oldest first, of the given types (all when empty). */
  async listAfter(
    tenantId: string,
    after: string,
    types: readonly EventType[],
    limit: number,
    em?: EntityManager,
  ): Promise<TenantEvent[]> {
    const rows = await this.tenantDb.inScope(tenantId, em, (m) =>
      m.query<EventRow[]>(
        `SELECT id, type, data, created_at FROM events
          WHERE user_id = $1 AND id > $2::bigint AND (cardinality($3::text[]) = 0 OR type = ANY ($3::text[]))
          ORDER BY id LIMIT $4`,
        [tenantId, after, types, limit],
      ),
    );
    return rows.map(toEvent);
  }
}
