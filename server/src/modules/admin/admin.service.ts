import { present } from '../../common/present';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AuditAction, AuditActor } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { TokenService } from '../auth/token.service';
import { Channel } from '../channels/channel.entity';
import { CredentialsService, TenantCredentials } from '../credentials/credentials.service';
import { AdminDb, isUuid } from '../database/tenant-db';
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
  TenantChannelDto,
  TenantDetailDto,
  TenantLimitsDto,
  TenantListItemDto,
  TenantPageDto,
  TenantSearchQueryDto,
  TenantSortField,
  UpdateTenantLimitsDto,
} from './dtos/admin.dto';
import { WebhookHealthCheck } from './webhook-health';

const tenantNotFound = (id: string) => new TenantsError(TenantsErrorCode.TenantNotFound, `Tenant ${id} not found.`);
const CHANNELS_SHOWN = 100;

/** Whitelisted ORDER BY expressions; the query's sort parameter only ever picks one of these. */
const SORT_COLUMNS: Record<TenantSortField, string> = {
  created_at: 'u."created_at"',
  email: 'u."email"',
  status: 'u."status"',
  bot_username: 'c."bot_username"',
  telegram_user_id: 'u."telegram_user_id"',
};

const mtprotoOf = (s: MtprotoStatusDto): MtprotoIntegrationDto => ({
  configured: s.configured,
  verified: s.verified,
  connected: s.connected,
  phone_masked: s.phone,
  last_used_at: s.last_used ? new Date(s.last_used) : null,
});

const likePattern = (s: string): string => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

interface TenantRow {
  id: string;
  email: string | null;
  telegram_user_id: string | null;
  status: UserStatus;
  created_at: Date;
  bot_username: string | null;
  is_bot_verified: boolean | null;
  is_mtproto_verified: boolean | null;
}

/** The support console's API: every cross-tenant read goes through AdminDb and is audited. */
@Injectable()
export class AdminService {
  constructor(
    private readonly adminDb: AdminDb,
    private readonly users: UsersService,
    private readonly credentials: CredentialsService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly webhookHealth: WebhookHealthCheck,
    private readonly moduleRef: ModuleRef,
  ) {}

  /**
   * The MTProto owner's service. Looked up rather than injected: UserMtprotoModule is a dynamic
   * module built from the config, and the session rules (who holds it, how it ends) stay there.
   */
  private get userMtproto(): UserMtprotoService {
    return this.moduleRef.get(UserMtprotoService, { strict: false });
  }

  async listTenants(actor: AuditActor, q: TenantSearchQueryDto): Promise<TenantPageDto> {
    const search = q.search?.trim() || null;
    const params = [search, search ? likePattern(search) : null];
    const where = `u."role" = 'tenant' AND ($1::text IS NULL OR u."email" ILIKE $2 OR c."bot_username" ILIKE $2 OR u."telegram_user_id"::text = $1)`;
    const from = `FROM "users" u LEFT JOIN "user_bot_credentials" c ON c."user_id" = u."id" WHERE ${where}`;
    const direction = q.order === 'asc' ? 'ASC' : 'DESC';
    const orderBy = `${SORT_COLUMNS[q.sort]} ${direction} NULLS LAST, u."id" ${direction}`;
    return this.adminDb.run(actor, 'search tenants', async (em) => {
      const rows: TenantRow[] = await em.query(
        `SELECT u."id", u."email", u."telegram_user_id", u."status", u."created_at",
                c."bot_username", c."is_bot_verified", c."is_mtproto_verified"
           ${from} ORDER BY ${orderBy} LIMIT $3 OFFSET $4`,
        [...params, q.page_size, (q.page - 1) * q.page_size],
      );
      const [count] = await em.query<{ total: number }[]>(`SELECT count(*)::int AS total ${from}`, params);
      const { total } = present(count, 'the tenant count');
      const items: TenantListItemDto[] = rows.map((r) => ({
        id: r.id,
        email: r.email,
        telegram_user_id: r.telegram_user_id,
        status: r.status,
        bot_username: r.bot_username,
        is_bot_verified: r.is_bot_verified ?? false,
        is_mtproto_verified: r.is_mtproto_verified ?? false,
        created_at: r.created_at,
      }));
      return { items, page: q.page, page_size: q.page_size, total };
    });
  }

  async getTenant(actor: AuditActor, id: string): Promise<TenantDetailDto> {
    const user = await this.findTenant(id);
    const { count, channels } = await this.adminDb.run(
      actor,
      'view tenant',
      async (em) => {
        const repo = em.getRepository(Channel);
        const rows = await repo.find({ where: { userId: id }, order: { createdAt: 'DESC' }, take: CHANNELS_SHOWN });
        return { count: await repo.countBy({ userId: id }), channels: rows };
      },
      { tenantId: id, target: `tenant:${id}` },
    );
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
      channels: channels.map((c): TenantChannelDto => ({
        id: c.id,
        telegram_id: c.telegramId,
        username: c.username,
        title: c.title,
        type: c.type,
        bot_is_admin: c.botIsAdmin,
        bot_can_post: c.botCanPost,
        admin_checked_at: c.adminCheckedAt,
      })),
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
