import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { EntityManager } from 'typeorm';

/**
 * The SQL functions of the schema. Each is defined once, in a `.sql` file beside the code that calls
 * it, written exactly as `pg_get_functiondef` prints it (leading `--` comment lines aside), so a
 * migrated database can be compared with the source character for character. Migrations apply these
 * files (`applySqlFunctions`); `sqlFunctionDrift` and its test keep the two equal.
 * See README, "Changing a SQL function".
 */
export interface SqlFunctionSource {
  /** Its name in the public schema: one definition per name, no overloads. */
  name: string;
  /** The defining file, relative to `server/src/modules`. */
  file: string;
  /** Who may EXECUTE it besides its owner (`PUBLIC`: everyone). Grants are a migration's statements. */
  executeBy: readonly string[];
}

export const SQL_FUNCTIONS: readonly SqlFunctionSource[] = [
  { name: 'audit_events_append_only', file: 'audit/sql/audit_events_append_only.sql', executeBy: ['PUBLIC'] },
  { name: 'audit_append', file: 'audit/sql/audit_append.sql', executeBy: ['tenantgram_app'] },
  { name: 'tenant_slices', file: 'database/sql/tenant_slices.sql', executeBy: ['tenantgram_app'] },
  { name: 'tenant_credentials', file: 'credentials/sql/tenant_credentials.sql', executeBy: ['tenantgram_app'] },
  { name: 'tenant_due_posts', file: 'posts/sql/tenant_due_posts.sql', executeBy: ['tenantgram_app'] },
  { name: 'tenant_claim_posts', file: 'posts/sql/tenant_claim_posts.sql', executeBy: ['tenantgram_app'] },
  { name: 'tenant_record_sent', file: 'posts/sql/tenant_record_sent.sql', executeBy: ['tenantgram_app'] },
  { name: 'tg_due_post_channels', file: 'posts/sql/tg_due_post_channels.sql', executeBy: ['tenantgram_admin'] },
  { name: 'tg_bot_owner', file: 'bot/sql/tg_bot_owner.sql', executeBy: ['tenantgram_admin'] },
  { name: 'tg_active_bots', file: 'bot/sql/tg_active_bots.sql', executeBy: ['tenantgram_admin'] },
  { name: 'events_maintain', file: 'events/sql/events_maintain.sql', executeBy: ['tenantgram_admin'] },
  { name: 'events_append', file: 'events/sql/events_append.sql', executeBy: ['tenantgram_app'] },
  { name: 'tenant_append_events', file: 'events/sql/tenant_append_events.sql', executeBy: ['tenantgram_app'] },
  {
    name: 'tenant_webhook_dispatch',
    file: 'webhooks/sql/tenant_webhook_dispatch.sql',
    executeBy: ['tenantgram_app'],
  },
  { name: 'tenant_webhook_record', file: 'webhooks/sql/tenant_webhook_record.sql', executeBy: ['tenantgram_app'] },
  { name: 'tenant_webhook_targets', file: 'webhooks/sql/tenant_webhook_targets.sql', executeBy: ['tenantgram_app'] },
  { name: 'analytics_maintain', file: 'analytics/sql/analytics_maintain.sql', executeBy: ['tenantgram_admin'] },
  { name: 'analytics_rollup', file: 'analytics/sql/analytics_rollup.sql', executeBy: ['tenantgram_app'] },
  {
    name: 'tenant_account_send_claim',
    file: 'user-mtproto/account-actions/sql/tenant_account_send_claim.sql',
    executeBy: ['tenantgram_app'],
  },
  {
    name: 'tenant_account_send_record',
    file: 'user-mtproto/account-actions/sql/tenant_account_send_record.sql',
    executeBy: ['tenantgram_app'],
  },
];

/** Where the `.sql` files are, in the source tree and in the build (the build copies them). */
export const SQL_MODULES_DIR = path.join(__dirname, '..');

/** A function's definition and who may run it, as the source says or as a database has it. */
export interface SqlFunctionDefinition {
  name: string;
  definition: string;
  executeBy: string[];
}

/**
 * The statement of a `.sql` file: leading comment lines and blank lines dropped, no trailing
 * semicolon or whitespace. What is left is compared with `pg_get_functiondef` as it is.
 */
export function normalizeDefinition(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  while (lines.length > 0 && /^\s*(--.*)?$/.test(lines[0] ?? '')) lines.shift();
  return lines.join('\n').trimEnd().replace(/;$/, '').trimEnd();
}

