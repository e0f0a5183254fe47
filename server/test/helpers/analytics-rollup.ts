import { ownerQuery } from './bot-world';
import type { TestApp } from './test-app';

/** A bucket where the hourly rollup and the samples disagree (null: no row on that side). */
export interface RollupDisagreement {
  stride: string;
  at: Date;
  samples: string | null;
  rollup: string | null;
}

const ORIGIN = `'2000-01-03 00:00:00+00'::timestamptz`;

/**
 * Compares a channel's `channel_hourly_stats` with its `post_view_samples`, bucket by bucket, by hour, day
 * and week: the rollup's rows combined as a series of that width reads them, against the samples summed
 * the way the series is defined (a post's first sample counts nothing in a bucket that began after the
 * post was published), and the young views the hours of the week read (first samples judged by the hour,
 * posts younger than 7 days). A rollup row without samples, or samples without a rollup row, disagree too.
 * Empty when they agree. Reads as the tables' owner, every partition.
 */
export async function rollupDisagreements(t: Pick<TestApp, 'db'>, channelId: string): Promise<RollupDisagreement[]> {
  const bin = (ts: string): string => `date_bin(w.stride, ${ts}, ${ORIGIN})`;
  const counted = (stride: string, gain: string): string =>
    `CASE WHEN s.first_sample AND s.posted_at < date_bin(${stride}, s.sampled_at, ${ORIGIN}) THEN 0 ELSE s.${gain} END`;
  const rolled = (gain: string): string =>
    `r.${gain}_gained + CASE WHEN w.stride >= '1 day' THEN r.${gain}_first_in_day ELSE 0 END
                     + CASE WHEN w.stride >= '7 days' THEN r.${gain}_first_in_week ELSE 0 END`;
  const rows = await ownerQuery<{ stride: string; at: Date; samples: unknown; rollup: unknown }>(
    t,
    `WITH w(stride) AS (VALUES ('01:00:00'::interval), ('1 day'::interval), ('7 days'::interval)),
     samples AS (
       SELECT w.stride, ${bin('s.sampled_at')} AS at,
              sum(${counted('w.stride', 'views_gained')})::bigint AS views,
              sum(${counted('w.stride', 'forwards_gained')})::bigint AS forwards,
              sum(${counted('w.stride', 'reactions_gained')})::bigint AS reactions,
              sum(CASE WHEN s.sampled_at < s.posted_at + interval '7 days'
                       THEN ${counted(`'01:00:00'::interval`, 'views_gained')} ELSE 0 END)::bigint AS young
         FROM post_view_samples s CROSS JOIN w WHERE s.channel_id = $1 GROUP BY 1, 2),
     rollup AS (
       SELECT w.stride, ${bin('r.hour')} AS at, sum(${rolled('views')})::bigint AS views,
              sum(${rolled('forwards')})::bigint AS forwards, sum(${rolled('reactions')})::bigint AS reactions,
              sum(r.views_young)::bigint AS young
         FROM channel_hourly_stats r CROSS JOIN w WHERE r.channel_id = $1 GROUP BY 1, 2)
     SELECT w.stride::text AS stride, w.at,
            CASE WHEN s.at IS NOT NULL THEN concat_ws(' ', s.views, s.forwards, s.reactions, s.young) END AS samples,
            CASE WHEN r.at IS NOT NULL THEN concat_ws(' ', r.views, r.forwards, r.reactions, r.young) END AS rollup
       FROM (SELECT stride, at FROM samples UNION SELECT stride, at FROM rollup) w
       LEFT JOIN samples s USING (stride, at) LEFT JOIN rollup r USING (stride, at)
      WHERE (s.views, s.forwards, s.reactions, s.young) IS DISTINCT FROM (r.views, r.forwards, r.reactions, r.young)
      ORDER BY 1, 2`,
    [channelId],
  );
  return rows.map((r) => ({ ...r, samples: r.samples as string | null, rollup: r.rollup as string | null }));
}

/** How many rollup rows a channel has (a check that a comparison compared something). */
export async function rollupHours(t: Pick<TestApp, 'db'>, channelId: string): Promise<number> {
  const [row] = await ownerQuery<{ n: number }>(
    t,
    `SELECT count(*)::int AS n FROM channel_hourly_stats WHERE channel_id = $1`,
    [channelId],
  );
  return row?.n ?? 0;
}

/** A bucket's gains as the samples alone define them: `[bucket start (epoch ms), views, forwards, reactions]`. */
export type RawGains = [number, number, number, number];

/**
 * A channel's gains per bucket between two instants summed from `post_view_samples` alone, with no rollup:
 * $1 channel, $2 from, $3 to, $4 the bucket width (an interval). Rows `at` (epoch ms), `v`, `f`, `r`; only
 * buckets with samples. Also the benchmark's baseline.
 */
export const RAW_SERIES_GAINS_SQL = ((): string => {
  const gain = (g: string): string =>
    `sum(CASE WHEN s.first_sample AND s.posted_at < date_bin($4::interval, s.sampled_at, ${ORIGIN}) THEN 0 ELSE s.${g} END)::float8`;
  return `SELECT date_part('epoch', date_bin($4::interval, s.sampled_at, ${ORIGIN})) * 1000 AS at,
                 ${gain('views_gained')} AS v, ${gain('forwards_gained')} AS f, ${gain('reactions_gained')} AS r
            FROM post_view_samples s WHERE s.channel_id = $1 AND s.sampled_at >= $2 AND s.sampled_at < $3
           GROUP BY 1 ORDER BY 1`;
})();

/** RAW_SERIES_GAINS_SQL between `from` and `to` by buckets of `stride`, as the tables' owner. */
export async function rawSeriesGains(
  t: TestApp,
  channelId: string,
  from: Date,
  to: Date,
  stride: string,
): Promise<RawGains[]> {
  const rows = await ownerQuery<{ at: number; v: number; f: number; r: number }>(t, RAW_SERIES_GAINS_SQL, [
    channelId,
    from,
    to,
    stride,
  ]);
  return rows.map((x) => [x.at, x.v, x.f, x.r]);
}

/**
 * Views by weekday and hour between `from` and `to` from `post_view_samples` alone (posts younger than 7
 * days, first samples judged by the hour): `weekday * 24 + hour` to views, only cells with samples.
 */
export async function rawHourViews(t: TestApp, channelId: string, from: Date, to: Date): Promise<Map<number, number>> {
  const rows = await ownerQuery<{ cell: number; views: number }>(
    t,
    `SELECT (extract(dow FROM s.sampled_at AT TIME ZONE 'UTC') * 24 + extract(hour FROM s.sampled_at AT TIME ZONE 'UTC'))::int AS cell,
            sum(CASE WHEN s.first_sample AND s.posted_at < date_trunc('hour', s.sampled_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                     THEN 0 ELSE s.views_gained END)::float8 AS views
       FROM post_view_samples s
      WHERE s.channel_id = $1 AND s.sampled_at >= $2 AND s.sampled_at < $3 AND s.sampled_at < s.posted_at + interval '7 days'
      GROUP BY 1`,
    [channelId, from, to],
  );
  return new Map(rows.map((r) => [r.cell, r.views]));
}
