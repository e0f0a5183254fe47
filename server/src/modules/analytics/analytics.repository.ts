import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { present } from '../../common/present';
import { ADMIN_DATA_SOURCE } from '../database/admin-data-source';
import { TenantDb } from '../database/tenant-db';
import type { AnalyticsMaintenanceResult, ChannelSample } from './analytics.types';

/**
 * The one writer and reader of `channel_subscriber_samples` and `post_view_samples` (migration
 * ChannelAnalytics1796700000000), always in a tenant's row-level-security scope, except partition
 * upkeep (`analytics_maintain`, analytics/sql), which crosses tenants on the admin pool.
 *
 * A post's row stores what it gained since the post's previous sample, so a series is a sum over an
 * index. Writing a channel's sample takes a per-channel transaction lock, so two samples of one channel
 * (the schedule's and a refresh) never compute their gains from the same previous row.
 */
@Injectable()
export class AnalyticsRepository {
  constructor(
    private readonly tenantDb: TenantDb,
    @InjectDataSource(ADMIN_DATA_SOURCE) private readonly adminDs: DataSource,
  ) {}

  /** Records one sample of a channel the tenant owns (checked by the caller), in one transaction. */
  recordSample(tenantId: string, sample: ChannelSample): Promise<void> {
    return this.tenantDb.run(tenantId, async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('analytics:' || $1, 0))`, [sample.channelId]);
      const [latest] = await em.query<{ at: Date | null }[]>(
        `SELECT max(sampled_at) AS at FROM channel_subscriber_samples WHERE channel_id = $1`,
        [sample.channelId],
      );
      await em.query(
        `INSERT INTO channel_subscriber_samples (user_id, channel_id, sampled_at, subscribers, source)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [tenantId, sample.channelId, sample.sampledAt, sample.subscribers, sample.source],
      );
      if (sample.posts.length === 0) return;
      const params = [
        tenantId,
        sample.channelId,
        sample.sampledAt,
        sample.posts.map((p) => p.messageId),
        sample.posts.map((p) => p.postedAt),
        sample.posts.map((p) => p.views),
        sample.posts.map((p) => p.forwards),
        sample.posts.map((p) => p.reactions),
      ];
      await em.query(
        `INSERT INTO post_view_samples AS s (user_id, channel_id, message_id, posted_at, sampled_at, views, forwards,
                reactions, views_gained, forwards_gained, reactions_gained, first_sample)
         SELECT $1, $2, u.message_id, u.posted_at, $3, u.views, u.forwards, u.reactions,
                u.views - coalesce(p.views, 0), u.forwards - coalesce(p.forwards, 0),
                u.reactions - coalesce(p.reactions, 0), p.views IS NULL
           FROM unnest($4::int[], $5::timestamptz[], $6::int[], $7::int[], $8::int[])
                AS u(message_id, posted_at, views, forwards, reactions)
           LEFT JOIN LATERAL (
             SELECT q.views, q.forwards, q.reactions FROM post_view_samples q
              WHERE q.channel_id = $2 AND q.message_id = u.message_id AND q.sampled_at < $3
              ORDER BY q.sampled_at DESC LIMIT 1
           ) p ON true
         ON CONFLICT DO NOTHING`,
        params,
      );
      // A sample older than one already recorded (rare: a late write) becomes the previous sample of
      // each post's next one, whose gains are recomputed from it.
      if (latest?.at && latest.at > sample.sampledAt) await this.regain(em, sample);
    });
  }

  private async regain(em: EntityManager, sample: ChannelSample): Promise<void> {
    await em.query(
      `UPDATE post_view_samples n
          SET views_gained = n.views - u.views, forwards_gained = n.forwards - u.forwards,
              reactions_gained = n.reactions - u.reactions, first_sample = false
         FROM unnest($3::int[], $4::int[], $5::int[], $6::int[]) AS u(message_id, views, forwards, reactions)
        WHERE n.channel_id = $1 AND n.message_id = u.message_id
          AND n.sampled_at = (SELECT min(q.sampled_at) FROM post_view_samples q
                               WHERE q.channel_id = $1 AND q.message_id = u.message_id AND q.sampled_at > $2)`,
      [
        sample.channelId,
        sample.sampledAt,
        sample.posts.map((p) => p.messageId),
        sample.posts.map((p) => p.views),
        sample.posts.map((p) => p.forwards),
        sample.posts.map((p) => p.reactions),
      ],
    );
  }

  /** When the channel was last sampled (by account or bot), null when never. */
  async latestSampleAt(tenantId: string, channelId: string): Promise<Date | null> {
    const [row] = await this.tenantDb.run(tenantId, (em) =>
      em.query<{ at: Date | null }[]>(
        `SELECT max(sampled_at) AS at FROM channel_subscriber_samples WHERE channel_id = $1`,
        [channelId],
      ),
    );
    return row?.at ?? null;
  }

  /**
   * Creates this month's and the coming months' partitions and drops those wholly older than the
   * retention, through `analytics_maintain` (analytics/sql). Every tenant's: the admin pool.
   */
  async maintainPartitions(retentionDays: number, monthsAhead: number, now: Date): Promise<AnalyticsMaintenanceResult> {
    const rows: AnalyticsMaintenanceResult[] = await this.adminDs.query(
      `SELECT created, dropped FROM analytics_maintain($1, $2, $3)`,
      [retentionDays, monthsAhead, now],
    );
    return present(rows[0], 'analytics_maintain answers one row');
  }
}