/** A short fingerprint of a definition: what a migration names to apply that version. */
export function fingerprint(definition: string): string {
  return createHash('sha256').update(normalizeDefinition(definition)).digest('hex').slice(0, 16);
}

export function sourceDefinition(fn: SqlFunctionSource, modulesDir = SQL_MODULES_DIR): string {
  return normalizeDefinition(readFileSync(path.join(modulesDir, fn.file), 'utf8'));
}

/** Every function as its source file defines it. */
export function sourceDefinitions(modulesDir = SQL_MODULES_DIR): SqlFunctionDefinition[] {
  return SQL_FUNCTIONS.map((fn) => ({
    name: fn.name,
    definition: sourceDefinition(fn, modulesDir),
    executeBy: [...fn.executeBy].sort(),
  }));
}

/**
 * Applies the named versions of functions (name → fingerprint): the source file when its text has
 * that fingerprint, otherwise the frozen copy `<frozenDir>/<name>.<fingerprint>.sql`. So a migration
 * keeps applying the version it was written for after the source moves on (history does not change),
 * and a version that exists nowhere fails the migration instead of applying something else.
 * CREATE OR REPLACE keeps the function's grants.
 */
export async function applySqlFunctions(
  runner: { query(sql: string): Promise<unknown> },
  versions: Record<string, string>,
  frozenDir: string,
  modulesDir = SQL_MODULES_DIR,
): Promise<void> {
  for (const [name, version] of Object.entries(versions)) {
    await runner.query(resolveVersion(name, version, frozenDir, modulesDir));
  }
}

/** Lets `role` alone (besides the owner) execute each named function, instead of everyone. */
export async function grantExecuteTo(
  runner: { query(sql: string): Promise<unknown> },
  names: readonly string[],
  role: string,
): Promise<void> {
  for (const fn of names) {
    await runner.query(`REVOKE EXECUTE ON FUNCTION public.${fn} FROM PUBLIC`);
    await runner.query(`GRANT EXECUTE ON FUNCTION public.${fn} TO "${role}"`);
  }
}

/** Drops the named functions, the last named first. */
export async function dropSqlFunctions(
  runner: { query(sql: string): Promise<unknown> },
  names: readonly string[],
): Promise<void> {
  for (const fn of [...names].reverse()) await runner.query(`DROP FUNCTION public.${fn}`);
}

function resolveVersion(name: string, version: string, frozenDir: string, modulesDir: string): string {
  const source = SQL_FUNCTIONS.find((fn) => fn.name === name);
  if (source) {
    const current = sourceDefinition(source, modulesDir);
    if (fingerprint(current) === version) return current;
  }
  const frozenFile = path.join(frozenDir, `${name}.${version}.sql`);
  if (existsSync(frozenFile)) {
    const frozen = normalizeDefinition(readFileSync(frozenFile, 'utf8'));
    if (fingerprint(frozen) !== version) {
      throw new Error(`${frozenFile} was edited: its fingerprint is ${fingerprint(frozen)}, not ${version}.`);
    }
    return frozen;
  }
  throw new Error(
    `No definition of ${name} has fingerprint ${version}: neither ${source ? source.file : 'a source file'} nor ` +
      `${frozenFile}. A source changed without freezing the version a migration applies (README, "Changing a SQL function").`,
  );
}

/**
 * The functions a database has in its public schema (those of extensions such as pgcrypto aside),
 * as `pg_get_functiondef` prints them, with who may execute them besides their owner.
 */
export async function databaseDefinitions(db: Pick<EntityManager, 'query'>): Promise<SqlFunctionDefinition[]> {
  const rows: { name: string; definition: string; execute_by: string[] }[] = await db.query(
    `SELECT p.proname AS name,
            CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) ELSE p.prokind::text END AS definition,
            ARRAY(SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END
                    FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                   WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner
                   ORDER BY 1) AS execute_by
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'public'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d
                         WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
      ORDER BY 1, 2`,
  );
  return rows.map((r) => ({ name: r.name, definition: normalizeDefinition(r.definition), executeBy: r.execute_by }));
}

export interface SqlFunctionDrift {
  /** In the database, no source file. */
  extra: string[];
  /** A source file, not in the database. */
  missing: string[];
  /** In both, defined or granted differently. */
  changed: { name: string; database: SqlFunctionDefinition; source: SqlFunctionDefinition }[];
}

