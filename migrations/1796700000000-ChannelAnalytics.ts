import * as path from 'node:path';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { applySqlFunctions } from '../server/src/modules/database/sql-functions';

const ADMIN_ROLE = 'tenantgram_admin';
const VISIBLE = `"user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid`;

/** Versions no longer in a source file: frozen copies, kept once (README, "Changing a SQL function"). */
const FROZEN = path.join(__dirname, 'sql-functions');

/** The partition maintenance this migration applies (server/src/modules/analytics/sql/analytics_maintain.sql). */
const VERSIONS = { analytics_maintain: '57ead4d03abe7dc8' };

const TABLES = ['channel_subscriber_samples', 'post_view_samples'];

/**
 * Channel analytics (README, "Channel analytics"): what a tenant's channels looked like over time.
 * - `channel_subscriber_samples`: one row per sample of a channel: its subscriber count and where it
 *   came from (`account`: the tenant's own session, which also sees views; `bot`: the bot's member
 *   count, no views).
 * - `post_view_samples`: one row per post per sample: its views, forwards and reactions then, and what
 *   each gained since the post's previous sample (`*_gained`; `first_sample` when there was none), so a
 *   series sums gains over an index instead of differencing counts per post.
 * Both partitioned by month of `sampled_at`, so retention drops whole partitions, with a default
 * partition for rows no monthly one takes yet; the primary keys hold the partition key, as Postgres
 * requires. Row-level security on both tables and on every partition, and the partition maintenance
 * function, which also creates this month's and the coming months' partitions here.
 *
 * `channel_stats` and `channel_messages`, which nothing ever wrote or read, are dropped: these tables
 * replace them (down() puts them back as they were).
 */
export class ChannelAnalytics1796700000000 implements MigrationInterface {
  name = 'ChannelAnalytics1796700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "channel_stats"`);
    await queryRunner.query(`DROP TABLE "channel_messages"`);
    await queryRunner.query(
      `CREATE TABLE "channel_subscriber_samples" ("user_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "sampled_at" TIMESTAMP WITH TIME ZONE NOT NULL, "subscribers" integer, "source" text NOT NULL, CONSTRAINT "CHK_channel_subscriber_samples_source" CHECK ("source" IN ('account', 'bot')), CONSTRAINT "PK_channel_subscriber_samples" PRIMARY KEY ("channel_id", "sampled_at") INCLUDE ("subscribers", "source")) PARTITION BY RANGE ("sampled_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "post_view_samples" ("user_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "message_id" integer NOT NULL, "posted_at" TIMESTAMP WITH TIME ZONE NOT NULL, "sampled_at" TIMESTAMP WITH TIME ZONE NOT NULL, "views" integer NOT NULL, "forwards" integer NOT NULL, "reactions" integer NOT NULL, "views_gained" integer NOT NULL, "forwards_gained" integer NOT NULL, "reactions_gained" integer NOT NULL, "first_sample" boolean NOT NULL, CONSTRAINT "PK_post_view_samples" PRIMARY KEY ("channel_id", "message_id", "sampled_at")) PARTITION BY RANGE ("sampled_at")`,
    );
    // A channel's series: every sample in a range, read from the index alone (user_id for the policy).
    await queryRunner.query(
      `CREATE INDEX "IDX_post_view_samples_channel_sampled" ON "post_view_samples" ("channel_id", "sampled_at") INCLUDE ("user_id", "posted_at", "first_sample", "views_gained", "forwards_gained", "reactions_gained")`,
    );
    // The posts a channel published in a range: one entry per post, its first sample.
    await queryRunner.query(
      `CREATE INDEX "IDX_post_view_samples_channel_first" ON "post_view_samples" ("channel_id", "posted_at") INCLUDE ("user_id", "sampled_at") WHERE "first_sample"`,
    );
    for (const table of TABLES) {
      await queryRunner.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "FK_${table}_channel" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
      );
      await queryRunner.query(`CREATE TABLE "${table}_default" PARTITION OF "${table}" DEFAULT`);
      for (const t of [table, `${table}_default`]) {
        await queryRunner.query(`ALTER TABLE "${t}" ENABLE ROW LEVEL SECURITY`);
        await queryRunner.query(`ALTER TABLE "${t}" FORCE ROW LEVEL SECURITY`);
        await queryRunner.query(
          `CREATE POLICY "tenant_isolation" ON "${t}" FOR ALL USING (${VISIBLE}) WITH CHECK (${VISIBLE})`,
        );
      }
    }
    await applySqlFunctions(queryRunner, VERSIONS, FROZEN);
    await queryRunner.query(`REVOKE EXECUTE ON FUNCTION public.analytics_maintain FROM PUBLIC`);
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION public.analytics_maintain TO "${ADMIN_ROLE}"`);
    await queryRunner.query(`SELECT * FROM analytics_maintain(400, 3, now())`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION public.analytics_maintain`);
    // The partitions, the default ones included, go with their tables.
    for (const table of [...TABLES].reverse()) await queryRunner.query(`DROP TABLE "${table}"`);
    await queryRunner.query(
      `CREATE TABLE "channel_messages" ("id" BIGSERIAL NOT NULL, "user_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "telegram_message_id" integer NOT NULL, "date" TIMESTAMP WITH TIME ZONE NOT NULL, "text" text NOT NULL DEFAULT '', "views" integer, "forwards" integer, "replies" integer, "edit_date" TIMESTAMP WITH TIME ZONE, "fetched_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_channel_messages_channel_message" UNIQUE ("channel_id", "telegram_message_id"), CONSTRAINT "PK_78c08df85633e14659b3bfcd3b7" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_channel_messages_channel_date" ON "channel_messages" ("channel_id", "date") `,
    );
    await queryRunner.query(`CREATE INDEX "IDX_channel_messages_user_id" ON "channel_messages" ("user_id") `);
    await queryRunner.query(
      `CREATE TABLE "channel_stats" ("id" BIGSERIAL NOT NULL, "user_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "captured_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "members_count" integer, "messages_count" integer, "views_total" bigint, "views_avg" double precision, CONSTRAINT "PK_41c09dac9c93ccf2794486fb42e" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_channel_stats_user_id" ON "channel_stats" ("user_id") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_channel_stats_channel_captured" ON "channel_stats" ("channel_id", "captured_at") `,
    );
    for (const table of ['channel_messages', 'channel_stats']) {
      await queryRunner.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "FK_${table}_channel" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
      );
      await queryRunner.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY "tenant_isolation" ON "${table}" FOR ALL USING (${VISIBLE}) WITH CHECK (${VISIBLE})`,
      );
    }
  }
}
