import * as path from 'node:path';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { applySqlFunctions } from '../server/src/modules/database/sql-functions';

const APP_ROLE = 'tenantgram_app';
const ADMIN_ROLE = 'tenantgram_admin';
const VISIBLE = `"user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid`;

/** Versions no longer in a source file: frozen copies, kept once (README, "Changing a SQL function"). */
const FROZEN = path.join(__dirname, 'sql-functions');

/** The partition maintenance this migration applies (server/src/modules/events/sql/events_maintain.sql). */
const VERSIONS = { events_maintain: '5b677192090550ef' };

/**
 * A tenant's events (README, "Events"): `events`, partitioned by day of `created_at` so retention drops
 * whole partitions, with a default partition for rows no daily partition takes yet. `id` comes from one
 * sequence and is the tenant's cursor; `(user_id, id)` is how pull requests and delivery scan from it.
 * The primary key holds the partition key, as Postgres requires. `event_keys` remembers what was emitted
 * under a dedupe key (a Telegram update id), so a redelivery does not emit twice; it is purged with the
 * same retention. Row-level security on both tables and on every partition (direct reads of a partition
 * are scoped too), and the partition maintenance function, which also creates today's and the coming days'
 * partitions here.
 */
export class Events1796400000000 implements MigrationInterface {
  name = 'Events1796400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SEQUENCE "events_id_seq" AS bigint`);
    await queryRunner.query(
      `CREATE TABLE "events" ("id" bigint NOT NULL DEFAULT nextval('events_id_seq'), "user_id" uuid NOT NULL, "type" text NOT NULL, "data" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_events" PRIMARY KEY ("id", "created_at")) PARTITION BY RANGE ("created_at")`,
    );
    await queryRunner.query(`ALTER SEQUENCE "events_id_seq" OWNED BY "events"."id"`);
    await queryRunner.query(
      `ALTER TABLE "events" ADD CONSTRAINT "FK_events_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_events_user_id" ON "events" ("user_id", "id")`);
    await queryRunner.query(`CREATE TABLE "events_default" PARTITION OF "events" DEFAULT`);
    await queryRunner.query(
      `CREATE TABLE "event_keys" ("user_id" uuid NOT NULL, "key" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_event_keys" PRIMARY KEY ("user_id", "key"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "event_keys" ADD CONSTRAINT "FK_event_keys_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_event_keys_created_at" ON "event_keys" ("created_at")`);
    for (const table of ['events', 'events_default', 'event_keys']) {
      await queryRunner.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY "tenant_isolation" ON "${table}" FOR ALL USING (${VISIBLE}) WITH CHECK (${VISIBLE})`,
      );
    }
    // Events are appended, never changed; dedupe keys are written once and purged by maintenance only.
    await queryRunner.query(`REVOKE UPDATE, DELETE ON "events", "events_default" FROM "${APP_ROLE}"`);
    await queryRunner.query(`REVOKE UPDATE, DELETE ON "event_keys" FROM "${APP_ROLE}"`);
    await applySqlFunctions(queryRunner, VERSIONS, FROZEN);
    await queryRunner.query(`REVOKE EXECUTE ON FUNCTION public.events_maintain FROM PUBLIC`);
    await queryRunner.query(`GRANT EXECUTE ON FUNCTION public.events_maintain TO "${ADMIN_ROLE}"`);
    await queryRunner.query(`SELECT * FROM events_maintain(30, 2, now())`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION public.events_maintain`);
    await queryRunner.query(`DROP TABLE "event_keys"`);
    // The partitions, the default one and the sequence (owned by events.id) go with it.
    await queryRunner.query(`DROP TABLE "events"`);
  }
}
