import { MigrationInterface, QueryRunner } from 'typeorm';

const VISIBLE = `"user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid`;

/**
 * Tenants' webhook endpoints and their delivery attempts (README, "Webhooks").
 *
 * `webhook_endpoints`: where a tenant's events are pushed. `secret` (and, for the overlap after a
 * rotation, `previous_secret`) are sealed by the crypto module, bound to the tenant and the column.
 * `dispatch_cursor` is the last event id handed to delivery: every event after it is still to be
 * dispatched, so none is lost when a wake-up is. `generation` grows with each replay, so a replayed
 * event's attempts are rows (and jobs) of their own. `failing_since` is the failure clock.
 *
 * `webhook_deliveries`: one row per attempt to deliver one event to one endpoint (`pending` until
 * made, then `succeeded` or `failed`), kept for the events' retention. Row-level security on both,
 * like every tenant table.
 */
export class WebhookEndpoints1796500000000 implements MigrationInterface {
  name = 'WebhookEndpoints1796500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "webhook_endpoints" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "url" character varying(2048) NOT NULL,
        "description" character varying(500),
        "event_types" text[] NOT NULL DEFAULT '{}',
        "status" character varying(16) NOT NULL DEFAULT 'enabled',
        "disabled_reason" character varying(500),
        "secret" text NOT NULL,
        "previous_secret" text,
        "previous_secret_until" TIMESTAMP WITH TIME ZONE,
        "dispatch_cursor" bigint NOT NULL DEFAULT 0,
        "generation" integer NOT NULL DEFAULT 0,
        "failing_since" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_webhook_endpoints" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_webhook_endpoints_status" CHECK ("status" IN ('enabled', 'disabled')),
        CONSTRAINT "FK_webhook_endpoints_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_webhook_endpoints_user_id" ON "webhook_endpoints" ("user_id")`);
    await queryRunner.query(
      `CREATE TABLE "webhook_deliveries" (
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "user_id" uuid NOT NULL,
        "endpoint_id" uuid NOT NULL,
        "generation" integer NOT NULL,
        "event_id" bigint NOT NULL,
        "attempt" integer NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'pending',
        "status_code" integer,
        "duration_ms" integer,
        "error" character varying(1000),
        "response_body" character varying(1024),
        "delivered_at" TIMESTAMP WITH TIME ZONE,
        "next_attempt_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_webhook_deliveries" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_webhook_deliveries_attempt" UNIQUE ("endpoint_id", "generation", "event_id", "attempt"),
        CONSTRAINT "CHK_webhook_deliveries_status" CHECK ("status" IN ('pending', 'succeeded', 'failed')),
        CONSTRAINT "FK_webhook_deliveries_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE,
        CONSTRAINT "FK_webhook_deliveries_endpoint" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_webhook_deliveries_endpoint_id" ON "webhook_deliveries" ("endpoint_id", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_webhook_deliveries_pending" ON "webhook_deliveries" ("next_attempt_at") WHERE "status" = 'pending'`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_webhook_deliveries_created_at" ON "webhook_deliveries" ("created_at")`);
    for (const table of ['webhook_endpoints', 'webhook_deliveries']) {
      await queryRunner.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY "tenant_isolation" ON "${table}" FOR ALL USING (${VISIBLE}) WITH CHECK (${VISIBLE})`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP TABLE "webhook_endpoints"`);
  }
}
