import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795289730360 implements MigrationInterface {
  name = 'InitialSchema1795289730360';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_events" ("id" BIGSERIAL NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actor_id" uuid, "actor_role" character varying(16), "tenant_id" uuid, "action" character varying(64) NOT NULL, "target" character varying(255), "ip" character varying(64), "meta" jsonb NOT NULL DEFAULT '{}'::jsonb, CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_audit_events_at" ON "audit_events" ("at") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_events_action_at" ON "audit_events" ("action", "at") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_events_tenant_at" ON "audit_events" ("tenant_id", "at") `);
    await queryRunner.query(
      `CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email" character varying(320), "password_hash" text, "telegram_user_id" bigint, "role" character varying(16) NOT NULL DEFAULT 'tenant', "status" character varying(16) NOT NULL DEFAULT 'active', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_users_identity" CHECK ("email" IS NOT NULL OR "telegram_user_id" IS NOT NULL), CONSTRAINT "CHK_users_status" CHECK ("status" IN ('active', 'suspended')), CONSTRAINT "CHK_users_role" CHECK ("role" IN ('tenant', 'support', 'admin')), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_users_email" ON "users" ("email") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_users_telegram_user_id" ON "users" ("telegram_user_id") `);
    await queryRunner.query(
      `CREATE TABLE "channels" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "telegram_id" bigint, "username" character varying(64), "title" character varying(255) NOT NULL DEFAULT '', "type" character varying(16) NOT NULL DEFAULT 'channel', "bot_is_admin" boolean NOT NULL DEFAULT false, "bot_can_post" boolean NOT NULL DEFAULT false, "admin_checked_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_channels_user_telegram_id" UNIQUE ("user_id", "telegram_id"), CONSTRAINT "CHK_channels_identity" CHECK ("telegram_id" IS NOT NULL OR "username" IS NOT NULL), CONSTRAINT "CHK_channels_type" CHECK ("type" IN ('channel', 'supergroup', 'group')), CONSTRAINT "PK_bc603823f3f741359c2339389f9" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_channels_user_created" ON "channels" ("user_id", "created_at") `);
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
    await queryRunner.query(
      `CREATE TABLE "user_bot_credentials" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "bot_token" text, "bot_username" character varying(64), "bot_id" bigint, "telegram_api_id" integer, "telegram_api_hash" text, "telegram_phone" text, "session_string" text, "status" character varying(16) NOT NULL DEFAULT 'pending', "is_bot_verified" boolean NOT NULL DEFAULT false, "is_mtproto_verified" boolean NOT NULL DEFAULT false, "rate_limit_rps" integer NOT NULL DEFAULT '10', "max_concurrent_requests" integer NOT NULL DEFAULT '5', "webhook_secret" text, "mtproto_last_used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "REL_908721a22e9d92929d555782cc" UNIQUE ("user_id"), CONSTRAINT "CHK_user_bot_credentials_concurrency" CHECK ("max_concurrent_requests" BETWEEN 1 AND 100), CONSTRAINT "CHK_user_bot_credentials_rps" CHECK ("rate_limit_rps" BETWEEN 1 AND 1000), CONSTRAINT "CHK_user_bot_credentials_status" CHECK ("status" IN ('pending', 'active', 'suspended')), CONSTRAINT "PK_a88dc33481c356c82827af50513" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_user_bot_credentials_bot_id" ON "user_bot_credentials" ("bot_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "posts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "text" text, "parse_mode" character varying(16), "media" jsonb, "scheduled_at" TIMESTAMP WITH TIME ZONE, "status" character varying(16) NOT NULL DEFAULT 'scheduled', "attempts" integer NOT NULL DEFAULT '0', "telegram_message_id" bigint, "error" text, "idempotency_key" character varying(128), "sent_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_posts_user_idempotency_key" UNIQUE ("user_id", "idempotency_key"), CONSTRAINT "CHK_posts_status" CHECK ("status" IN ('scheduled', 'sending', 'sent', 'failed', 'cancelled')), CONSTRAINT "PK_2829ac61eff60fcec60d7274b9e" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_posts_user_id" ON "posts" ("user_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_posts_channel_created" ON "posts" ("channel_id", "created_at") `);
    await queryRunner.query(`CREATE INDEX "IDX_posts_status_scheduled_at" ON "posts" ("status", "scheduled_at") `);
    await queryRunner.query(
      `CREATE TABLE "mtproto_logins" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "flow" character varying(8) NOT NULL, "phone" text, "phone_code_hash" character varying(128), "pending_session" text NOT NULL, "state" character varying(16) NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "CHK_mtproto_logins_state" CHECK ("state" IN ('code_sent', 'qr_pending', 'password_needed', 'done', 'expired', 'failed')), CONSTRAINT "CHK_mtproto_logins_flow" CHECK ("flow" IN ('code', 'qr')), CONSTRAINT "PK_01fca947f8bca338af5e08fedc6" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_mtproto_logins_user_id" ON "mtproto_logins" ("user_id") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_mtproto_logins_phone_code_hash" ON "mtproto_logins" ("phone_code_hash") `,
    );
    await queryRunner.query(`CREATE INDEX "IDX_mtproto_logins_expires_at" ON "mtproto_logins" ("expires_at") `);
    await queryRunner.query(
      `ALTER TABLE "channels" ADD CONSTRAINT "FK_channels_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "channel_messages" ADD CONSTRAINT "FK_channel_messages_channel" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "channel_stats" ADD CONSTRAINT "FK_channel_stats_channel" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "user_bot_credentials" ADD CONSTRAINT "FK_user_bot_credentials_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "posts" ADD CONSTRAINT "FK_posts_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "posts" ADD CONSTRAINT "FK_posts_channel" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "mtproto_logins" ADD CONSTRAINT "FK_mtproto_logins_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // audit_events is append-only: history that can be edited is not an audit trail.
    await queryRunner.query(
      `CREATE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "TRG_audit_events_append_only" BEFORE UPDATE OR DELETE ON "audit_events" FOR EACH ROW EXECUTE FUNCTION "audit_events_append_only"()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "TRG_audit_events_append_only" ON "audit_events"`);
    await queryRunner.query(`DROP FUNCTION "audit_events_append_only"()`);
    await queryRunner.query(`ALTER TABLE "mtproto_logins" DROP CONSTRAINT "FK_mtproto_logins_user"`);
    await queryRunner.query(`ALTER TABLE "posts" DROP CONSTRAINT "FK_posts_channel"`);
    await queryRunner.query(`ALTER TABLE "posts" DROP CONSTRAINT "FK_posts_user"`);
    await queryRunner.query(`ALTER TABLE "user_bot_credentials" DROP CONSTRAINT "FK_user_bot_credentials_user"`);
    await queryRunner.query(`ALTER TABLE "channel_stats" DROP CONSTRAINT "FK_channel_stats_channel"`);
    await queryRunner.query(`ALTER TABLE "channel_messages" DROP CONSTRAINT "FK_channel_messages_channel"`);
    await queryRunner.query(`ALTER TABLE "channels" DROP CONSTRAINT "FK_channels_user"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_mtproto_logins_expires_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_mtproto_logins_phone_code_hash"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_mtproto_logins_user_id"`);
    await queryRunner.query(`DROP TABLE "mtproto_logins"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_posts_status_scheduled_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_posts_channel_created"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_posts_user_id"`);
    await queryRunner.query(`DROP TABLE "posts"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_user_bot_credentials_bot_id"`);
    await queryRunner.query(`DROP TABLE "user_bot_credentials"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_channel_stats_channel_captured"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_channel_stats_user_id"`);
    await queryRunner.query(`DROP TABLE "channel_stats"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_channel_messages_user_id"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_channel_messages_channel_date"`);
    await queryRunner.query(`DROP TABLE "channel_messages"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_channels_user_created"`);
    await queryRunner.query(`DROP TABLE "channels"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_users_telegram_user_id"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_users_email"`);
    await queryRunner.query(`DROP TABLE "users"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_audit_events_tenant_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_audit_events_action_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_audit_events_at"`);
    await queryRunner.query(`DROP TABLE "audit_events"`);
  }
}
