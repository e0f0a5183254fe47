import { Injectable } from '@nestjs/common';
import { AuditAction, AuditActor } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { TokenService } from '../auth/token.service';
import { Channel } from '../channels/channel.entity';
import { CredentialsService } from '../credentials/credentials.service';
import { AdminDb, isUuid } from '../database/tenant-db';
import { User, UserRole, UserStatus } from '../tenants/user.entity';
import { TenantsError, TenantsErrorCode } from '../tenants/tenants.errors';
import { UsersService } from '../tenants/users.service';
import {
  AuditPageDto,
  AuditQueryDto,
  TenantDetailDto,
  TenantLimitsDto,
  TenantListItemDto,
  TenantPageDto,
  TenantSearchQueryDto,
  UpdateTenantLimitsDto,
} from './dtos/admin.dto';

const tenantNotFound = (id: string) => new TenantsError(TenantsErrorCode.TenantNotFound, `Tenant ${id} not found.`);
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
  ) {}

  async listTenants(actor: AuditActor, q: TenantSearchQueryDto): Promise<TenantPageDto> {
    const search = q.search?.trim() || null;
    const params = [search, search ? likePattern(search) : null];
    const where = `u."role" = 'tenant' AND ($1::text IS NULL OR u."email" ILIKE $2 OR c."bot_username" ILIKE $2 OR u."telegram_user_id"::text = $1)`;
    const from = `FROM "users" u LEFT JOIN "user_bot_credentials" c ON c."user_id" = u."id" WHERE ${where}`;
    return this.adminDb.run(actor, 'search tenants', async (em) => {
      const rows: TenantRow[] = await em.query(
        `SELECT u."id", u."email", u."telegram_user_id", u."status", u."created_at",
                c."bot_username", c."is_bot_verified", c."is_mtproto_verified"
           ${from} ORDER BY u."created_at" DESC, u."id" LIMIT $3 OFFSET $4`,
        [...params, q.page_size, (q.page - 1) * q.page_size],
      );
      const [{ total }] = await em.query<{ total: number }[]>(`SELECT count(*)::int AS total ${from}`, params);
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
    const channelsCount = await this.adminDb.run(
      actor,
      'view tenant',
      (em) => em.getRepository(Channel).countBy({ userId: id }),
      { tenantId: id, target: `tenant:${id}` },
    );
    const integration = await this.credentials.summary(id);
    return {
      id: user.id,
      email: user.email,
      telegram_user_id: user.telegramUserId,
      status: user.status,
      created_at: user.createdAt,
      updated_at: user.updatedAt,
      integration,
      channels_count: channelsCount,
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

  async auditLog(q: AuditQueryDto): Promise<AuditPageDto> {
    const events = await this.audit.list({
      tenantId: q.tenant_id,
      action: q.action,
      beforeId: q.before,
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
      next_before: events.length === q.limit ? events[events.length - 1].id : null,
    };
  }

  private async findTenant(id: string): Promise<User> {
    const user = isUuid(id) ? await this.users.findById(id) : null;
    if (!user || user.role !== UserRole.Tenant) throw tenantNotFound(id);
    return user;
  }
}
