import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/data-source-options';

/** The server every test database is created on (its `postgres` database is the admin door). */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function urlForDatabase(name: string): string {
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** An empty database of its own for one spec file (or a copy of `template`); `drop()` removes it. */
export async function createEmptyDatabase(prefix = 'tg_test', template?: string): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`));
  return {
    name,
    url: urlForDatabase(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

async function migrate(url: string): Promise<void> {
  const ds = new DataSource(dataSourceOptions(url));
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}

/** A database of its own, built by running every migration on it (for specs about the migrations themselves). */
export async function createDatabaseByMigrations(prefix = 'tg_test'): Promise<TestDatabase> {
  const db = await createEmptyDatabase(prefix);
  await migrate(db.url);
  return db;
}

const REPO = path.join(__dirname, '..', '..', '..');
const SERVER_SRC = path.join(REPO, 'server', 'src');
const TEMPLATE_PREFIX = 'tg_tpl_';
/** Builds of the template run one at a time, whatever the number of Jest processes or checkouts. */
const TEMPLATE_LOCK_KEY = 'tenantgram test template';
/** Another checkout's run may still be copying its template for a while: only older ones are dropped. */
const STALE_TEMPLATE_MS = 30 * 60_000;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** What the migrations read: their folder, the SQL function sources and the code that applies them. */
function migrationInputs(): string[] {
  return [
    ...filesUnder(path.join(REPO, 'migrations')),
    ...filesUnder(path.join(SERVER_SRC, 'modules')).filter((f) => f.endsWith('.sql')),
    path.join(SERVER_SRC, 'modules', 'database', 'sql-functions.ts'),
    path.join(SERVER_SRC, 'data-source-options.ts'),
  ].sort();
}

/** The template's name: a digest of the names and contents of what the migrations read, so a stale one is never copied. */
export function migratedTemplateName(): string {
  const hash = createHash('sha256');
  for (const f of migrationInputs()) hash.update(`${path.relative(REPO, f)}\0`).update(readFileSync(f));
  return `${TEMPLATE_PREFIX}${hash.digest('hex').slice(0, 16)}`;
}

async function templateExists(c: Client, name: string): Promise<boolean> {
  const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return rowCount === 1;
}

async function dropDatabase(c: Client, name: string): Promise<void> {
  await c.query(`ALTER DATABASE "${name}" WITH IS_TEMPLATE false`);
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

/**
 * Builds the template under a scratch name and gives it its name only when every migration has run, so
 * a build cut short is never copied. Nobody may connect to it: a copy fails while anyone is connected.
 */
async function buildTemplate(c: Client, name: string): Promise<void> {
  const scratch = await createEmptyDatabase(`${name}_build`);
  try {
    await migrate(scratch.url);
    await c.query(`ALTER DATABASE "${scratch.name}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
    await c.query(`COMMENT ON DATABASE "${scratch.name}" IS '${new Date().toISOString()}'`);
    await c.query(`ALTER DATABASE "${scratch.name}" RENAME TO "${name}"`);
  } catch (err) {
    await dropDatabase(c, scratch.name);
    throw err;
  }
}

/**
 * Makes sure the migrated template for the current migrations exists; with `dropStale`, drops the
 * templates of other migrations (and builds cut short) older than a while.
 */
export async function ensureMigratedTemplate(options: { dropStale?: boolean } = {}): Promise<string> {
  const name = migratedTemplateName();
  return admin(async (c) => {
    if (!options.dropStale && (await templateExists(c, name))) return name;
    await c.query('SELECT pg_advisory_lock(hashtext($1))', [TEMPLATE_LOCK_KEY]);
    try {
      if (!(await templateExists(c, name))) await buildTemplate(c, name);
      if (options.dropStale) {
        const { rows } = await c.query<{ datname: string; built: string | null }>(
          `SELECT datname, shobj_description(oid, 'pg_database') AS built FROM pg_database
            WHERE starts_with(datname, $1) AND datname <> $2`,
          [TEMPLATE_PREFIX, name],
        );
        // Under the lock no build is under way: a scratch database (no build time) is a build cut short.
        const stale = rows.filter((r) => !(Date.now() - Date.parse(r.built ?? '') < STALE_TEMPLATE_MS));
        for (const r of stale) await dropDatabase(c, r.datname);
      }
      return name;
    } finally {
      await c.query('SELECT pg_advisory_unlock(hashtext($1))', [TEMPLATE_LOCK_KEY]);
    }
  });
}

let template: Promise<string> | undefined;

async function copyTemplate(prefix: string): Promise<TestDatabase> {
  template ??= ensureMigratedTemplate();
  try {
    return await createEmptyDatabase(prefix, await template);
  } catch (err) {
    template = undefined;
    throw err;
  }
}

/**
 * A database of its own with every migration applied: a copy of the migrated template (built once per
 * Jest run by its global setup, or here on first use), much cheaper than migrating each spec's database.
 */
export async function createMigratedDatabase(prefix = 'tg_test'): Promise<TestDatabase> {
  try {
    return await copyTemplate(prefix);
  } catch (err) {
    // A run on other migrations dropped the template (3D000): build it again, once.
    if ((err as { code?: string }).code !== '3D000') throw err;
    return copyTemplate(prefix);
  }
}

/** A Redis key prefix of its own, so spec files never see each other's queues or keys. */
export function uniqueRedisPrefix(): string {
  return `t${process.pid}${randomBytes(3).toString('hex')}`;
}
