import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { NodeEnv, type AppConfig } from '../../config/app-config';

/** The restricted role created by the RowLevelSecurity migration. */
export const APP_DB_ROLE = 'tenantgram_app';

export class RuntimeRoleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeRoleError';
  }
}

interface RoleFacts {
  login_user: string;
  login_super: boolean;
  login_bypass: boolean;
  app_exists: boolean;
  app_super: boolean | null;
  app_bypass: boolean | null;
  can_become_app: boolean;
  app_owns_tables: boolean;
  login_owns_tables: boolean;
}

/**
 * How pooled connections become the restricted role. When the configured user
 * is not already `tenantgram_app`, each connection starts with `role` set to it
 * (the startup-packet form of SET ROLE), so row-level security applies to every
 * query the app makes. Production refuses to run with a superuser, a BYPASSRLS
 * role or a table owner it cannot switch away from.
 */
export async function resolveRuntimeRole(
  config: AppConfig,
  logger = new Logger('Database'),
): Promise<{ options?: string }> {
  const client = new Client({ connectionString: config.database.url, connectionTimeoutMillis: 5000 });
  await client.connect();
  let facts: RoleFacts;
  try {
    const { rows } = await client.query<RoleFacts>(
      `SELECT current_user AS login_user, me.rolsuper AS login_super, me.rolbypassrls AS login_bypass,
              app.oid IS NOT NULL AS app_exists, app.rolsuper AS app_super, app.rolbypassrls AS app_bypass,
              app.oid IS NOT NULL AND pg_has_role(current_user, app.oid, 'MEMBER') AS can_become_app,
              EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = 'public' AND c.relowner = app.oid) AS app_owns_tables,
              EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relowner = me.oid) AS login_owns_tables
         FROM pg_roles me LEFT JOIN pg_roles app ON app.rolname = $1
        WHERE me.rolname = current_user`,
      [APP_DB_ROLE],
    );
    facts = rows[0];
  } finally {
    await client.end();
  }

  const production = config.env === NodeEnv.Production;
  const restrictedApp = facts.app_exists && !facts.app_super && !facts.app_bypass && !facts.app_owns_tables;

  if (facts.login_user === APP_DB_ROLE) {
    if (!restrictedApp)
      throw new RuntimeRoleError(`${APP_DB_ROLE} must have no SUPERUSER, no BYPASSRLS and own no tables.`);
    return {};
  }
  if (facts.can_become_app) {
    if (!restrictedApp)
      throw new RuntimeRoleError(`${APP_DB_ROLE} must have no SUPERUSER, no BYPASSRLS and own no tables.`);
    return { options: `-c role=${APP_DB_ROLE}` };
  }
  const unrestricted = facts.login_super || facts.login_bypass || facts.login_owns_tables;
  if (!unrestricted) return {};
  const why =
    `The database user ${facts.login_user} bypasses row-level security (superuser, BYPASSRLS or table owner) ` +
    `and cannot switch to ${APP_DB_ROLE}` +
    (facts.app_exists
      ? ` (it is not a member: GRANT ${APP_DB_ROLE} TO ${facts.login_user}).`
      : ' (run the migrations first).');
  if (production) throw new RuntimeRoleError(`${why} Production refuses to run like this.`);
  logger.warn(`${why} Running without row-level security; development only.`);
  return {};
}
