import { AuditAction } from '../../audit/audit-actions';
import type { AuditService } from '../../audit/audit.service';
import type { NotificationsService } from '../../bot/notifications.service';
import type { CredentialsService } from '../../credentials/credentials.service';
import { EventType } from '../../events/event-types';
import type { EventsService } from '../../events/events.service';
import { DomainMetrics } from '../../health/domain-metrics';
import { MetricsService } from '../../health/metrics.service';
import type { MtprotoLeaseService } from '../mtproto-lease.service';
import { MtprotoDeadSessions } from './dead-sessions';

const TENANT = '00000000-0000-4000-8000-000000000001';
const lease = { tenantId: TENANT, fence: 3, value: 'w|3' };
/** The transaction the credentials change runs in. */
const TX = { transaction: 'credentials-change' };

function setup(holds = true) {
  // Runs what must be recorded with the change inside the same (stand-in) transaction.
  const credentials = {
    update: jest.fn(
      async (_tenant: string, _patch: unknown, _actor: unknown, alongside?: (em: unknown) => Promise<void>) => {
        if (alongside) await alongside(TX);
      },
    ),
  };
  const audit = { record: jest.fn(() => Promise.resolve()) };
  const notifications = { notify: jest.fn(() => Promise.resolve()) };
  const leases = { holds: jest.fn(() => Promise.resolve(holds)), release: jest.fn(() => Promise.resolve()) };
  const events = { emit: jest.fn(() => Promise.resolve()) };
  const dead = new MtprotoDeadSessions(
    credentials as unknown as CredentialsService,
    audit as unknown as AuditService,
    notifications as unknown as NotificationsService,
    leases as unknown as MtprotoLeaseService,
    events as unknown as EventsService,
    new DomainMetrics(new MetricsService(), []),
  );
  return { dead, credentials, audit, notifications, leases, events };
}

describe('MtprotoDeadSessions', () => {
  it('closes the client, clears the stored session, audits, tells the tenant, then lets the lease go', async () => {
    const { dead, credentials, audit, notifications, leases, events } = setup();
    const close = jest.fn(() => Promise.resolve());
    await dead.died({ tenantId: TENANT, lease }, 'AUTH_KEY_UNREGISTERED', close);
    expect(close).toHaveBeenCalledTimes(1);
    expect(credentials.update).toHaveBeenCalledWith(
      TENANT,
      { sessionString: null, isMtprotoVerified: false },
      expect.anything(),
      expect.any(Function),
    );
    // The audit entry and the event are written in the transaction that clears the session.
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        action: AuditAction.MtprotoSessionRevoked,
        tenantId: TENANT,
        meta: { reason: 'AUTH_KEY_UNREGISTERED' },
      }),
      TX,
    );
    expect(notifications.notify).toHaveBeenCalledWith(TENANT, { kind: 'session_revoked' });
    expect(events.emit).toHaveBeenCalledWith(
      TENANT,
      EventType.MtprotoSessionRevoked,
      { reason: 'AUTH_KEY_UNREGISTERED' },
      { em: TX },
    );
    expect(leases.release).toHaveBeenCalledWith(lease);
  });

  it('leaves the cleanup to the new holder when the lease was lost', async () => {
    const { dead, credentials, notifications, leases, events } = setup(false);
    const close = jest.fn(() => Promise.resolve());
    await dead.died({ tenantId: TENANT, lease }, 'SESSION_REVOKED', close);
    expect(close).toHaveBeenCalledTimes(1);
    expect(credentials.update).not.toHaveBeenCalled();
    expect(notifications.notify).not.toHaveBeenCalled();
    expect(events.emit).not.toHaveBeenCalled();
    expect(leases.release).not.toHaveBeenCalled();
  });

  it('handles one tenant once when several calls learn of it together', async () => {
    const { dead, credentials } = setup();
    const close = jest.fn(() => Promise.resolve());
    await Promise.all([
      dead.died({ tenantId: TENANT, lease }, 'AUTH_KEY_UNREGISTERED', close),
      dead.died({ tenantId: TENANT, lease }, 'AUTH_KEY_UNREGISTERED', close),
    ]);
    expect(close).toHaveBeenCalledTimes(1);
    expect(credentials.update).toHaveBeenCalledTimes(1);
  });

  it('still lets the lease go when telling the tenant fails', async () => {
    const { dead, notifications, leases } = setup();
    notifications.notify.mockRejectedValueOnce(new Error('bot down'));
    await dead.died({ tenantId: TENANT, lease }, 'AUTH_KEY_UNREGISTERED', () => Promise.resolve());
    expect(leases.release).toHaveBeenCalledWith(lease);
  });
});
