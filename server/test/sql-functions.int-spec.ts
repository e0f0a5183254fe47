import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/data-source-options';
import {
  applySqlFunctions,
  databaseDefinitions,
  fingerprint,
  normalizeDefinition,
  planSqlFunctionMigration,
  SQL_FUNCTIONS,
  SQL_MODULES_DIR,
  sourceDefinitions,
  sqlFunctionDrift,
} from '../src/modules/database/sql-functions';
import { createDatabaseByMigrations, TestDatabase } from './helpers/test-database';

const MIGRATIONS_DIR = path.join(__dirname, '..', '..', 'migrations');
const FROZEN_DIR = path.join(MIGRATIONS_DIR, 'sql-functions');

/** Every `.sql` file under server/src/modules, relative to it. */
function sqlFilesInSource(dir = SQL_MODULES_DIR, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sqlFilesInSource(path.join(dir, e.name), `${prefix}${e.name}/`)
      : e.name.endsWith('.sql')
        ? [`${prefix}${e.name}`]
        : [],
  );
}

describe('SQL functions: one source each', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createDatabaseByMigrations('tg_sqlfn');
    ds = new DataSource(dataSourceOptions(db.url));
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('a migrated database has exactly the functions the sources define: same text, attributes and grants, none missing, none extra', async () => {
    const drift = await sqlFunctionDrift(ds);
    // On failure the diff shows what pg_get_functiondef printed: a source is written exactly so.
    expect(drift.changed.map((c) => c.database)).toEqual(drift.changed.map((c) => c.source));
    expect(drift).toEqual({ extra: [], missing: [], changed: [] });
  });

  it('registers every .sql file under server/src/modules, each defining the function it is named after', () => {
    expect(sqlFilesInSource().sort()).toEqual(SQL_FUNCTIONS.map((f) => f.file).sort());
    for (const s of sourceDefinitions()) {
      expect(s.definition.split('\n')[0]).toMatch(new RegExp(`^CREATE OR REPLACE FUNCTION public\\.${s.name}\\(`));
      expect(path.basename(SQL_FUNCTIONS.find((f) => f.name === s.name)?.file ?? '')).toBe(`${s.name}.sql`);
    }
  });

  it('reports a source edited without a migration', async () => {
    const sources = sourceDefinitions().map((s) =>
      s.name === 'tenant_due_posts'
        ? { ...s, definition: s.definition.replace('LIMIT p_limits[i];', 'LIMIT p_limits[i] + 1;') }
        : s,
    );
    const drift = await sqlFunctionDrift(ds, sources);
    expect(drift.changed.map((c) => c.name)).toEqual(['tenant_due_posts']);
    // And the migrations that apply it refuse to guess: the version they name exists nowhere else.
    const edited = sources.find((s) => s.name === 'tenant_due_posts')?.definition ?? '';
    await expect(applySqlFunctions(ds, { tenant_due_posts: fingerprint(edited) }, FROZEN_DIR)).rejects.toThrow(
      /No definition of tenant_due_posts has fingerprint/,
    );
  });

  it('reports a function a migration changed, added or granted without its source', async () => {
    const qr = ds.createQueryRunner();
    await qr.startTransaction();
    try {
      await qr.query(`CREATE OR REPLACE FUNCTION public.tg_active_bots()
 RETURNS TABLE(user_id uuid, bot_id bigint)
 LANGUAGE sql
 STABLE
 SET search_path TO 'public'
AS $function$ SELECT c.user_id, c.bot_id FROM user_bot_credentials c $function$`);
      await qr.query(`ALTER FUNCTION public.tenant_credentials(uuid) SECURITY DEFINER`);
      await qr.query(`GRANT EXECUTE ON FUNCTION public.tg_bot_owner(bigint) TO tenantgram_app`);
      await qr.query(`CREATE FUNCTION public.probe_unsourced() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$`);
      await qr.query(`DROP FUNCTION public.tg_due_post_channels(integer)`);
      const drift = await sqlFunctionDrift(qr);
      expect(drift.extra).toEqual(['probe_unsourced']);
      expect(drift.missing).toEqual(['tg_due_post_channels']);
      expect(drift.changed.map((c) => c.name).sort()).toEqual(['tenant_credentials', 'tg_active_bots', 'tg_bot_owner']);
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
  });

  it('plan the migration for edited, missing, removed and regranted functions, whose versions go up to the sources and back down', async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'tg-sql-plan-'));
    const modules = path.join(scratch, 'modules');
    const frozenDir = path.join(scratch, 'frozen');
    mkdirSync(frozenDir);
    const qr = ds.createQueryRunner();
    await qr.startTransaction();
    try {
      // The sources after an edit of tenant_due_posts and the removal of tg_due_post_channels.
      const sources = sourceDefinitions()
        .filter((s) => s.name !== 'tg_due_post_channels')
        .map((s) =>
          s.name === 'tenant_due_posts'
            ? { ...s, definition: s.definition.replace('LIMIT p_limits[i];', 'LIMIT greatest(p_limits[i], 0);') }
            : s,
        );
      for (const fn of SQL_FUNCTIONS) {
        mkdirSync(path.dirname(path.join(modules, fn.file)), { recursive: true });
        copyFileSync(path.join(SQL_MODULES_DIR, fn.file), path.join(modules, fn.file));
      }
      const dueSource = sources.find((s) => s.name === 'tenant_due_posts')?.definition ?? '';
      writeFileSync(path.join(modules, 'posts/sql/tenant_due_posts.sql'), `-- Edited.\n${dueSource}\n`);
      // The database misses one function and grants another to a role its source does not name.
      await qr.query(`DROP FUNCTION public.tenant_credentials(uuid)`);
      await qr.query(`GRANT EXECUTE ON FUNCTION public.tg_bot_owner(bigint) TO tenantgram_app`);
      const before = await databaseDefinitions(qr);

      const plan = await planSqlFunctionMigration(qr, sources);
      const dueBefore = before.find((d) => d.name === 'tenant_due_posts')?.definition ?? '';
      expect(plan.up).toEqual({
        tenant_due_posts: fingerprint(dueSource),
        tenant_credentials: fingerprint(sources.find((s) => s.name === 'tenant_credentials')?.definition ?? ''),
      });
      expect(plan.down).toEqual({
        tenant_due_posts: fingerprint(dueBefore),
        tg_due_post_channels: fingerprint(before.find((d) => d.name === 'tg_due_post_channels')?.definition ?? ''),
      });
      expect(plan.upAfter.sort()).toEqual(
        [
          'REVOKE EXECUTE ON FUNCTION public.tg_bot_owner FROM "tenantgram_app"',
          'REVOKE EXECUTE ON FUNCTION public.tenant_credentials FROM PUBLIC',
          'GRANT EXECUTE ON FUNCTION public.tenant_credentials TO "tenantgram_app"',
          'DROP FUNCTION public.tg_due_post_channels',
        ].sort(),
      );
      expect(plan.downBefore).toEqual(['DROP FUNCTION public.tenant_credentials']);

      await applySqlFunctions(qr, plan.up, frozenDir, modules);
      for (const q of plan.upAfter) await qr.query(q);
      expect(await sqlFunctionDrift(qr, sources)).toEqual({ extra: [], missing: [], changed: [] });

      for (const f of plan.freeze) writeFileSync(path.join(frozenDir, `${f.name}.${f.version}.sql`), f.definition);
      for (const q of plan.downBefore) await qr.query(q);
      await applySqlFunctions(qr, plan.down, frozenDir, modules);
      for (const q of plan.downAfter) await qr.query(q);
      expect(await databaseDefinitions(qr)).toEqual(before);
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('keep every frozen version under the name of its fingerprint', () => {
    for (const f of readdirSync(FROZEN_DIR).filter((n) => n.endsWith('.sql'))) {
      const definition = normalizeDefinition(readFileSync(path.join(FROZEN_DIR, f), 'utf8'));
      expect(`${f.split('.')[0]}.${fingerprint(definition)}.sql`).toBe(f);
    }
  });

  it('change nothing in SqlFunctionsFromSource: it applies the definitions the earlier migrations left, up and down', async () => {
    const migration = ds.migrations.find((m) => m.name === 'SqlFunctionsFromSource1796347733308');
    if (!migration) throw new Error('SqlFunctionsFromSource migration not found');
    const applied = await ds.query<{ name: string }[]>(`SELECT name FROM migrations ORDER BY id DESC`);
    const steps = applied.findIndex((m) => m.name === migration.name) + 1;
    expect(steps).toBeGreaterThan(0);
    try {
      for (let i = 0; i < steps; i++) await ds.undoLastMigration({ transaction: 'each' });
      const before = await databaseDefinitions(ds);
      // Every source function except those later migrations create.
      const later = [
        'events_maintain',
        'events_append',
        'tenant_append_events',
        'tenant_webhook_dispatch',
        'tenant_webhook_record',
        'tenant_webhook_targets',
        'analytics_maintain',
        'analytics_rollup',
        'audit_append',
        'tenant_account_send_claim',
        'tenant_account_send_record',
        'tenant_slices',
      ];
      expect(before.map((d) => d.name).sort()).toEqual(
        SQL_FUNCTIONS.map((f) => f.name)
          .filter((n) => !later.includes(n))
          .sort(),
      );
      const qr = ds.createQueryRunner();
      await qr.startTransaction();
      try {
        await migration.up(qr);
        expect(await databaseDefinitions(qr)).toEqual(before);
        await migration.down(qr);
        expect(await databaseDefinitions(qr)).toEqual(before);
      } finally {
        await qr.rollbackTransaction();
        await qr.release();
      }
    } finally {
      await ds.runMigrations({ transaction: 'each' });
    }
    expect(await sqlFunctionDrift(ds)).toEqual({ extra: [], missing: [], changed: [] });
  });

  it('ship with the build: the build copies every source and frozen version to where the compiled code reads them', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.build).toMatch(/^tsc -p tsconfig\.build\.json && node scripts\/copy-sql\.mjs$/);
    const out = mkdtempSync(path.join(tmpdir(), 'tg-sql-build-'));
    try {
      execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'copy-sql.mjs'), out]);
      // Compiled, sql-functions.js sits in dist/server/src/modules/database and migrations in dist/migrations.
      for (const fn of SQL_FUNCTIONS)
        expect(existsSync(path.join(out, 'server', 'src', 'modules', fn.file))).toBe(true);
      expect(existsSync(path.join(out, 'migrations', 'sql-functions'))).toBe(true);
      for (const f of readdirSync(FROZEN_DIR).filter((n) => n.endsWith('.sql'))) {
        expect(existsSync(path.join(out, 'migrations', 'sql-functions', f))).toBe(true);
      }
      expect(existsSync(path.join(out, 'server', 'src', 'main.ts'))).toBe(false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
