import { present } from '../../common/present';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { NodeEnv, type AppConfig } from '../../config/app-config';

/** The restricted role created by the RowLevelSecurity migration. */
export const APP_DB_ROLE = 'tenantgram_app';

/** The BYPASSRLS role cross-tenant paths run as (AdminRoleBypassPrivilege migration). */
export const ADMIN_DB_ROLE = 'tenantgram_admin';

export class RuntimeRoleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeRoleError';
  }
}

export interface RoleFacts {
  login_user: string;
  login_super: boolean;
  login_bypass: boolean;
  app_exists: boolean;
  app_super: boolean | null;
  app_bypass: boolean | null;
  can_become_app: boolean;
  app_owns_tables: boolean;
  login_owns_tables: boolean;
  app_can_become_admin: boolean;
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
                      WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relowner = me.oid) AS login_owns_tables,
              app.oid IS NOT NULL AND adm.oid IS NOT NULL AND pg_has_role(app.oid, adm.oid, 'MEMBER') AS app_can_become_admin
         FROM pg_roles me LEFT JOIN pg_roles app ON app.rolname = $1 LEFT JOIN pg_roles adm ON adm.rolname = $2
        WHERE me.rolname = current_user`,
      [APP_DB_ROLE, ADMIN_DB_ROLE],
    );
    facts = present(rows[0], 'the facts about the current role');
  } finally {
    await client.end();
  }
  return chooseRuntimeRole(facts, config.env === NodeEnv.Production, logger);
}

/** The decision of resolveRuntimeRole, from what the database said about the roles. */
export function chooseRuntimeRole(
  facts: RoleFacts,
  production: boolean,
  logger: Pick<Logger, 'warn'>,
): { options?: string } {
  // A member of the admin role could SET ROLE to it and bypass row-level security after all.
  const restrictedApp =
    facts.app_exists && !facts.app_super && !facts.app_bypass && !facts.app_owns_tables && !facts.app_can_become_admin;
  const notRestricted = `${APP_DB_ROLE} must have no SUPERUSER, no BYPASSRLS, own no tables and not be a member of ${ADMIN_DB_ROLE}.`;

  if (facts.login_user === APP_DB_ROLE) {
    if (!restrictedApp) throw new RuntimeRoleError(notRestricted);
    return {};
  }
  if (facts.can_become_app) {
    if (!restrictedApp) throw new RuntimeRoleError(notRestricted);
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

export interface AdminRoleFacts {
  login_user: string;
  login_super: boolean;
  login_bypass: boolean;
  admin_exists: boolean;
  admin_super: boolean | null;
  admin_bypass: boolean | null;
  can_become_admin: boolean;
}

/**
 * How connections of the admin pool (cross-tenant paths) become `tenantgram_admin`, the role
 * whose BYPASSRLS lets them see every tenant: the same startup `role` option as the app's pool,
 * from `ADMIN_DATABASE_URL`'s user. The admin role must have BYPASSRLS (the policies honour
 * nothing else) and must not be a superuser. Production refuses a login that cannot become it;
 * development runs a superuser as itself with a warning (typically: migrations not run yet).
 */
export async function resolveAdminRole(
  config: AppConfig,
  logger = new Logger('Database'),
): Promise<{ options?: string }> {
  const client = new Client({ connectionString: config.database.adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  let facts: AdminRoleFacts;
  try {
    const { rows } = await client.query<AdminRoleFacts>(
      `SELECT current_user AS login_user, me.rolsuper AS login_super, me.rolbypassrls AS login_bypass,
              adm.oid IS NOT NULL AS admin_exists, adm.rolsuper AS admin_super, adm.rolbypassrls AS admin_bypass,
              adm.oid IS NOT NULL AND pg_has_role(current_user, adm.oid, 'MEMBER') AS can_become_admin
         FROM pg_roles me LEFT JOIN pg_roles adm ON adm.rolname = $1
        WHERE me.rolname = current_user`,
      [ADMIN_DB_ROLE],
    );
    facts = present(rows[0], 'the facts about the current role');
  } finally {
    await client.end();
  }
  return chooseAdminRole(facts, config.env === NodeEnv.Production, logger);
}

/** The decision of resolveAdminRole, from what the database said about the roles. */
export function chooseAdminRole(
  facts: AdminRoleFacts,
  production: boolean,
  logger: Pick<Logger, 'warn'>,
): { options?: string } {
  const sound = facts.admin_exists && facts.admin_bypass === true && facts.admin_super === false;
  const unsound = `${ADMIN_DB_ROLE} must have BYPASSRLS and no SUPERUSER.`;
  if (facts.login_user === ADMIN_DB_ROLE) {
    if (!sound) throw new RuntimeRoleError(unsound);
    return {};
  }
  if (facts.can_become_admin) {
    if (!sound) throw new RuntimeRoleError(unsound);
    return { options: `-c role=${ADMIN_DB_ROLE}` };
  }
  const why =
    `The admin database user ${facts.login_user} cannot switch to ${ADMIN_DB_ROLE}` +
    (facts.admin_exists
      ? ` (it is not a member: GRANT ${ADMIN_DB_ROLE} TO ${facts.login_user}).`
      : ' (run the migrations first).');
  if (production) throw new RuntimeRoleError(`${why} Production refuses to run like this.`);
  logger.warn(
    facts.login_super || facts.login_bypass
      ? `${why} Cross-tenant paths run as ${facts.login_user}; development only.`
      : `${why} Cross-tenant paths will see no tenant's rows.`,
  );
  return {};
}