/** How a database's functions differ from their sources: all empty when they agree. */
export async function sqlFunctionDrift(
  db: Pick<EntityManager, 'query'>,
  sources: SqlFunctionDefinition[] = sourceDefinitions(),
): Promise<SqlFunctionDrift> {
  const inDb = await databaseDefinitions(db);
  const drift: SqlFunctionDrift = { extra: [], missing: [], changed: [] };
  for (const d of inDb) {
    const s = sources.find((x) => x.name === d.name);
    if (!s) drift.extra.push(d.name);
    else if (
      inDb.filter((x) => x.name === d.name).length > 1 ||
      s.definition !== d.definition ||
      s.executeBy.join(',') !== d.executeBy.join(',')
    ) {
      drift.changed.push({ name: d.name, database: d, source: s });
    }
  }
  for (const s of sources) if (!inDb.some((d) => d.name === s.name)) drift.missing.push(s.name);
  return drift;
}

/** What a migration must do to bring a database's functions to their sources, and back. */
export interface SqlFunctionMigrationPlan {
  /** Versions to apply going up (name → fingerprint of the source). */
  up: Record<string, string>;
  /** Statements after those: grants of new functions, grant changes, drops of functions without a source. */
  upAfter: string[];
  /** Statements before `down`: drops of the functions the migration creates. */
  downBefore: string[];
  /** Versions to apply coming down (the database's, frozen). */
  down: Record<string, string>;
  /** Statements after those: grants as the database had them. */
  downAfter: string[];
  /** The database's versions the migration's down() needs, to keep under migrations/sql-functions. */
  freeze: { name: string; version: string; definition: string }[];
}

const grantStatements = (name: string, from: readonly string[], to: readonly string[]): string[] => [
  ...from.filter((r) => !to.includes(r)).map((r) => `REVOKE EXECUTE ON FUNCTION public.${name} FROM ${grantee(r)}`),
  ...to.filter((r) => !from.includes(r)).map((r) => `GRANT EXECUTE ON FUNCTION public.${name} TO ${grantee(r)}`),
];
const grantee = (role: string): string => (role === 'PUBLIC' ? 'PUBLIC' : `"${role}"`);

/**
 * The migration that makes a database's functions match their sources (`npm run
 * migration:sql-functions`). A function whose arguments or result type change cannot be replaced in
 * place: the plan then still applies the new source, and its migration needs a DROP FUNCTION of the
 * old signature first (the drift test shows the leftover overload otherwise).
 */
export async function planSqlFunctionMigration(
  db: Pick<EntityManager, 'query'>,
  sources: SqlFunctionDefinition[] = sourceDefinitions(),
): Promise<SqlFunctionMigrationPlan> {
  const drift = await sqlFunctionDrift(db, sources);
  const inDb = await databaseDefinitions(db);
  const plan: SqlFunctionMigrationPlan = { up: {}, upAfter: [], downBefore: [], down: {}, downAfter: [], freeze: [] };
  const keep = (d: SqlFunctionDefinition): void => {
    const version = fingerprint(d.definition);
    plan.down[d.name] = version;
    plan.freeze.push({ name: d.name, version, definition: d.definition });
  };
  for (const name of new Set(drift.changed.map((c) => c.name))) {
    const source = sources.find((s) => s.name === name);
    const current = inDb.find((d) => d.name === name);
    if (!source || !current) continue;
    if (source.definition !== current.definition) {
      plan.up[name] = fingerprint(source.definition);
      keep(current);
    }
    plan.upAfter.push(...grantStatements(name, current.executeBy, source.executeBy));
    plan.downAfter.push(...grantStatements(name, source.executeBy, current.executeBy));
  }
  for (const name of drift.missing) {
    const source = sources.find((s) => s.name === name);
    if (!source) continue;
    plan.up[name] = fingerprint(source.definition);
    plan.upAfter.push(...grantStatements(name, ['PUBLIC'], source.executeBy));
    plan.downBefore.push(`DROP FUNCTION public.${name}`);
  }
  for (const name of drift.extra) {
    const current = inDb.find((d) => d.name === name);
    if (!current) continue;
    plan.upAfter.push(`DROP FUNCTION public.${name}`);
    keep(current);
    plan.downAfter.push(...grantStatements(name, ['PUBLIC'], current.executeBy));
  }
  return plan;
}
