import { MigrationInterface, QueryRunner } from 'typeorm';

/** The restricted role the app runs as (see README, "Database roles and row-level security"). */
const APP_ROLE = 'tenantgram_app';

/** Tables whose rows belong to one tenant (`user_id`). A new one needs its own policy migration. */
const TENANT_TABLES = [
  'user_bot_credentials',
  'mtproto_logins',
  'channels',
  'posts',
  'channel_messages',
  'channel_stats',
  'refresh_tokens',
];

const READ_WRITE_TABLES = ['users', ...TENANT_TABLES];

/**
 * A row is visible when it belongs to the tenant of the current transaction
 * (`app.user_id`, set transaction-locally by TenantDb), or when the audited
 * admin path (AdminDb) has switched `app.bypass_rls` on for its transaction.
 * An unset variable reads as NULL or '' and matches nothing.
 */
const VISIBLE = `"user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid OR current_setting('app.bypass_rls', true) = 'on'`;

export class RowLevelSecurity1795289929298 implements MigrationInterface {
  name = 'RowLevelSecurity1795289929298';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Roles are cluster-wide: another database on this server (or a parallel
    // migration) may have created it already.
    await queryRunner.query(`DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
    CREATE ROLE "${APP_ROLE}" NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END $$`);
    await queryRunner.query(`GRANT USAGE ON SCHEMA public TO "${APP_ROLE}"`);
    for (const table of READ_WRITE_TABLES) {
      await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "${table}" TO "${APP_ROLE}"`);
    }
    // The audit trail is append-only for the app as well as by trigger.
    await queryRunner.query(`GRANT SELECT, INSERT ON "audit_events" TO "${APP_ROLE}"`);
    await queryRunner.query(`GRANT SELECT ON "migrations" TO "${APP_ROLE}"`);
    await queryRunner.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "${APP_ROLE}"`);
    // Tables later migrations create (as this same owner) are usable by the app
    // without a grant of their own; their RLS policy is still theirs to add.
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "${APP_ROLE}"`,
    );
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "${APP_ROLE}"`,
    );
    for (const table of TENANT_TABLES) {
      await queryRunner.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      // FORCE: the table owner is held to the policy too.
      await queryRunner.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(
        `CREATE POLICY "tenant_isolation" ON "${table}" FOR ALL USING (${VISIBLE}) WITH CHECK (${VISIBLE})`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [...TENANT_TABLES].reverse()) {
      await queryRunner.query(`DROP POLICY IF EXISTS "tenant_isolation" ON "${table}"`);
      await queryRunner.query(`ALTER TABLE "${table}" NO FORCE ROW LEVEL SECURITY`);
      await queryRunner.query(`ALTER TABLE "${table}" DISABLE ROW LEVEL SECURITY`);
    }
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM "${APP_ROLE}"`,
    );
    await queryRunner.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM "${APP_ROLE}"`,
    );
    await queryRunner.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM "${APP_ROLE}"`);
    await queryRunner.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "${APP_ROLE}"`);
    await queryRunner.query(`REVOKE USAGE ON SCHEMA public FROM "${APP_ROLE}"`);
    // The role itself stays: roles are cluster-wide and other databases on this
    // server (other deployments, parallel test databases) may still grant to it.
    // Nothing in this database refers to it any more.
  }
}
