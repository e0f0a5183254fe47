import * as path from 'node:path';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { applySqlFunctions } from '../server/src/modules/database/sql-functions';

const VISIBLE = `"user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid`;

/** Versions no longer in a source file: frozen copies, kept once (README, "Changing a SQL function"). */
const FROZEN = path.join(__dirname, 'sql-functions');

/** A retention no deployment has: partition upkeep run by this migration drops nothing. */
const KEEP_ALL_DAYS = 36_500;

const GAINS = ['views', 'forwards', 'reactions'];

/**
 * The hourly rollup of channel analytics (README, "Channel analytics"): `channel_hourly_stats`, one row per
 * channel per UTC hour with what its posts' samples gained in the hour (`*_gained`), the first samples of
 * posts published earlier that day (`*_first_in_day`) and earlier that week (`*_first_in_week`), which day
 * and week buckets count, and the views measured while posts were younger than 7 days (`views_young`, the
 * hours of the week). A series reads one row an hour instead of every sample.
 * - Kept by `analytics_rollup` (analytics/sql), which recomputes the hours a sample touched from
 *   `post_view_samples`, in the transaction that records it; executed by the app role.
 * - Partitioned by month of `hour` like the samples, by the new version of `analytics_maintain`, so retention
 *   drops a month of rollup with its month of samples; the default partitions are now purged by whole hours.
 * - Row-level security on the table and every partition; goes with its channel (ON DELETE CASCADE).
 * Backfilled from the samples already stored, in partitions made for the months they are in.
 */
export class ChannelHourlyStats1796740000000 implements MigrationInterface {
  name = 'ChannelHourlyStats1796740000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    const values = [
      ...GAINS.map((g) => `${g}_gained`),
      ...GAINS.map((g) => `${g}_first_in_day`),
      ...GAINS.map((g) => `${g}_first_in_week`),
      'views_young',
    ].map((c) => `"${c}"`);
    await queryRunner.query(
      `CREATE TABLE "channel_hourly_stats" ("user_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "hour" TIMESTAMP WITH TIME ZONE NOT NULL, ${values.map((c) => `${c} bigint NOT NULL`).join(', ')}, CONSTRAINT "PK_channel_hourly_stats" PRIMARY KEY ("channel_id", "hour") INCLUDE ("user_id", ${values.join(', ')})) PARTITION BY RANGE ("hour")`,
    );
    await queryRunner.query(
      `ALTER TABLE "channel_hourly_stats" ADD CONSTRAINT "FK_channel_hourly_stats_channel" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`CREATE TABLE "channel_hourly_stats_default" PARTITION OF "channel_hourly_stats" DEFAULT`);
    for (const t of ['channel_hourly_stats', 'channel_hourly_stats_default']) {
      await queryRunner.query(`ALTER TABLE "${t}" ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE "${t}" FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY "tenant_isolation" ON "${t}" FOR ALL USING (${VISIBLE}) WITH CHECK (${VISIBLE})`,
      );
    }
    await applySqlFunctions(
      queryRunner,
      { analytics_maintain: '9dc3c3417b80fa73', analytics_rollup: '1268d9cea3c047c1' },
      FROZEN,
    );
    await queryRunner.query(`REVOKE EXECUTE ON FUNCTION public.analytics_rollup FROM PUBLIC`);
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION public.analytics_rollup TO "tenantgram_app"`);
    // The rollup's partitions: one for each month the samples have one, then this month's and the next.
    const months = (await queryRunner.query(
      `SELECT to_date(right(c.relname, 6), 'YYYYMM') + 14 AS mid FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'post_view_samples'::regclass AND c.relname ~ '^post_view_samples_p[0-9]{6}$' ORDER BY 1`,
    )) as { mid: Date }[];
    for (const m of months)
      await queryRunner.query(`SELECT * FROM analytics_maintain($1, 0, $2)`, [KEEP_ALL_DAYS, m.mid]);
    await queryRunner.query(`SELECT * FROM analytics_maintain($1, 3, now())`, [KEEP_ALL_DAYS]);
    await queryRunner.query(
      `SELECT analytics_rollup(s.user_id, s.channel_id, array_agg(DISTINCT date_trunc('hour', s.sampled_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'))
         FROM post_view_samples s GROUP BY s.user_id, s.channel_id`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION public.analytics_rollup`);
    await applySqlFunctions(queryRunner, { analytics_maintain: '57ead4d03abe7dc8' }, FROZEN);
    // The partitions, the default one included, go with the table.
    await queryRunner.query(`DROP TABLE "channel_hourly_stats"`);
  }
}
