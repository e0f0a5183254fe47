/**
 * Channel analytics reads, in one app (real migrations, real Postgres): 2 million post-snapshot rows in
 * `post_view_samples`, 21 channels of one tenant with three posts a day for 120 days, each post sampled on
 * the collection schedule (every 15 minutes on its first day, hourly until day 7, daily until day 30:
 * 263 samples a post, about 95 000 rows a channel), in monthly partitions made the way the housekeeping
 * job makes them, and their hourly rollup `channel_hourly_stats` filled by `analytics_rollup`, the function
 * each recording runs (here once per channel for every hour).
 *
 * Measured: a 90-day hourly series of one channel through AnalyticsService.stats (every statement of
 * GET /api/channels/:id/stats, in the tenant's row-level-security scope), median and p95 of 30 runs after
 * 3 warm-ups; and the plan of its main statement (EXPLAIN ANALYZE, printed: the rollup's whole hours and the
 * samples of the hour `to` cuts), which must scan only the partitions the 90 days touch, through an index.
 */
import { Client } from 'pg';
import { ANALYTICS_MONTHS_AHEAD } from '../src/modules/analytics/analytics.housekeeping';
import { bucketStart } from '../src/modules/analytics/analytics-query';
import { seriesGainsParams, seriesGainsSql } from '../src/modules/analytics/analytics.repository';
import { AnalyticsService } from '../src/modules/analytics/analytics.service';
import { TenantDb } from '../src/modules/database/tenant-db';
import { startTestApp } from '../test/helpers/test-app';
import { RAW_SERIES_GAINS_SQL } from '../test/helpers/analytics-rollup';
import { newChannel } from '../test/factories/channel.factory';
import { newTenant } from '../test/factories/user.factory';
import type { BenchRow } from './lib/report';

const CHANNELS = 21;
const DAYS = 120;
const POSTS_PER_DAY = 3;
const SERIES_DAYS = 90;
const RUNS = 30;
const WARMUP = 3;
const GOAL_MS = 50;
const DAY_MS = 86_400_000;

