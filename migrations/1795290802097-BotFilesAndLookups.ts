import { MigrationInterface, QueryRunner } from 'typeorm';

const APP_ROLE = 'tenantgram_app';
const VISIBLE = `"user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid OR current_setting('app.bypass_rls', true) = 'on'`;

/**
 * System lookups the bot and send paths make on every webhook or sweep, without
 * a tenant scope and without writing an audit event each time. Each returns
 * ids and statuses only (never a credential). SECURITY DEFINER plus a
 * function-local `app.bypass_rls` lets them see across tenants; the setting is
 * restored when the function returns, so the caller's transaction keeps its scope.
 */
const LOOKUPS: { name: string; signature: string; sql: string }[] = [
  {
    name: 'tg_bot_owner',
    signature: 'p_bot_id bigint',
    sql: `RETURNS TABLE (user_id uuid, user_status varchar) LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = public SET app.bypass_rls = 'on' AS $$
        SELECT c.user_id, u.status FROM user_bot_credentials c JOIN users u ON u.id = c.user_id
         WHERE c.bot_id = p_bot_id AND c.bot_token IS NOT NULL
      $$`,
  },
  {
    name: 'tg_active_bots',
    signature: '',
    sql: `RETURNS TABLE (user_id uuid, bot_id bigint) LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = public SET app.bypass_rls = 'on' AS $$
        SELECT c.user_id, c.bot_id FROM user_bot_credentials c JOIN users u ON u.id = c.user_id
         WHERE c.bot_id IS NOT NULL AND c.bot_token IS NOT NULL AND c.is_bot_verified AND u.status = 'active'
      $$`,
  },
  {
    name: 'tg_due_post_channels',
    signature: 'p_limit integer',
    sql: `RETURNS TABLE (user_id uuid, channel_id uuid) LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = public SET app.bypass_rls = 'on' AS $$
        SELECT DISTINCT p.user_id, p.channel_id FROM posts p
         WHERE p.status IN ('scheduled', 'sending') AND p.telegram_message_id IS NULL
           AND (p.scheduled_at IS NULL OR p.scheduled_at <= now())
         LIMIT p_limit
      $$`,
  },
];

export class BotFilesAndLookups1795290802097 implements MigrationInterface {
  name = 'BotFilesAndLookups1795290802097';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "files" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "channel_id" uuid, "telegram_file_id" text NOT NULL, "telegram_file_unique_id" character varying(128), "telegram_message_id" bigint, "file_name" character varying(255) NOT NULL, "size" bigint NOT NULL, "mime_type" character varying(255) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_6c16b9093a142e0e7613b04a3d9" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_files_channel_id" ON "files" ("channel_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_files_user_created" ON "files" ("user_id", "created_at") `);
    await queryRunner.query(
      `ALTER TABLE "files" ADD CONSTRAINT "FK_files_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "files" ADD CONSTRAINT "FK_files_channel" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TABLE "files" ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "files" FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY "tenant_isolation" ON "files" FOR ALL USING (${VISIBLE}) WITH CHECK (${VISIBLE})`,
    );
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "files" TO "${APP_ROLE}"`);
    for (const fn of LOOKUPS) {
      await queryRunner.query(`CREATE FUNCTION ${fn.name}(${fn.signature}) ${fn.sql}`);
      await queryRunner.query(`REVOKE ALL ON FUNCTION ${fn.name}(${fn.signature}) FROM PUBLIC`);
      await queryRunner.query(`GRANT EXECUTE ON FUNCTION ${fn.name}(${fn.signature}) TO "${APP_ROLE}"`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const fn of [...LOOKUPS].reverse()) {
      await queryRunner.query(`DROP FUNCTION IF EXISTS ${fn.name}(${fn.signature})`);
    }
    await queryRunner.query(`DROP POLICY IF EXISTS "tenant_isolation" ON "files"`);
    await queryRunner.query(`ALTER TABLE "files" DROP CONSTRAINT "FK_files_channel"`);
    await queryRunner.query(`ALTER TABLE "files" DROP CONSTRAINT "FK_files_user"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_files_user_created"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_files_channel_id"`);
    await queryRunner.query(`DROP TABLE "files"`);
  }
}
