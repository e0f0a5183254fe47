import { Injectable } from '@nestjs/common';
import { AuditAction, AuditActor } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { CredentialsService } from '../credentials/credentials.service';
import { maskPhone } from '../credentials/mask';
import { AccountUpdatesRepository } from './account-updates/account-updates.repository';
import type { MtprotoSettingsDto, MtprotoStatusDto } from './dtos/user-mtproto.dto';
import { MtprotoLeaseService } from './mtproto-lease.service';
import { MtprotoLoginsRepository } from './mtproto-logins.repository';
import { MtprotoSessionEvents } from './mtproto-session-events';

/** A tenant's connected Telegram account: what it looks like, and ending it. */
@Injectable()
export class UserMtprotoService {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly leases: MtprotoLeaseService,
    private readonly events: MtprotoSessionEvents,
    private readonly logins: MtprotoLoginsRepository,
    private readonly audit: AuditService,
    private readonly accountUpdates: AccountUpdatesRepository,
  ) {}

  async settings(tenantId: string): Promise<MtprotoSettingsDto> {
    return { receive_updates: await this.accountUpdates.receiveUpdates(tenantId) };
  }

  /**
   * Turns account events on or off. On, a worker keeps the account connected (within its pool) and
   * records what happens to it from now on; off forgets where the updates stood.
   */
  async updateSettings(tenantId: string, patch: { receiveUpdates: boolean }): Promise<MtprotoSettingsDto> {
    await this.accountUpdates.setReceiveUpdates(tenantId, patch.receiveUpdates);
    return this.settings(tenantId);
  }

  async status(tenantId: string): Promise<MtprotoStatusDto> {
    // Read fresh: another pod may have completed a login a moment ago.
    this.credentials.forget(tenantId);
    const [c, owner] = await Promise.all([this.credentials.get(tenantId), this.leases.owner(tenantId)]);
    const verified = Boolean(c?.isMtprotoVerified && c.sessionString);
    return {
      configured: Boolean(c?.telegramApiId && c.telegramApiHash),
      verified,
      phone: c?.telegramPhone ? maskPhone(c.telegramPhone) : null,
      api_id: c?.telegramApiId ?? null,
      connected: verified && owner !== null,
      last_used: c?.mtprotoLastUsedAt ? c.mtprotoLastUsedAt.toISOString() : null,
      can_read_history: verified,
    };
  }

  /** Ends the session (the owning worker destroys its client) and keeps api_id / api_hash for the next login. */
  async disconnect(tenantId: string, actor: AuditActor): Promise<MtprotoStatusDto> {
    await this.end(tenantId, actor, AuditAction.MtprotoDisconnected, { sessionString: null, isMtprotoVerified: false });
    return this.status(tenantId);
  }

  /** Wipes every MTProto field of the tenant, pending logins included. */
  async remove(tenantId: string, actor: AuditActor): Promise<MtprotoStatusDto> {
    await this.end(tenantId, actor, AuditAction.MtprotoRemoved, {
      sessionString: null,
      isMtprotoVerified: false,
      telegramApiId: null,
      telegramApiHash: null,
      telegramPhone: null,
      mtprotoLastUsedAt: null,
    });
    return this.status(tenantId);
  }

  /** For support staff (admin console): ends a tenant's session like the tenant's own disconnect, recorded under the staff actor. */
  async forceDisconnect(tenantId: string, actor: AuditActor): Promise<MtprotoStatusDto> {
    return this.disconnect(tenantId, actor);
  }

  private async end(
    tenantId: string,
    actor: AuditActor,
    action: AuditAction,
    patch: Parameters<CredentialsService['update']>[1],
  ): Promise<void> {
    const existing = await this.credentials.get(tenantId);
    if (existing) await this.credentials.update(tenantId, patch, actor);
    await this.logins.transaction(tenantId, async (logins) => {
      await logins.deleteAll();
      await this.audit.record({ action, actor, tenantId, target: `tenant:${tenantId}` }, logins.em);
    });
    // The next session starts from its own update state.
    await this.accountUpdates.forgetState(tenantId);
    await this.events.sessionChanged(tenantId);
  }
}
