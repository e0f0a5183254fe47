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

/** What one maintenance pass did: the partitions it created and dropped, by name. */
export interface EventsMaintenanceResult {
  created: string[];
  dropped: string[];
}

/**
 * The one writer and reader of `events` and `event_keys` (migration Events1796400000000), always in
 * a tenant's row-level-security scope.
 *
 * Ids come from one sequence, but a sequence hands out numbers in the order transactions ask, not in
 * the order they commit: a reader could see id 7 before id 6 commits and move its cursor past 6 for
 * good. So appending takes a per-tenant transaction lock first: a tenant's events are numbered and
 * committed one transaction at a time, and a cursor that has seen an id has seen every lower one.
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
    return em
      ? this.appendIn(em, tenantId, events)
      : this.tenantDb.run(tenantId, (tx) => this.appendIn(tx, tenantId, events));
  }

  private async appendIn(em: EntityManager, tenantId: string, events: NewEvent[]): Promise<TenantEvent[]> {
    const seen = new Set<string>();
    const unique = events.filter((e) => {
      if (e.dedupeKey === undefined) return true;
      if (seen.has(e.dedupeKey)) return false;
      seen.add(e.dedupeKey);
      return true;
    });
    await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('events:' || $1::text, 0))`, [tenantId]);
    const rows: EventRow[] = await em.query(
      `WITH fresh AS (
         INSERT INTO event_keys (user_id, key) SELECT $1, k FROM unnest($4::text[]) AS k WHERE k IS NOT NULL
         ON CONFLICT DO NOTHING RETURNING key
       )
       INSERT INTO events (user_id, type, data)
       SELECT $1, e.type, e.data
         FROM unnest($2::text[], $3::jsonb[], $4::text[]) WITH ORDINALITY AS e(type, data, key, ord)
        WHERE e.key IS NULL OR e.key IN (SELECT key FROM fresh)
        ORDER BY e.ord
       RETURNING id, type, data, created_at`,
      [
        tenantId,
        unique.map((e) => e.type),
        unique.map((e) => JSON.stringify(e.data)),
        unique.map((e) => e.dedupeKey ?? null),
      ],
    );
    return rows.map(toEvent).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
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
