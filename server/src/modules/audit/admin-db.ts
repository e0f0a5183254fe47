import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ADMIN_DATA_SOURCE } from '../database/admin-data-source';
import { AuditAction, AuditActor } from './audit-actions';
import { AuditService } from './audit.service';

/**
 * The explicit cross-tenant path for staff and system jobs: a transaction on the admin pool,
 * whose connections run as `tenantgram_admin` (BYPASSRLS), so it sees every tenant; no setting
 * of the app's own connections can do the same. It records who asked and why in the audit
 * trail before running.
 */
@Injectable()
export class AdminDb {
  constructor(
    @InjectDataSource(ADMIN_DATA_SOURCE) private readonly ds: DataSource,
    private readonly audit: AuditService,
  ) {}

  async run<T>(
    actor: AuditActor,
    reason: string,
    fn: (em: EntityManager) => Promise<T>,
    scope: { tenantId?: string | null; target?: string | null } = {},
  ): Promise<T> {
    return this.ds.transaction(async (em) => {
      await this.audit.record(
        {
          action: AuditAction.AdminDataAccess,
          actor,
          tenantId: scope.tenantId ?? null,
          target: scope.target ?? null,
          meta: { reason },
        },
        em,
      );
      return fn(em);
    });
  }
}
