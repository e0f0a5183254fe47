import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ADMIN_DATA_SOURCE } from '../database/admin-data-source';
import { AuditEvent } from './audit-event.entity';

/** One event as written; `meta` already sanitized by AuditService. */
export interface NewAuditEvent {
  actorId: string | null;
  actorRole: string | null;
  tenantId: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  meta: Record<string, unknown>;
}

/** Which events a page shows, newest first. */
export interface AuditFilter {
  tenantId?: string;
  action?: string;
  /** At or after this time. */
  from?: Date;
  /** Before this time. */
  to?: Date;
  /** Only events with a smaller id (the previous page's last id); wins over `page`. */
  beforeId?: string;
  /** Numbered page, counted from 1. */
  page?: number;
  limit: number;
}

/**
 * The only code that reads or writes `audit_events`. The table is append-only
 * (a trigger refuses UPDATE and DELETE), so there is nothing here but inserting
 * and listing. Events belong to no single tenant's scope: listing reads every
 * tenant's events, so it runs on the admin pool like the rest of the console.
 */
@Injectable()
export class AuditRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectDataSource(ADMIN_DATA_SOURCE) private readonly adminDs: DataSource,
  ) {}

  /** Inside `em` when given, so the event commits or rolls back with the change it describes. */
  async insert(event: NewAuditEvent, em?: EntityManager): Promise<void> {
    await (em ?? this.ds.manager).query(
      `INSERT INTO "audit_events" ("actor_id", "actor_role", "tenant_id", "action", "target", "ip", "meta")
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
      [
        event.actorId,
        event.actorRole,
        event.tenantId,
        event.action,
        event.target,
        event.ip,
        JSON.stringify(event.meta),
      ],
    );
  }

  /** One page of matching events, newest first, and how many match in all (whatever the page). */
  async list(f: AuditFilter): Promise<{ events: AuditEvent[]; total: number }> {
    const qb = this.adminDs.getRepository(AuditEvent).createQueryBuilder('e');
    if (f.tenantId) qb.andWhere('e.tenant_id = :tenantId', { tenantId: f.tenantId });
    if (f.action) qb.andWhere('e.action = :action', { action: f.action });
    if (f.from) qb.andWhere('e.at >= :from', { from: f.from });
    if (f.to) qb.andWhere('e.at < :to', { to: f.to });
    const total = await qb.clone().getCount();
    if (f.beforeId) qb.andWhere('e.id < :beforeId', { beforeId: f.beforeId });
    else if (f.page) qb.offset((f.page - 1) * f.limit);
    const events = await qb.orderBy('e.id', 'DESC').limit(f.limit).getMany();
    return { events, total };
  }
}
