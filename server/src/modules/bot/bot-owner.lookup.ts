import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isInt64String } from '../../common/http/validators';
import { ADMIN_DATA_SOURCE } from '../database/admin-data-source';
import { UserStatus } from '../tenants/user.entity';

export interface BotOwner {
  tenantId: string;
  status: UserStatus;
}

const TTL_MS = 30_000;
const MISS_TTL_MS = 5_000;
const MAX_ENTRIES = 20_000;

/**
 * Which tenant owns a bot, for requests that name only the bot (webhooks).
 * Runs the `tg_bot_owner` SQL function on the admin pool (the BYPASSRLS role):
 * a system lookup that sees across tenants but returns only the owner's id and
 * status, so it needs no audited admin transaction per update. Answers are
 * cached briefly per process.
 */
@Injectable()
export class BotOwnerLookup {
  private readonly cache = new Map<string, { owner: BotOwner | null; expires: number }>();

  constructor(@InjectDataSource(ADMIN_DATA_SOURCE) private readonly ds: DataSource) {}

  async find(botId: string): Promise<BotOwner | null> {
    // A bot id is a positive bigint; anything else (e.g. 2^63) names no bot and must not reach the cast.
    if (!/^\d{1,19}$/.test(botId) || !isInt64String(botId)) return null;
    const hit = this.cache.get(botId);
    if (hit && hit.expires > Date.now()) return hit.owner;
    const rows: { user_id: string; user_status: UserStatus }[] = await this.ds.query(
      'SELECT user_id, user_status FROM tg_bot_owner($1::bigint)',
      [botId],
    );
    const owner = rows[0] ? { tenantId: rows[0].user_id, status: rows[0].user_status } : null;
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(botId, { owner, expires: Date.now() + (owner ? TTL_MS : MISS_TTL_MS) });
    return owner;
  }

  /** Every verified bot of an active tenant (boot-time re-creation). */
  async activeBots(): Promise<{ tenantId: string; botId: string }[]> {
    const rows: { user_id: string; bot_id: string }[] = await this.ds.query(
      'SELECT user_id, bot_id::text AS bot_id FROM tg_active_bots()',
    );
    return rows.map((r) => ({ tenantId: r.user_id, botId: r.bot_id }));
  }

  forget(botId: string): void {
    this.cache.delete(botId);
  }
}