/** Minutes after posting at which a post is sampled: the default collection schedule. */
function scheduleMinutes(): number[] {
  const out: number[] = [];
  for (let m = 15; m <= 24 * 60; m += 15) out.push(m);
  for (let h = 25; h <= 7 * 24; h++) out.push(h * 60);
  for (let d = 8; d <= 30; d++) out.push(d * 24 * 60);
  return out;
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;

export default async function bench(): Promise<BenchRow[]> {
  const t = await startTestApp({ env: { ROLE: 'api' } });
  const owner = new Client({ connectionString: t.db.url });
  await owner.connect();
  try {
    const tenant = await newTenant(t);
    const channels: string[] = [];
    for (let i = 0; i < CHANNELS; i++) channels.push((await newChannel(t, tenant.user.id)).id);
    const now = new Date();
    const start = new Date(bucketStart(now, 'day').getTime() - DAYS * DAY_MS);

    // The partitions of the months sampled, as the housekeeping job would have made them month by month.
    for (let m = Math.ceil(DAYS / 28) + 1; m >= 0; m--) {
      const then = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - m, 15));
      await owner.query(`SELECT * FROM analytics_maintain(400, $1, $2)`, [ANALYTICS_MONTHS_AHEAD, then]);
    }

    // Generated rows name channels that exist: skip the per-row foreign key triggers while loading.
    await owner.query(`SET session_replication_role = replica`);
    const minutes = scheduleMinutes();
    const posts = DAYS * POSTS_PER_DAY;
    console.log(`  generating ${CHANNELS * posts * minutes.length} post samples…`);
    for (const [c, channelId] of channels.entries()) {
      // Views follow a decaying curve (a channel's reach times 1 - e^(-age/10h)); forwards and reactions
      // a fraction of them. Gains are the difference from the post's previous sample, as recordSample stores.
      await owner.query(
        `INSERT INTO post_view_samples (user_id, channel_id, message_id, posted_at, sampled_at, views, forwards,
                reactions, views_gained, forwards_gained, reactions_gained, first_sample)
         SELECT $1, $2, x.message_id, x.posted_at, x.sampled_at, x.views, x.forwards, x.reactions,
                x.views - coalesce(lag(x.views) OVER w, 0), x.forwards - coalesce(lag(x.forwards) OVER w, 0),
                x.reactions - coalesce(lag(x.reactions) OVER w, 0), lag(x.views) OVER w IS NULL
           FROM (
             SELECT p AS message_id, p2.posted_at, p2.posted_at + make_interval(mins => m) AS sampled_at,
                    (v.reach * (1 - exp(-m / 600.0)))::int AS views,
                    (v.reach * 0.02 * (1 - exp(-m / 900.0)))::int AS forwards,
                    (v.reach * 0.05 * (1 - exp(-m / 300.0)))::int AS reactions
               FROM generate_series(1, $4::int) AS p
               CROSS JOIN LATERAL (SELECT $3::timestamptz + make_interval(hours => (p - 1) * (24 / $5::int)) AS posted_at) p2(posted_at)
               CROSS JOIN LATERAL (SELECT 500 + (p * 7919 + $6::int * 104729) % 5000 AS reach) v
               CROSS JOIN unnest($7::int[]) AS m
              WHERE p2.posted_at + make_interval(mins => m) < $8
           ) x(message_id, posted_at, sampled_at, views, forwards, reactions)
         WINDOW w AS (PARTITION BY x.message_id ORDER BY x.sampled_at)`,
        [tenant.user.id, channelId, start, posts, POSTS_PER_DAY, c, minutes, now],
      );
      // Subscribers sampled hourly.
      await owner.query(
        `INSERT INTO channel_subscriber_samples (user_id, channel_id, sampled_at, subscribers, source)
         SELECT $1, $2, h, 10000 + (extract(epoch FROM h - $3::timestamptz) / 3600)::int, 'account'
           FROM generate_series($3::timestamptz, $4::timestamptz, interval '1 hour') AS h`,
        [tenant.user.id, channelId, start, now],
      );
    }
    await owner.query(`SET session_replication_role = DEFAULT`);
    // The hourly rollup, by the function each recording runs for the hours it touches: here every hour.
    const rolled = performance.now();
    for (const channelId of channels) {
      await owner.query(
        `SELECT analytics_rollup($1, $2, array(SELECT generate_series($3::timestamptz, $4::timestamptz, interval '1 hour')))`,
        [tenant.user.id, channelId, start, now],
      );
    }
    console.log(`  rolled up by hour in ${((performance.now() - rolled) / 1000).toFixed(1)} s`);
    await owner.query(`VACUUM ANALYZE post_view_samples`);
    await owner.query(`VACUUM ANALYZE channel_subscriber_samples`);
    await owner.query(`VACUUM ANALYZE channel_hourly_stats`);
    const counted = await owner.query<{ n: number }>(`SELECT count(*)::int AS n FROM post_view_samples`);
    const total = counted.rows[0]?.n ?? 0;
    const channelId = channels[0] as string;

    const analytics = t.app.get(AnalyticsService);
    const query = { from: new Date(now.getTime() - SERIES_DAYS * DAY_MS), to: now, interval: 'hour' as const };
    query.from = bucketStart(query.from, 'hour');
    const timings: number[] = [];
    // The gains alone, through the rollup and (the baseline) from the samples alone, interleaved with the
    // series so that all three meet the same machine load.
    const tenantDb = t.app.get(TenantDb);
    const gainsTimings: number[] = [];
    const rawTimings: number[] = [];
    const timed = async (into: number[], i: number, fn: () => Promise<unknown>): Promise<void> => {
      const t0 = performance.now();
      await fn();
      if (i >= WARMUP) into.push(performance.now() - t0);
    };
    let points = 0;
    for (let i = 0; i < WARMUP + RUNS; i++) {
      await timed(timings, i, async () => {
        points = (await analytics.stats(tenant.user.id, channelId, query)).series.length;
      });
      await timed(gainsTimings, i, () =>
        tenantDb.run(tenant.user.id, (em) =>
          em.query(seriesGainsSql('hour'), seriesGainsParams(channelId, query.from, query.to, 'hour')),
        ),
      );
      await timed(rawTimings, i, () =>
        tenantDb.run(tenant.user.id, (em) =>
          em.query(RAW_SERIES_GAINS_SQL, [channelId, query.from, query.to, '1 hour']),
        ),
      );
    }
    gainsTimings.sort((a, b) => a - b);
    rawTimings.sort((a, b) => a - b);
    timings.sort((a, b) => a - b);
    console.log(`  series: median ${percentile(timings, 0.5).toFixed(1)} ms over ${RUNS} runs`);

    const plan = await t.app.get(TenantDb).run(tenant.user.id, async (em) => {
      const rows = await em.query<{ 'QUERY PLAN': string }[]>(
        `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${seriesGainsSql('hour')}`,
        seriesGainsParams(channelId, query.from, query.to, 'hour'),
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    console.log(`\n  plan of the series' gains (90 days, hourly, one channel):\n${plan.replace(/^/gm, '    ')}\n`);
    const partitions = (
      await owner.query(
        `SELECT count(*)::int AS n FROM pg_inherits
          WHERE inhparent IN ('post_view_samples'::regclass, 'channel_hourly_stats'::regclass)`,
      )
    ).rows as { n: number }[];
    const scanned = new Set(plan.match(/(post_view_samples|channel_hourly_stats)_(p\d{6}|default)/g) ?? []).size;
    const indexed = /Index (Only )?Scan/.test(plan) && !/Seq Scan/.test(plan);
    const channelRows = (
      await owner.query(
        `SELECT count(*)::int AS n FROM post_view_samples WHERE channel_id = $1 AND sampled_at >= $2 AND sampled_at < $3`,
        [channelId, query.from, query.to],
      )
    ).rows as { n: number }[];

    const median = percentile(timings, 0.5);
    return [
      {
        name: `90-day hourly series, median (${points} points, ${channelRows[0]?.n} of ${total} rows)`,
        value: median,
        unit: 'ms',
        goal: `≤ ${GOAL_MS} ms`,
        met: median <= GOAL_MS,
        notes: `AnalyticsService.stats, ${RUNS} runs after ${WARMUP} warm-ups`,
      },
      { name: '90-day hourly series, p95', value: percentile(timings, 0.95), unit: 'ms' },
      {
        name: "90-day hourly series' gains, median (baseline: from the samples alone)",
        value: percentile(gainsTimings, 0.5),
        unit: 'ms',
        baseline: percentile(rawTimings, 0.5),
        ratio: percentile(gainsTimings, 0.5) / percentile(rawTimings, 0.5),
        notes: 'the statement of the gains: rollup hours plus the samples of the hour `to` cuts',
      },
      {
        name: `partitions the plan scans (of ${partitions[0]?.n})`,
        value: scanned,
        unit: 'partitions',
        goal: 'fewer than all (pruning)',
        met: scanned > 0 && scanned < (partitions[0]?.n ?? 0),
      },
      {
        name: 'plan reads through an index, no sequential scan',
        value: indexed ? 1 : 0,
        unit: 'yes=1',
        goal: '1',
        met: indexed,
      },
    ];
  } finally {
    await owner.end();
    await t.close();
  }
}
