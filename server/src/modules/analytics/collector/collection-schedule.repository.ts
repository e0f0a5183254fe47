import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ADMIN_DATA_SOURCE } from '../../database/admin-data-source';
import { TenantDb } from '../../database/tenant-db';

export type CollectionState = 'active' | 'waiting' | 'stopped';
export type SampleSource = 'account' | 'bot';

/** A channel taken from the schedule by a worker's tick. */
export interface DueChannel {
  tenantId: string;
  channelId: string;
  state: CollectionState;
  reason: string | null;
}

/** A post analytics follows, and when it is next due. */
export interface ScheduledPost {
  messageId: number;
  postedAt: Date;
  nextDueAt: Date;
}

/** Where a channel's collection stands. */
export interface ChannelSchedule {
  lastMessageId: number;
  nextDueAt: Date;
  lastSampledAt: Date | null;
  lastSource: SampleSource | null;
  state: CollectionState;
  reason: string | null;
  posts: ScheduledPost[];
}

interface ScheduleRow {
  last_message_id: number;
  next_due_at: Date;
  last_sampled_at: Date | null;
  last_source: SampleSource | null;
  state: CollectionState;
  reason: string | null;
}

/**
 * The only code that reads or writes `channel_analytics_schedule` and `channel_analytics_posts` (migration
 * ChannelAnalyticsSchedule1796710000000): what each channel's collection does next. Tenant work runs in the
 * tenant's row-level-security scope; the workers' cross-tenant steps (adding channels, taking due ones) use the
 * admin pool.
 */
@Injectable()
export class CollectionScheduleRepository {
  constructor(
    private readonly tenantDb: TenantDb,
    @InjectDataSource(ADMIN_DATA_SOURCE) private readonly adminDs: DataSource,
  ) {}

  /** Adds the channels that have no schedule yet, due at once. */
  async addMissing(channels: { id: string; userId: string }[]): Promise<void> {
    if (!channels.length) return;
    await this.adminDs.query(
      `INSERT INTO channel_analytics_schedule (channel_id, user_id)
       SELECT * FROM unnest($1::uuid[], $2::uuid[])
       ON CONFLICT (channel_id) DO NOTHING`,
      [channels.map((c) => c.id), channels.map((c) => c.userId)],
    );
  }

  /** Adds one channel's schedule (due at once) if it has none. */
  async ensure(tenantId: string, channelId: string): Promise<void> {
    await this.tenantDb.run(tenantId, (em) =>
      em.query(
        `INSERT INTO channel_analytics_schedule (channel_id, user_id) VALUES ($1, $2) ON CONFLICT (channel_id) DO NOTHING`,
        [channelId, tenantId],
      ),
    );
  }

  /**
   * Takes up to `limit` due channels, earliest first, and moves them `holdSeconds` later, so no other worker takes
   * them meanwhile; the sample (or its failure) then sets the real next time. A worker lost mid-sample leaves them
   * due again after the hold.
   */
  async claimDue(limit: number, holdSeconds: number): Promise<DueChannel[]> {
    const rows: { channel_id: string; user_id: string; state: CollectionState; reason: string | null }[] =
      await this.adminDs.query(
        `UPDATE channel_analytics_schedule s SET next_due_at = now() + make_interval(secs => $2)
         FROM (SELECT channel_id FROM channel_analytics_schedule WHERE next_due_at <= now()
               ORDER BY next_due_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
         WHERE s.channel_id = due.channel_id
         RETURNING s.channel_id, s.user_id, s.state, s.reason`,
        [limit, holdSeconds],
      );
    // UPDATE ... RETURNING through the driver answers [rows, count].
    const list = Array.isArray(rows[0]) ? (rows[0] as unknown as typeof rows) : rows;
    return list.map((r) => ({ tenantId: r.user_id, channelId: r.channel_id, state: r.state, reason: r.reason }));
  }

  /**
   * Marks an on-demand refresh unless one ran less than `minSeconds` ago: answers 0 when it may run, else the
   * seconds until it may.
   */
  async claimRefresh(tenantId: string, channelId: string, minSeconds: number): Promise<number> {
    return this.tenantDb.run(tenantId, async (em) => {
      await em.query(
        `INSERT INTO channel_analytics_schedule (channel_id, user_id) VALUES ($1, $2) ON CONFLICT (channel_id) DO NOTHING`,
        [channelId, tenantId],
      );
      const [row] = await em.query<{ wait: number | null }[]>(
        `SELECT ceil(extract(epoch FROM last_refresh_at + make_interval(secs => $2) - now()))::int AS wait
         FROM channel_analytics_schedule WHERE channel_id = $1 FOR UPDATE`,
        [channelId, minSeconds],
      );
      const wait = row?.wait ?? null;
      if (wait !== null && wait > 0) return wait;
      await em.query(`UPDATE channel_analytics_schedule SET last_refresh_at = now() WHERE channel_id = $1`, [
        channelId,
      ]);
      return 0;
    });
  }

