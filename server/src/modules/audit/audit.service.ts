import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditEvent } from './audit-event.entity';
import { AuditAction, AuditActor } from './audit-actions';
import { sanitizeAuditMeta } from './audit-meta';
import { AuditFilter, AuditRepository } from './audit.repository';

export type { AuditFilter } from './audit.repository';

export interface AuditRecord {
  action: AuditAction;
  actor: AuditActor;
  tenantId?: string | null;
  target?: string | null;
  meta?: Record<string, unknown>;
}

/** The append-only trail. Writes never carry a secret: meta is sanitized here. */
@Injectable()
export class AuditService {
  constructor(private readonly repo: AuditRepository) {}

  /** Inside `em` when given, so the event commits or rolls back with the change it describes. */
  async record(rec: AuditRecord, em?: EntityManager): Promise<void> {
    await this.repo.insert(
      {
        actorId: rec.actor.id,
        actorRole: rec.actor.role,
        tenantId: rec.tenantId ?? null,
        action: rec.action,
        target: rec.target ?? null,
        ip: rec.actor.ip?.slice(0, 64) ?? null,
        meta: sanitizeAuditMeta(rec.meta),
      },
      em,
    );
  }

  /** Every tenant's events, newest first, for the support console: one page and the number matching. */
  list(filter: AuditFilter): Promise<{ events: AuditEvent[]; total: number }> {
    return this.repo.list(filter);
  }
}
