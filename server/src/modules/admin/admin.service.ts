import { Injectable } from '@nestjs/common';
import { AuditAction, AuditActor } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { TokenService } from '../auth/token.service';
import { CredentialsService, TenantCredentials } from '../credentials/credentials.service';
import { isUuid } from '../database/tenant-db';
import { User, UserRole, UserStatus } from '../tenants/user.entity';
import { TenantsError, TenantsErrorCode } from '../tenants/tenants.errors';
import { UsersService } from '../tenants/users.service';
import type { MtprotoStatusDto } from '../user-mtproto/dtos/user-mtproto.dto';
import { UserMtprotoService } from '../user-mtproto/user-mtproto.service';
import {
  AuditPageDto,
  AuditQueryDto,
  BotIntegrationDto,
  MtprotoDisconnectDto,
  MtprotoIntegrationDto,
  TenantDetailDto,
  TenantLimitsDto,
  TenantPageDto,
  TenantSearchQueryDto,
  UpdateTenantLimitsDto,
} from './dtos/admin.dto';
import { AdminReadModel } from './admin-read-model';
import { WebhookHealthCheck } from './webhook-health';

const tenantNotFound = (id: string) => new TenantsError(TenantsErrorCode.TenantNotFound, `Tenant ${id} not found.`);
const CHANNELS_SHOWN = 100;

const mtprotoOf = (s: MtprotoStatusDto): MtprotoIntegrationDto => ({
  configured: s.configured,
  verified: s.verified,
  connected: s.connected,
  phone_masked: s.phone,
  last_used_at: s.last_used ? new Date(s.last_used) : null,
});

/**
 * The support console's API: every cross-tenant read goes through AdminDb and is audited; the
 * console's lists come from AdminReadModel, everything else from the owning modules' services.
 */
@Injectable()
export class AdminService {
  constructor(
    private readonly users: UsersService,
    private readonly credentials: CredentialsService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly webhookHealth: WebhookHealthCheck,
    private readonly userMtproto: UserMtprotoService,
    private readonly readModel: AdminReadModel,
  ) {}

  listTenants(actor: AuditActor, q: TenantSearchQueryDto): Promise<TenantPageDto> {
    return this.readModel.tenantPage(actor, q);
  }

  async getTenant(actor: AuditActor, id: string): Promise<TenantDetailDto> {
    const user = await this.findTenant(id);
    const { count, channels } = await this.readModel.tenantChannels(actor, id, CHANNELS_SHOWN);
    const creds = await this.credentials.get(id);
    const [integration, bot, mtproto] = await Promise.all([
      this.credentials.summary(id),
      this.botOf(creds),
      this.userMtproto.status(id).then(mtprotoOf),
    ]);
    return {
      id: user.id,
      email: user.email,
      telegram_user_id: user.telegramUserId,
      status: user.status,
      created_at: user.createdAt,
      updated_at: user.updatedAt,
      integration,
      channels_count: count,
      bot,
      mtproto,
      channels,
    };
  }

  /**
   * Support's "force MTProto disconnect": the MTProto module ends the session as for the tenant's
   * own disconnect (stored session cleared, account unverified, the worker holding the client told
   * to drop it), under the staff member's name; this adds the support action to the audit trail.
   */
  async forceMtprotoDisconnect(actor: AuditActor, id: string): Promise<MtprotoDisconnectDto> {
    await this.findTenant(id);
    const hadSession = Boolean((await this.credentials.get(id))?.sessionString);
    const before = await this.userMtproto.status(id);
    const after = await this.userMtproto.forceDisconnect(id, actor);
    await this.audit.record({
      action: AuditAction.MtprotoForceDisconnected,
      actor,
      tenantId: id,
      target: `tenant:${id}`,
      meta: { had_session: hadSession, was_connected: before.connected },
    });
    return { had_session: hadSession, mtproto: mtprotoOf(after) };
  }

  private async botOf(c: TenantCredentials | null): Promise<BotIntegrationDto> {
    return {
      configured: Boolean(c?.botToken),
      username: c?.botUsername ?? null,
      bot_id: c?.botId ?? null,
      verified: c?.isBotVerified ?? false,
      webhook: c?.botToken ? await this.webhookHealth.check(c.botToken) : null,
    };
  }

  async setStatus(actor: AuditActor, id: string, status: UserStatus): Promise<TenantDetailDto> {
    const user = await this.findTenant(id);
    if (user.status !== status) {
      await this.users.setStatus(id, status);
      // Suspension also ends every refresh-token family: no quiet way back in.
      if (status === UserStatus.Suspended) await this.tokens.revokeAllFor(id);
      await this.audit.record({
        action: status === UserStatus.Suspended ? AuditAction.TenantSuspended : AuditAction.TenantReactivated,
        actor,
        tenantId: id,
        target: `tenant:${id}`,
        meta: { previous_status: user.status, status },
      });
    }
    return this.getTenant(actor, id);
  }

  async setLimits(actor: AuditActor, id: string, dto: UpdateTenantLimitsDto): Promise<TenantLimitsDto> {
    await this.findTenant(id);
    const limits = await this.credentials.setLimits(
      id,
      { rateLimitRps: dto.rate_limit_rps, maxConcurrentRequests: dto.max_concurrent_requests },
      actor,
    );
    return { rate_limit_rps: limits.rateLimitRps, max_concurrent_requests: limits.maxConcurrentRequests };
  }

  /** Newest first. Pages either by cursor (`before`, stable while events arrive) or by number (`page`). */
  async auditLog(q: AuditQueryDto): Promise<AuditPageDto> {
    const { events, total } = await this.audit.list({
      tenantId: q.tenant_id,
      action: q.action,
      from: q.from,
      to: q.to,
      beforeId: q.before,
      page: q.page,
      limit: q.limit,
    });
    return {
      items: events.map((e) => ({
        id: e.id,
        at: e.at,
        actor_id: e.actorId,
        actor_role: e.actorRole,
        tenant_id: e.tenantId,
        action: e.action,
        target: e.target,
        ip: e.ip,
        meta: e.meta,
      })),
      next_before: events.length === q.limit ? (events.at(-1)?.id ?? null) : null,
      total,
    };
  }

  private async findTenant(id: string): Promise<User> {
    const user = isUuid(id) ? await this.users.findById(id) : null;
    if (!user || user.role !== UserRole.Tenant) throw tenantNotFound(id);
    return user;
  }
}
