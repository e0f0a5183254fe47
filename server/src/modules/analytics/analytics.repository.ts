import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { present } from '../../common/present';
import { ADMIN_DATA_SOURCE } from '../database/admin-data-source';
import { TenantDb } from '../database/tenant-db';
import type {
  AnalyticsMaintenanceResult,
  ChannelSample,
  CurvePoint,
  GainsBucket,
  HourCell,
  PostsBucket,
  StatsInterval,
  SubscribersBucket,
  TopPost,
  TopPostsSort,
} from './analytics.types';

/**
 * The start of the bucket of width `stride` (SQL of an interval) holding `ts`: UTC hours, days, and weeks
 * from Monday (2000-01-03 was one). date_bin is arithmetic, much cheaper per row than date_trunc in a zone.
 */
const BUCKET = (stride: string, ts: string): string => `date_bin(${stride}, ${ts}, '2000-01-03 00:00:00+00')`;

/** Bucket widths as SQL intervals. */
const STRIDE: Record<StatsInterval, string> = { hour: '1 hour', day: '1 day', week: '7 days' };

/**
 * A post's first sample in a bucket that begins after it was published: what it had then was gained
 * before, not in this bucket.
 */
const FROM_ELSEWHERE = (stride: string): string => `s.first_sample AND s.posted_at < ${BUCKET(stride, 's.sampled_at')}`;

/**
 * A series' gains per bucket: $1 channel, $2 from, $3 to, $4 the bucket width as an interval
 * (STRIDE). Exported for the benchmark's plan.
 */
