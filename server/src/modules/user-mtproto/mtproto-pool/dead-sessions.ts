import { Injectable, Logger } from '@nestjs/common';
import { AuditAction, systemActor } from '../../audit/audit-actions';
import { AuditService } from '../../audit/audit.service';
import { NotificationsService } from '../../bot/notifications.service';
import { CredentialsService } from '../../credentials/credentials.service';
import { MtprotoLease, MtprotoLeaseService } from '../mtproto-lease.service';
import { EventType } from '../../events/event-types';
import { EventsService } from '../../events/events.service';
import { DomainMetrics } from '../../health/domain-metrics';

/**
 * What follows when Telegram declares a tenant's session dead (revoked, expired, account
 * deactivated): the client is closed, the stored session cleared, the event audited and the
 * tenant told once by the system bot; then the lease is let go. The session is never reopened:
 * what it was opened from is gone. Only the lease's holder clears anything, and one tenant's
 * death is handled once even when several calls learn of it together.
 */
@Injectable()
export class MtprotoDeadSessions {
  private readonly log = new Logger('MtprotoClientPool');
  private readonly dying = new Set<string>();

  constructor(
    private readonly credentials: CredentialsService,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly leases: MtprotoLeaseService,
    private readonly events: EventsService,
    private readonly metrics: DomainMetrics,
  ) {}

  /** `close` takes the client out of the pool and destroys it; `reason` is Telegram's error name. */
  async died(
    holder: { tenantId: string; lease: MtprotoLease },
    reason: string,
    close: () => Promise<void>,
  ): Promise<void> {
    const { tenantId, lease } = holder;
    if (this.dying.has(tenantId)) return;
    this.dying.add(tenantId);
    try {
      await close();
      // A holder that lost its lease leaves the cleanup to the new one.
      if (!(await this.leases.holds(lease))) return;
      const actor = systemActor();
      // The cleared session, its audit entry and the tenant's event are one fact: recorded together.
      await this.credentials.update(tenantId, { sessionString: null, isMtprotoVerified: false }, actor, async (em) => {
        await this.audit.record(
          {
            action: AuditAction.MtprotoSessionRevoked,
            actor,
            tenantId,
            target: `tenant:${tenantId}`,
            meta: { reason },
          },
          em,
        );
        await this.events.emit(tenantId, EventType.MtprotoSessionRevoked, { reason }, { em });
      });
      this.metrics.sessionRevoked();
      this.log.warn(`tenant ${tenantId}: Telegram answered ${reason}; the session was cleared`);
      await this.notifications.notify(tenantId, { kind: 'session_revoked' }).catch((e: unknown) => {
        this.log.error(`session_revoked notification failed: ${(e as Error).message}`);
      });
      await this.leases.release(lease).catch(() => undefined);
    } finally {
      this.dying.delete(tenantId);
    }
  }
}
