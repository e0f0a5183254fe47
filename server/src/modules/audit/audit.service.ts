import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditEvent } from './audit-event.entity';
import { AuditAction, AuditActor } from './audit-actions';
import { sanitizeAuditMeta } from './audit-meta';
import { AuditFilter, AuditRepository, NewAuditEvent } from './audit.repository';

export type { AuditFilter } from './audit.repository';

export interface AuditRecord {
  action: AuditAction;
  actor: AuditActor;
  tenantId?: string | null;
  target?: string | null;
  meta?: Record<string, unknown>;
}

/** One event as audit_append takes it (column names). */
export interface AuditEventJson {
  actor_id: string | null;
  actor_role: string | null;
  tenant_id: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  meta: Record<string, unknown>;
}

function auditRow(rec: AuditRecord): NewAuditEvent {
  return {
    actorId: rec.actor.id,
    actorRole: rec.actor.role,
    tenantId: rec.tenantId ?? null,
    action: rec.action,
    target: rec.target ?? null,
    ip: rec.actor.ip?.slice(0, 64) ?? null,
    meta: sanitizeAuditMeta(rec.meta),
  };
}

/** The append-only trail. Writes never carry a secret: meta is sanitized here. */
@Injectable()
export class AuditService {
  constructor(private readonly repo: AuditRepository) {}

  /** Inside `em` when given, so the event commits or rolls back with the change it describes. */
  async record(rec: AuditRecord, em?: EntityManager): Promise<void> {
    await this.repo.insert(auditRow(rec), em);
  }

  /**
   * The event as audit_append (audit/sql/audit_append.sql) takes it, for a module whose own SQL function
   * records a change and its event in one statement. Sanitized like every other event.
   */
  event(rec: AuditRecord): AuditEventJson {
    const row = auditRow(rec);
    return {
      actor_id: row.actorId,
      actor_role: row.actorRole,
      tenant_id: row.tenantId,
      action: row.action,
      target: row.target,
      ip: row.ip,
      meta: row.meta,
    };
  }

  /** Every tenant's events, newest first, for the support console: one page and the number matching. */
  list(filter: AuditFilter): Promise<{ events: AuditEvent[]; total: number }> {
    return this.repo.list(filter);
  }
}
