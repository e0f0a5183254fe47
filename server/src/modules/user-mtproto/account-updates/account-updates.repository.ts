import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ADMIN_DATA_SOURCE } from '../../database/admin-data-source';
import { TenantDb } from '../../database/tenant-db';
import type { CommonState } from './update-gaps';

/** A channel's own update state, and the access hash that asking for its difference needs. */
export interface StoredChannel {
  channelId: string;
  accessHash: string;
  pts: number;
}

/** What a worker resumes from: the common box's state (null before the first `getState`) and each channel's. */
export interface StoredUpdateState {
  receiveUpdates: boolean;
  common: CommonState | null;
  channels: StoredChannel[];
}

interface AccountRow {
  receive_updates: boolean;
  pts: number | null;
  qts: number | null;
  date: number | null;
  seq: number | null;
}

/** Thrown inside a transaction when a newer lease holder recorded state (or receiving was turned off): nothing commits. */
export class StaleUpdateWriterError extends Error {
  constructor() {
    super('another worker records this account now, or it no longer receives updates');
    this.name = 'StaleUpdateWriterError';
  }
}

/**
 * One transaction of AccountUpdatesRepository.record: `em` is for writes that must commit with the
 * state (the events the updates gave).
 */
export class AccountUpdatesInTransaction {
  constructor(
    readonly em: EntityManager,
    private readonly tenantId: string,
  ) {}

  /**
   * Claims the account's row for the lease with this fencing token, row-locked until the transaction
   * ends. A row recorded under a newer token, or with receiving turned off, throws StaleUpdateWriterError.
   */
  async claim(fence: number): Promise<void> {
    const rows: unknown[] = await this.em.query(
      `UPDATE mtproto_account_updates SET fence = $2, updated_at = now()
        WHERE user_id = $1 AND receive_updates AND fence <= $2 RETURNING 1`,
      [this.tenantId, fence],
    );
    // The driver answers [rows, count] for UPDATE ... RETURNING.
    const returned = Array.isArray(rows[0]) ? (rows[0] as unknown[]) : rows;
    if (returned.length === 0) throw new StaleUpdateWriterError();
  }

  async saveCommon(state: CommonState): Promise<void> {
    await this.em.query(
      `UPDATE mtproto_account_updates SET pts = $2, qts = $3, date = $4, seq = $5, updated_at = now() WHERE user_id = $1`,
      [this.tenantId, state.pts, state.qts, state.date, state.seq],
    );
  }

  async saveChannels(channels: StoredChannel[]): Promise<void> {
    if (channels.length === 0) return;
    await this.em.query(
      `INSERT INTO mtproto_channel_states (user_id, channel_id, access_hash, pts)
       SELECT $1, c, h, p FROM unnest($2::bigint[], $3::text[], $4::int[]) AS x(c, h, p)
       ON CONFLICT (user_id, channel_id) DO UPDATE SET access_hash = EXCLUDED.access_hash, pts = EXCLUDED.pts, updated_at = now()`,
      [this.tenantId, channels.map((c) => c.channelId), channels.map((c) => c.accessHash), channels.map((c) => c.pts)],
    );
  }

  /** Remembers the users as talked to; answers those that were not known before. */
  async addKnownPeers(peerIds: string[]): Promise<Set<string>> {
    if (peerIds.length === 0) return new Set();
    const rows: { peer_id: string }[] = await this.em.query(
      `INSERT INTO mtproto_known_peers (user_id, peer_id) SELECT $1, p FROM unnest($2::bigint[]) AS p
       ON CONFLICT DO NOTHING RETURNING peer_id::text AS peer_id`,
      [this.tenantId, [...new Set(peerIds)]],
    );
    return new Set(rows.map((r) => r.peer_id));
  }
}

/**
 * The one writer and reader of `mtproto_account_updates`, `mtproto_channel_states` and
 * `mtproto_known_peers` (migration AccountUpdates1796600000000): whether an account receives
 * updates, where its update state stands, and whom it has talked to.
 */
@Injectable()
export class AccountUpdatesRepository {
  constructor(
    private readonly tenantDb: TenantDb,
    @InjectDataSource(ADMIN_DATA_SOURCE) private readonly adminDs: DataSource,
  ) {}

  async receiveUpdates(tenantId: string): Promise<boolean> {
    const rows = await this.tenantDb.run(tenantId, (em) =>
      em.query<AccountRow[]>(`SELECT receive_updates FROM mtproto_account_updates WHERE user_id = $1`, [tenantId]),
    );
    return rows[0]?.receive_updates ?? false;
  }

  /**
   * Turns receiving on or off. Turning it off forgets the update state: turned on again, the account
   * starts from Telegram's state of that moment instead of catching up on the time it was off.
   */
  async setReceiveUpdates(tenantId: string, on: boolean): Promise<void> {
    await this.tenantDb.run(tenantId, async (em) => {
      await em.query(
        `INSERT INTO mtproto_account_updates (user_id, receive_updates) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET receive_updates = EXCLUDED.receive_updates, updated_at = now()`,
        [tenantId, on],
      );
      if (!on) await this.forgetIn(em, tenantId);
    });
  }

  /** Forgets the update state (the account's session changed: the next one starts from its own state). */
  async forgetState(tenantId: string): Promise<void> {
    await this.tenantDb.run(tenantId, (em) => this.forgetIn(em, tenantId));
  }

  private async forgetIn(em: EntityManager, tenantId: string): Promise<void> {
    await em.query(
      `UPDATE mtproto_account_updates SET pts = NULL, qts = NULL, date = NULL, seq = NULL, updated_at = now() WHERE user_id = $1`,
      [tenantId],
    );
    await em.query(`DELETE FROM mtproto_channel_states WHERE user_id = $1`, [tenantId]);
  }

  async load(tenantId: string): Promise<StoredUpdateState> {
    return this.tenantDb.run(tenantId, async (em) => {
      const [row] = await em.query<AccountRow[]>(
        `SELECT receive_updates, pts, qts, date, seq FROM mtproto_account_updates WHERE user_id = $1`,
        [tenantId],
      );
      const channels = await em.query<{ channel_id: string; access_hash: string; pts: number }[]>(
        `SELECT channel_id::text AS channel_id, access_hash, pts FROM mtproto_channel_states WHERE user_id = $1`,
        [tenantId],
      );
      const common =
        row && row.pts !== null && row.qts !== null && row.date !== null && row.seq !== null
          ? { pts: row.pts, qts: row.qts, date: row.date, seq: row.seq }
          : null;
      return {
        receiveUpdates: row?.receive_updates ?? false,
        common,
        channels: channels.map((c) => ({ channelId: c.channel_id, accessHash: c.access_hash, pts: c.pts })),
      };
    });
  }

  /** Runs `fn` in one transaction of the tenant; the caller claims the row first (see AccountUpdatesInTransaction). */
  record<T>(tenantId: string, fn: (tx: AccountUpdatesInTransaction) => Promise<T>): Promise<T> {
    return this.tenantDb.run(tenantId, (em) => fn(new AccountUpdatesInTransaction(em, tenantId)));
  }

  /** Every tenant whose account receives updates (across tenants: the admin pool), at most `limit`. */
  async receivingTenants(limit: number): Promise<string[]> {
    const rows: { user_id: string }[] = await this.adminDs.query(
      `SELECT user_id FROM mtproto_account_updates WHERE receive_updates ORDER BY user_id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.user_id);
  }
}
