import { MigrationInterface, QueryRunner } from 'typeorm';

const APP_ROLE = 'tenantgram_app';
/** The role cross-tenant paths run as (see README, "Database roles and row-level security"). */
const ADMIN_ROLE = 'tenantgram_admin';

const TENANT = `"user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid`;
/** The policy every tenant table had until now: the tenant, or anyone who set the variable. */
const TENANT_OR_SETTING = `${TENANT} OR current_setting('app.bypass_rls', true) = 'on'`;

/**
 * The system lookups, now run by their callers through the admin pool: SECURITY INVOKER, so
 * what they see is decided by the caller's role (BYPASSRLS on `tenantgram_admin`), not by a
 * setting any role may change. Same signatures and results as in BotFilesAndLookups.
 */
const LOOKUPS: { name: string; signature: string; returns: string; body: string }[] = [
  {
    name: 'tg_bot_owner',
    signature: 'p_bot_id bigint',
    returns: 'TABLE (user_id uuid, user_status varchar)',
    body: `SELECT c.user_id, u.status FROM user_bot_credentials c JOIN users u ON u.id = c.user_id
         WHERE c.bot_id = p_bot_id AND c.bot_token IS NOT NULL`,
  },
  {
    name: 'tg_active_bots',
    signature: '',
    returns: 'TABLE (user_id uuid, bot_id bigint)',
    body: `SELECT c.user_id, c.bot_id FROM user_bot_credentials c JOIN users u ON u.id = c.user_id
         WHERE c.bot_id IS NOT NULL AND c.bot_token IS NOT NULL AND c.is_bot_verified AND u.status = 'active'`,
  },
  {
    name: 'tg_due_post_channels',
    signature: 'p_limit integer',
    returns: 'TABLE (user_id uuid, channel_id uuid)',
    body: `SELECT DISTINCT p.user_id, p.channel_id FROM posts p
         WHERE p.status IN ('scheduled', 'sending') AND p.telegram_message_id IS NULL
           AND (p.scheduled_at IS NULL OR p.scheduled_at <= now())
         LIMIT p_limit`,
  },
];

interface PolicyRow {
  table: string;
  policy: string;
}

/**
 * Seeing every tenant becomes a privilege of a role instead of a setting: the policies keep
 * only the tenant condition, and the cross-tenant paths (support console, key rewrap, CLI,
 * system lookups, housekeeping) connect as `tenantgram_admin`, which has BYPASSRLS. Until now
 * any code running as the app's role could `set_config('app.bypass_rls', 'on')` and read every
 * tenant; after this the setting means nothing.
 */
export class AdminRoleBypassPrivilege1795402000000 implements MigrationInterface {
  name = 'AdminRoleBypassPrivilege1795402000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Cluster-wide and perhaps created already (another database, or ops without CREATEROLE here).
    await queryRunner.query(`DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ADMIN_ROLE}') THEN
    CREATE ROLE "${ADMIN_ROLE}" NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END $$`);
    // Grants are per database, so down() can take them back without touching other databases.
    // Role membership (GRANT tenantgram_app TO tenantgram_admin) would be cluster-wide.
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO "${ADMIN_ROLE}"`);
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "${ADMIN_ROLE}"`);
    await queryRunner.query(`REVOKE INSERT, UPDATE, DELETE ON "migrations" FROM "${ADMIN_ROLE}"`);
    await queryRunner.query(`REVOKE UPDATE, DELETE ON "audit_events" FROM "${ADMIN_ROLE}"`);
    await queryRunner.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "${ADMIN_ROLE}"`);
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "${ADMIN_ROLE}"`,
    );
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "${ADMIN_ROLE}"`,
    );

    for (const fn of LOOKUPS) {
      await queryRunner.query(
        `CREATE OR REPLACE FUNCTION ${fn.name}(${fn.signature}) RETURNS ${fn.returns} LANGUAGE sql STABLE SECURITY INVOKER
      SET search_path = public AS $$
        ${fn.body}
      $$`,
      );
      await queryRunner.query(`REVOKE EXECUTE ON FUNCTION ${fn.name}(${fn.signature}) FROM "${APP_ROLE}"`);
      await queryRunner.query(`GRANT EXECUTE ON FUNCTION ${fn.name}(${fn.signature}) TO "${ADMIN_ROLE}"`);
    }

    // Every policy that honours the setting, wherever it is: tables added by any migration.
    for (const p of await this.policies(queryRunner, true)) {
      await queryRunner.query(`ALTER POLICY "${p.policy}" ON "${p.table}" USING (${TENANT}) WITH CHECK (${TENANT})`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const p of await this.policies(queryRunner, false)) {
      await queryRunner.query(
        `ALTER POLICY "${p.policy}" ON "${p.table}" USING (${TENANT_OR_SETTING}) WITH CHECK (${TENANT_OR_SETTING})`,
      );
    }
    for (const fn of [...LOOKUPS].reverse()) {
      await queryRunner.query(
        `CREATE OR REPLACE FUNCTION ${fn.name}(${fn.signature}) RETURNS ${fn.returns} LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = public SET app.bypass_rls = 'on' AS $$
        ${fn.body}
      $$`,
      );
      await queryRunner.query(`REVOKE EXECUTE ON FUNCTION ${fn.name}(${fn.signature}) FROM "${ADMIN_ROLE}"`);
      await queryRunner.query(`GRANT EXECUTE ON FUNCTION ${fn.name}(${fn.signature}) TO "${APP_ROLE}"`);
    }
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM "${ADMIN_ROLE}"`,
    );
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM "${ADMIN_ROLE}"`,
    );
    await queryRunner.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM "${ADMIN_ROLE}"`);
    await queryRunner.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "${ADMIN_ROLE}"`);
    await queryRunner.query(`REVOKE USAGE ON SCHEMA public FROM "${ADMIN_ROLE}"`);
    // The role stays, like tenantgram_app: other databases on this server may still use it.
  }

  /**
   * The tenant policies of tables with row-level security in this schema: those that still
   * honour `app.bypass_rls` (for up), or those on a `user_id` column that no longer do (for down).
   */
  private async policies(queryRunner: QueryRunner, honouringSetting: boolean): Promise<PolicyRow[]> {
    // TypeORM types raw query results as any: the SELECT above names exactly these columns.
    return (await queryRunner.query(
      `SELECT p.tablename AS "table", p.policyname AS policy
         FROM pg_policies p
         JOIN pg_namespace n ON n.nspname = p.schemaname
         JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename
        WHERE p.schemaname = 'public' AND c.relrowsecurity
          AND coalesce(p.qual, '') LIKE '%user_id%'
          AND (coalesce(p.qual, '') || coalesce(p.with_check, '') LIKE '%app.bypass_rls%') = $1
        ORDER BY 1, 2`,
      [honouringSetting],
    )) as PolicyRow[];
  }
}
