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

/** A bucket start (SQL of a timestamptz) in epoch milliseconds, as the series' rows carry it. */
const EPOCH_MS = (ts: string): string => `date_part('epoch', ${ts}) * 1000`;

/** Bucket widths as SQL intervals. */
const STRIDE: Record<StatsInterval, string> = { hour: '1 hour', day: '1 day', week: '7 days' };

/**
 * A post's first sample in a bucket that begins after it was published: what it had then was gained
 * before, not in this bucket.
 */
const FROM_ELSEWHERE = (stride: string): string => `s.first_sample AND s.posted_at < ${BUCKET(stride, 's.sampled_at')}`;

const GAINS = ['views', 'forwards', 'reactions'];

/**
 * A sample's gains as a bucket of width `stride` counts them (the first sample of a post published before
 * it: none), as float8, which sums faster than Postgres' numeric and holds any count exactly.
 */
const SAMPLE_GAINS = (stride: string): string =>
  GAINS.map((g) => `(CASE WHEN ${FROM_ELSEWHERE(stride)} THEN 0 ELSE s.${g}_gained END)::float8 AS ${g}`).join(', ');

/**
 * An hour of `channel_hourly_stats` as a bucket of each width counts it (float8, as SAMPLE_GAINS): the
 * hour's own gains, and for a day or a week also the first samples of posts published earlier in that day
 * or week.
 */
const ROLLUP_GAINS: Record<StatsInterval, string> = {
  hour: GAINS.map((g) => `r.${g}_gained::float8 AS ${g}`).join(', '),
  day: GAINS.map((g) => `(r.${g}_gained + r.${g}_first_in_day)::float8 AS ${g}`).join(', '),
  week: GAINS.map((g) => `(r.${g}_gained + r.${g}_first_in_day + r.${g}_first_in_week)::float8 AS ${g}`).join(', '),
};

/**
 * A series' gains per bucket: $1 channel, $2 from (an hour), $3 to, $4 the bucket width as an interval
 * (STRIDE), $5 the start of the hour holding `to` (at least $2). Whole hours come from the rollup, one row
 * each; the samples of the hour `to` cuts are summed as they are. Part of a series' statement; exported
 * for the benchmark's plan.
 */
export const seriesGainsSql = (interval: StatsInterval): string =>
  `SELECT ${EPOCH_MS('g.at')} AS at, sum(g.views) AS views, sum(g.forwards) AS forwards, sum(g.reactions) AS reactions
     FROM (SELECT ${BUCKET('$4::interval', 'r.hour')} AS at, ${ROLLUP_GAINS[interval]}
             FROM channel_hourly_stats r
            WHERE r.channel_id = $1 AND r.hour >= $2 AND r.hour < $5
           UNION ALL
           SELECT ${BUCKET('$4::interval', 's.sampled_at')}, ${SAMPLE_GAINS('$4::interval')}
             FROM post_view_samples s
            WHERE s.channel_id = $1 AND s.sampled_at >= $5 AND s.sampled_at < $3) g
    GROUP BY g.at`;

/** Gains of posts younger than this count in the hours of the week: the rollup's `views_young` (analytics_rollup). */
export const YOUNG_POST_DAYS = 7;

const HOUR_MS = 3_600_000;
const floorHour = (d: Date): Date => new Date(d.getTime() - (((d.getTime() % HOUR_MS) + HOUR_MS) % HOUR_MS));

/** The parameters of seriesGainsSql for a channel's range (`from` on a bucket boundary). */
export const seriesGainsParams = (channelId: string, from: Date, to: Date, interval: StatsInterval): unknown[] => [
  channelId,
  from,
  to,
  STRIDE[interval],
  new Date(Math.max(from.getTime(), floorHour(to).getTime())),
];

/** A series' one row: each part's rows as JSON arrays (the driver parses one JSON text per part). */
interface SeriesRow {
  gains: GainsBucket[] | null;
  posts: PostsBucket[] | null;
  subscribers: SubscribersBucket[] | null;
  subscribers_before: number | null;
  views_available: boolean;
}

/**
 * A whole series in one statement, with seriesGainsParams: the gains (seriesGainsSql); the posts
 * published in each bucket (each post's first sample comes after its publication, within the 30 days
 * young posts are sampled); the last subscriber count in each bucket and the one before `from`; and
 * whether any sample came from the tenant's account.
 */
const seriesSql = (interval: StatsInterval): string =>
  `SELECT (SELECT json_agg(g) FROM (${seriesGainsSql(interval)}) g) AS gains,
          (SELECT json_agg(p) FROM (
             SELECT ${EPOCH_MS(BUCKET('$4::interval', 's.posted_at'))} AS at, count(*)::int AS posts
               FROM post_view_samples s
              WHERE s.channel_id = $1 AND s.first_sample AND s.sampled_at >= $2
                AND s.sampled_at < $3::timestamptz + interval '31 days' AND s.posted_at >= $2 AND s.posted_at < $3
              GROUP BY 1) p) AS posts,
          (SELECT json_agg(c) FROM (
             SELECT DISTINCT ON (1) ${EPOCH_MS(BUCKET('$4::interval', 'c.sampled_at'))} AS at, c.subscribers
               FROM channel_subscriber_samples c
              WHERE c.channel_id = $1 AND c.sampled_at >= $2 AND c.sampled_at < $3 AND c.subscribers IS NOT NULL
              ORDER BY 1, c.sampled_at DESC) c) AS subscribers,
          (SELECT c.subscribers FROM channel_subscriber_samples c
            WHERE c.channel_id = $1 AND c.sampled_at < $2 AND c.subscribers IS NOT NULL
            ORDER BY c.sampled_at DESC LIMIT 1) AS subscribers_before,
          EXISTS (SELECT 1 FROM channel_subscriber_samples c WHERE c.channel_id = $1 AND c.source = 'account')
            AS views_available`;

