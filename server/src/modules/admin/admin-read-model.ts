import { Injectable } from '@nestjs/common';
import { present } from '../../common/present';
import { AuditActor } from '../audit/audit-actions';
import { Channel } from '../channels/channel.entity';
import { AdminDb } from '../audit/admin-db';
import { UserStatus } from '../tenants/user.entity';
import {
  TenantChannelDto,
  TenantListItemDto,
  TenantPageDto,
  TenantSearchQueryDto,
  TenantSortField,
} from './dtos/admin.dto';
import { ChannelDto } from '../channels/dtos/channel.dto';

/** Whitelisted ORDER BY expressions; the query's sort parameter only ever picks one of these. */
const SORT_COLUMNS: Record<TenantSortField, string> = {
  created_at: 'u."created_at"',
  email: 'u."email"',
  status: 'u."status"',
  bot_username: 'c."bot_username"',
  telegram_user_id: 'u."telegram_user_id"',
};

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

/**
 * The support console's one declared cross-module read model. The console's lists search and
 * sort across tables that other modules own (`users`, `user_bot_credentials`, `channels`), over
 * every tenant: one join on the admin pool answers them, where asking each owner in turn could
 * not sort or page. It only reads; every write goes through the owners' services. Each read runs
 * in AdminDb (BYPASSRLS, audited under the staff member's name).
 */
@Injectable()
export class AdminReadModel {
  constructor(private readonly adminDb: AdminDb) {}

  /** Tenants with their bot's name and verification flags, searched, sorted and paged. */
  tenantPage(actor: AuditActor, q: TenantSearchQueryDto): Promise<TenantPageDto> {
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

  /** A tenant's newest channels (at most `shown`) and how many it has. */
  tenantChannels(
    actor: AuditActor,
    tenantId: string,
    shown: number,
  ): Promise<{ count: number; channels: TenantChannelDto[] }> {
    return this.adminDb.run(
      actor,
      'view tenant',
      async (em) => {
        const repo = em.getRepository(Channel);
        const rows = await repo.find({ where: { userId: tenantId }, order: { createdAt: 'DESC' }, take: shown });
        return {
          count: await repo.countBy({ userId: tenantId }),
          // The tenant's own view of a channel, without its timestamps.
          channels: rows.map((c): TenantChannelDto => {
            const { created_at: _created, updated_at: _updated, ...shown } = ChannelDto.from(c);
            return shown;
          }),
        };
      },
      { tenantId, target: `tenant:${tenantId}` },
    );
  }

  /** Platform totals for the overview: tenants, and those with a verified bot or a signed-in account. */
  platformTotals(actor: AuditActor): Promise<{ tenants: number; verified_bots: number; verified_accounts: number }> {
    return this.adminDb.run(actor, 'platform overview', async (em) => {
      const [row] = await em.query<{ tenants: number; verified_bots: number; verified_accounts: number }[]>(
        `SELECT count(*)::int AS tenants,
                count(*) FILTER (WHERE c."is_bot_verified")::int AS verified_bots,
                count(*) FILTER (WHERE c."is_mtproto_verified")::int AS verified_accounts
           FROM "users" u LEFT JOIN "user_bot_credentials" c ON c."user_id" = u."id"
          WHERE u."role" = 'tenant'`,
      );
      return present(row, 'the platform totals');
    });
  }
}
