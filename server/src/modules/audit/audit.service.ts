import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditEvent } from './audit-event.entity';
import { AuditAction, AuditActor } from './audit-actions';
import { sanitizeAuditMeta } from './audit-meta';

export interface AuditRecord {
  action: AuditAction;
  actor: AuditActor;
  tenantId?: string | null;
  target?: string | null;
  meta?: Record<string, unknown>;
}

export interface AuditQuery {
  tenantId?: string;
  action?: string;
  /** Only events with a smaller id (the previous page's last id). */
  beforeId?: string;
  limit: number;
}

/** The append-only trail. Writes never carry a secret: meta is sanitized here. */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Inside `em` when given, so the event commits or rolls back with the change it describes. */
  async record(rec: AuditRecord, em?: EntityManager): Promise<void> {
    await (em ?? this.ds.manager).query(
      `INSERT INTO "audit_events" ("actor_id", "actor_role", "tenant_id", "action", "target", "ip", "meta")
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
      [
        rec.actor.id,
        rec.actor.role,
        rec.tenantId ?? null,
        rec.action,
        rec.target ?? null,
        rec.actor.ip?.slice(0, 64) ?? null,
        JSON.stringify(sanitizeAuditMeta(rec.meta)),
      ],
    );
  }

  async list(q: AuditQuery): Promise<AuditEvent[]> {
    const qb = this.ds.getRepository(AuditEvent).createQueryBuilder('e').orderBy('e.id', 'DESC').limit(q.limit);
    if (q.tenantId) qb.andWhere('e.tenant_id = :tenantId', { tenantId: q.tenantId });
    if (q.action) qb.andWhere('e.action = :action', { action: q.action });
    if (q.beforeId) qb.andWhere('e.id < :beforeId', { beforeId: q.beforeId });
    return qb.getMany();
  }
}