/**
 * The whole hours between `from` and `to` (the rollup's part of a range), `[start, end)`; empty (both `to`)
 * when the range holds none. The samples before `start` and from `end` on are read as they are.
 */
function wholeHours(from: Date, to: Date): { start: Date; end: Date } {
  const f = floorHour(from);
  const start = f.getTime() === from.getTime() ? from : new Date(f.getTime() + HOUR_MS);
  const end = floorHour(to);
  return start < end ? { start, end } : { start: to, end: to };
}

/**
 * The one writer and reader of `channel_subscriber_samples`, `post_view_samples` (migration
 * ChannelAnalytics1796700000000) and `channel_hourly_stats`, always in a tenant's row-level-security scope, except partition
 * upkeep (`analytics_maintain`, analytics/sql), which crosses tenants on the admin pool.
 *
 * A post's row stores what it gained since the post's previous sample, and `channel_hourly_stats`
 * (migration ChannelHourlyStats1796740000000) sums a channel's samples by hour, recomputed by
 * `analytics_rollup` (analytics/sql) for the hours each recording touches, in its transaction: a series
 * reads one rollup row an hour, and the samples only in the hour its end cuts. Writing a channel's
 * sample takes a per-channel transaction lock, so two samples of one channel (the schedule's and a
 * refresh) never compute their gains from the same previous row.
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
      const hours = [sample.sampledAt];
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
      if (latest?.at && latest.at > sample.sampledAt) hours.push(...(await this.regain(em, sample)));
      await em.query(`SELECT analytics_rollup($1, $2, $3::timestamptz[])`, [tenantId, sample.channelId, hours]);
    });
  }

  /** Recomputes the gains of each post's sample after `sample`; answers when those samples were taken. */
  private async regain(em: EntityManager, sample: ChannelSample): Promise<Date[]> {
    const [rows] = await em.query<[{ at: Date }[], number]>(
      `UPDATE post_view_samples n
          SET views_gained = n.views - u.views, forwards_gained = n.forwards - u.forwards,
              reactions_gained = n.reactions - u.reactions, first_sample = false
         FROM unnest($3::int[], $4::int[], $5::int[], $6::int[]) AS u(message_id, views, forwards, reactions)
        WHERE n.channel_id = $1 AND n.message_id = u.message_id
          AND n.sampled_at = (SELECT min(q.sampled_at) FROM post_view_samples q
                               WHERE q.channel_id = $1 AND q.message_id = u.message_id AND q.sampled_at > $2)
       RETURNING n.sampled_at AS at`,
      [
        sample.channelId,
        sample.sampledAt,
        sample.posts.map((p) => p.messageId),
        sample.posts.map((p) => p.views),
        sample.posts.map((p) => p.forwards),
        sample.posts.map((p) => p.reactions),
      ],
    );
    return rows.map((r) => r.at);
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
   * A channel's series between `from` and `to` (`from` on a bucket boundary), in one statement:
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
      const [row] = await em.query<SeriesRow[]>(seriesSql(interval), seriesGainsParams(channelId, from, to, interval));
      return {
        gains: row?.gains ?? [],
        posts: row?.posts ?? [],
        subscribers: row?.subscribers ?? [],
        subscribersBefore: row?.subscribers_before ?? null,
        viewsAvailable: row?.views_available ?? false,
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
   * gains measured while a post is younger than YOUNG_POST_DAYS (sampled at least hourly then: an older
   * post's daily sample would pile a whole day's views on one hour). Whole hours come from the rollup's
   * `views_young`; the samples of the hours the range's ends cut are summed as they are.
   */
  hours(tenantId: string, channelId: string, from: Date, to: Date): Promise<HourCell[]> {
    const whole = wholeHours(from, to);
    return this.tenantDb.run(tenantId, (em) =>
      em.query<HourCell[]>(
        `SELECT extract(dow FROM h.at AT TIME ZONE 'UTC')::int AS weekday,
                extract(hour FROM h.at AT TIME ZONE 'UTC')::int AS hour, sum(h.views)::float8 AS views
           FROM (SELECT r.hour AS at, r.views_young AS views
                   FROM channel_hourly_stats r
                  WHERE r.channel_id = $1 AND r.hour >= $4 AND r.hour < $5
                 UNION ALL
                 SELECT s.sampled_at, CASE WHEN ${FROM_ELSEWHERE("'1 hour'::interval")} THEN 0 ELSE s.views_gained END
                   FROM post_view_samples s
                  WHERE s.channel_id = $1 AND s.sampled_at < s.posted_at + make_interval(days => $6)
                    AND ((s.sampled_at >= $2 AND s.sampled_at < $4) OR (s.sampled_at >= $5 AND s.sampled_at < $3))) h
          GROUP BY 1, 2`,
        [channelId, from, to, whole.start, whole.end, YOUNG_POST_DAYS],
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