export const SERIES_GAINS_SQL = `SELECT ${BUCKET('$4::interval', 's.sampled_at')} AS at,
                sum(CASE WHEN ${FROM_ELSEWHERE('$4::interval')} THEN 0 ELSE s.views_gained END)::float8 AS views,
                sum(CASE WHEN ${FROM_ELSEWHERE('$4::interval')} THEN 0 ELSE s.forwards_gained END)::float8 AS forwards,
                sum(CASE WHEN ${FROM_ELSEWHERE('$4::interval')} THEN 0 ELSE s.reactions_gained END)::float8 AS reactions
           FROM post_view_samples s
          WHERE s.channel_id = $1 AND s.sampled_at >= $2 AND s.sampled_at < $3
          GROUP BY 1`;

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
   * A channel's series between `from` and `to` (`from` on a bucket boundary), in one transaction:
   * what its posts gained in each bucket, the posts published in each, the last subscriber count in
   * each and the one before `from`, and whether any sample came from the tenant's account.
   *
   * A bucket's gains are the sum of its samples' gains, which is each post's latest counts at the
   * bucket's end less those at its start. A post first seen in the bucket counts from zero when it was
   * published in the bucket, and from its first sample otherwise (its earlier views were not gained in
   * this bucket, wherever they were).
   */
  series(
    tenantId: string,
    channelId: string,
    from: Date,
    to: Date,
    interval: StatsInterval,
  ): Promise<{
    gains: GainsBucket[];
    posts: PostsBucket[];
    subscribers: SubscribersBucket[];
    subscribersBefore: number | null;
    viewsAvailable: boolean;
  }> {
    return this.tenantDb.run(tenantId, async (em) => {
      const stride = STRIDE[interval];
      const gains = await em.query<GainsBucket[]>(SERIES_GAINS_SQL, [channelId, from, to, stride]);
      // A post's first sample comes after its publication, within the 30 days young posts are sampled.
      const posts = await em.query<PostsBucket[]>(
        `SELECT ${BUCKET('$4::interval', 's.posted_at')} AS at, count(*)::int AS posts
           FROM post_view_samples s
          WHERE s.channel_id = $1 AND s.first_sample AND s.sampled_at >= $2 AND s.sampled_at < $3::timestamptz + interval '31 days'
            AND s.posted_at >= $2 AND s.posted_at < $3
          GROUP BY 1`,
        [channelId, from, to, stride],
      );
      const subscribers = await em.query<SubscribersBucket[]>(
        `SELECT DISTINCT ON (1) ${BUCKET('$4::interval', 'c.sampled_at')} AS at, c.subscribers
           FROM channel_subscriber_samples c
          WHERE c.channel_id = $1 AND c.sampled_at >= $2 AND c.sampled_at < $3 AND c.subscribers IS NOT NULL
          ORDER BY 1, c.sampled_at DESC`,
        [channelId, from, to, stride],
      );
      const [before] = await em.query<{ subscribers: number }[]>(
        `SELECT c.subscribers FROM channel_subscriber_samples c
          WHERE c.channel_id = $1 AND c.sampled_at < $2 AND c.subscribers IS NOT NULL
          ORDER BY c.sampled_at DESC LIMIT 1`,
        [channelId, from],
      );
      const [available] = await em.query<{ yes: boolean }[]>(
        `SELECT EXISTS (SELECT 1 FROM channel_subscriber_samples c WHERE c.channel_id = $1 AND c.source = 'account') AS yes`,
        [channelId],
      );
      return {
        gains,
        posts,
        subscribers,
        subscribersBefore: before?.subscribers ?? null,
        viewsAvailable: available?.yes ?? false,
      };
    });
  }

  /** Posts published between `from` and `to`, with their latest counts, the best `limit` by `sort`. */
  topPosts(
    tenantId: string,
    channelId: string,
    from: Date,
    to: Date,
    sort: TopPostsSort,
    limit: number,
  ): Promise<TopPost[]> {
    // `sort` is one of three column names, checked by the caller; never text from a request.
    const column = { views: 'views', forwards: 'forwards', reactions: 'reactions' }[sort];
    return this.tenantDb.run(tenantId, (em) =>
      em.query<TopPost[]>(
        `SELECT * FROM (
           SELECT DISTINCT ON (s.message_id) s.message_id, s.posted_at, s.views, s.forwards, s.reactions, s.sampled_at
             FROM post_view_samples s
            WHERE s.channel_id = $1 AND s.posted_at >= $2 AND s.posted_at < $3 AND s.sampled_at >= $2
            ORDER BY s.message_id, s.sampled_at DESC
         ) latest
         ORDER BY latest.${column} DESC, latest.message_id DESC
         LIMIT $4`,
        [channelId, from, to, limit],
      ),
    );
  }

  /** Every sample of one post, oldest first (at most `limit`). */
  curve(tenantId: string, channelId: string, messageId: number, limit: number): Promise<CurvePoint[]> {
    return this.tenantDb.run(tenantId, (em) =>
      em.query<CurvePoint[]>(
        `SELECT s.sampled_at AS at, s.views, s.forwards, s.reactions FROM post_view_samples s
          WHERE s.channel_id = $1 AND s.message_id = $2
          ORDER BY s.sampled_at LIMIT $3`,
        [channelId, messageId, limit],
      ),
    );
  }

  /**
   * Views gained between `from` and `to` by weekday (0 = Sunday) and hour of day, UTC, counting only
   * gains measured while a post is younger than `maxPostAgeDays` (sampled at least hourly then: an older
   * post's daily sample would pile a whole day's views on one hour).
   */
  hours(tenantId: string, channelId: string, from: Date, to: Date, maxPostAgeDays: number): Promise<HourCell[]> {
    return this.tenantDb.run(tenantId, (em) =>
      em.query<HourCell[]>(
        `SELECT extract(dow FROM s.sampled_at AT TIME ZONE 'UTC')::int AS weekday,
                extract(hour FROM s.sampled_at AT TIME ZONE 'UTC')::int AS hour,
                sum(CASE WHEN ${FROM_ELSEWHERE("'1 hour'::interval")} THEN 0 ELSE s.views_gained END)::float8 AS views
           FROM post_view_samples s
          WHERE s.channel_id = $1 AND s.sampled_at >= $2 AND s.sampled_at < $3
            AND s.sampled_at < s.posted_at + make_interval(days => $4)
          GROUP BY 1, 2`,
        [channelId, from, to, maxPostAgeDays],
      ),
    );
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
