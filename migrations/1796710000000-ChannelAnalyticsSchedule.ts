import { MigrationInterface, QueryRunner } from 'typeorm';

const VISIBLE = `"user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid`;
const TABLES = ['channel_analytics_schedule', 'channel_analytics_posts'];

/**
 * When channel analytics samples what (README, "Channel analytics"):
 * - `channel_analytics_schedule`: one row per channel: when it is next due, the newest post id seen, the last
 *   sample and its source (`account` or `bot`), the last on-demand refresh (at most one a minute), and the
 *   collection's state (`active`, `waiting` after a FLOOD_WAIT or an exhausted budget, `stopped` with a reason
 *   such as `session_revoked`).
 * - `channel_analytics_posts`: each post younger than 30 days, with when it is next due (every 15 minutes in
 *   its first day, hourly to day 7, daily to day 30, configurable); older posts leave the table.
 * Both go with their channel (ON DELETE CASCADE) and have row-level security like every tenant table.
 */
export class ChannelAnalyticsSchedule1796710000000 implements MigrationInterface {
  name = 'ChannelAnalyticsSchedule1796710000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "channel_analytics_schedule" ("channel_id" uuid NOT NULL, "user_id" uuid NOT NULL, "next_due_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_message_id" integer NOT NULL DEFAULT 0, "last_sampled_at" TIMESTAMP WITH TIME ZONE, "last_source" text, "last_refresh_at" TIMESTAMP WITH TIME ZONE, "state" text NOT NULL DEFAULT 'active', "reason" text, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_channel_analytics_schedule" PRIMARY KEY ("channel_id"), CONSTRAINT "CHK_channel_analytics_schedule_state" CHECK ("state" IN ('active', 'waiting', 'stopped')), CONSTRAINT "CHK_channel_analytics_schedule_source" CHECK ("last_source" IS NULL OR "last_source" IN ('account', 'bot')))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_channel_analytics_schedule_due" ON "channel_analytics_schedule" ("next_due_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_channel_analytics_schedule_user" ON "channel_analytics_schedule" ("user_id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "channel_analytics_posts" ("channel_id" uuid NOT NULL, "message_id" integer NOT NULL, "user_id" uuid NOT NULL, "posted_at" TIMESTAMP WITH TIME ZONE NOT NULL, "next_due_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_channel_analytics_posts" PRIMARY KEY ("channel_id", "message_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_channel_analytics_posts_user" ON "channel_analytics_posts" ("user_id")`);
    for (const table of TABLES) {
      await queryRunner.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "FK_${table}_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
      );
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

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [...TABLES].reverse()) await queryRunner.query(`DROP TABLE "${table}"`);
  }
}