  async load(tenantId: string, channelId: string): Promise<ChannelSchedule | null> {
    return this.tenantDb.run(tenantId, async (em) => {
      const [row] = await em.query<ScheduleRow[]>(
        `SELECT last_message_id, next_due_at, last_sampled_at, last_source, state, reason
         FROM channel_analytics_schedule WHERE channel_id = $1`,
        [channelId],
      );
      if (!row) return null;
      const posts = await em.query<{ message_id: number; posted_at: Date; next_due_at: Date }[]>(
        `SELECT message_id, posted_at, next_due_at FROM channel_analytics_posts WHERE channel_id = $1 ORDER BY message_id`,
        [channelId],
      );
      return {
        lastMessageId: row.last_message_id,
        nextDueAt: row.next_due_at,
        lastSampledAt: row.last_sampled_at,
        lastSource: row.last_source,
        state: row.state,
        reason: row.reason,
        posts: posts.map((p) => ({ messageId: p.message_id, postedAt: p.posted_at, nextDueAt: p.next_due_at })),
      };
    });
  }

  /**
   * After a stored sample, in one transaction: the sampled posts' next times, posts past the age limit
   * forgotten, and the channel active again with its next time.
   */
  async sampled(
    tenantId: string,
    channelId: string,
    s: {
      sampledAt: Date;
      source: SampleSource;
      lastMessageId: number;
      posts: ScheduledPost[];
      forgetPostedBefore: Date;
      nextDueAt: Date;
    },
  ): Promise<void> {
    await this.tenantDb.run(tenantId, async (em) => {
      if (s.posts.length) {
        await em.query(
          `INSERT INTO channel_analytics_posts (channel_id, message_id, user_id, posted_at, next_due_at)
           SELECT $1, m, $2, p, d FROM unnest($3::int[], $4::timestamptz[], $5::timestamptz[]) AS t(m, p, d)
           ON CONFLICT (channel_id, message_id) DO UPDATE SET next_due_at = EXCLUDED.next_due_at`,
          [
            channelId,
            tenantId,
            s.posts.map((p) => p.messageId),
            s.posts.map((p) => p.postedAt.toISOString()),
            s.posts.map((p) => p.nextDueAt.toISOString()),
          ],
        );
      }
      await em.query(`DELETE FROM channel_analytics_posts WHERE channel_id = $1 AND posted_at < $2`, [
        channelId,
        s.forgetPostedBefore,
      ]);
      await em.query(
        `UPDATE channel_analytics_schedule SET next_due_at = $2, last_message_id = GREATEST(last_message_id, $3),
           last_sampled_at = $4, last_source = $5, state = 'active', reason = NULL, updated_at = now()
         WHERE channel_id = $1`,
        [channelId, s.nextDueAt, s.lastMessageId, s.sampledAt, s.source],
      );
    });
  }

  /** Moves the channel's next time, with the state and reason to show meanwhile. */
  async reschedule(
    tenantId: string,
    channelId: string,
    nextDueAt: Date,
    state: CollectionState,
    reason: string | null,
  ): Promise<void> {
    await this.tenantDb.run(tenantId, (em) =>
      em.query(
        `UPDATE channel_analytics_schedule SET next_due_at = $2, state = $3, reason = $4, updated_at = now()
         WHERE channel_id = $1`,
        [channelId, nextDueAt, state, reason],
      ),
    );
  }

  /** Stops collection for every channel of the tenant (its session was revoked), checked again at `nextDueAt`. */
  async stopTenant(tenantId: string, reason: string, nextDueAt: Date): Promise<void> {
    await this.tenantDb.run(tenantId, (em) =>
      em.query(
        `UPDATE channel_analytics_schedule SET state = 'stopped', reason = $2, next_due_at = $3, updated_at = now()
         WHERE user_id = $1`,
        [tenantId, reason, nextDueAt],
      ),
    );
  }
}
