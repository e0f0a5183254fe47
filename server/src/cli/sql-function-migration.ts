/* `npm run migration:sql-functions -- <Name>`: the migration that applies edited SQL function sources. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import {
  fingerprint,
  normalizeDefinition,
  planSqlFunctionMigration,
  SQL_FUNCTIONS,
  SQL_MODULES_DIR,
  sourceDefinition,
  type SqlFunctionMigrationPlan,
} from '../modules/database/sql-functions';

/** Where the frozen versions live, beside the migrations that name them. */
export const frozenDir = (migrationsDir: string): string => path.join(migrationsDir, 'sql-functions');

function freeze(migrationsDir: string, name: string, definition: string, why: string): string | null {
  const file = path.join(frozenDir(migrationsDir), `${name}.${fingerprint(definition)}.sql`);
  if (fs.existsSync(file)) return null;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    `-- Frozen: ${name} ${why}.\n` +
      `-- Never edit (its name is its fingerprint); the source is under server/src/modules.\n` +
      `${normalizeDefinition(definition)}\n`,
  );
  return file;
}

/** The fingerprints the migrations name (quoted 16-digit hex strings). */
function namedVersions(migrationsDir: string): Set<string> {
  const named = new Set<string>();
  for (const f of fs.readdirSync(migrationsDir).filter((n) => n.endsWith('.ts') || n.endsWith('.js'))) {
    for (const m of fs.readFileSync(path.join(migrationsDir, f), 'utf8').matchAll(/'([0-9a-f]{16})'/g))
      named.add(m[1] ?? '');
  }
  return named;
}

/**
 * Freezes the committed version of every source edited since the last commit when a migration
 * names it: that migration must still find it to run on a new database.
 */
export function freezeCommittedVersions(migrationsDir: string): string[] {
  const named = namedVersions(migrationsDir);
  const written: string[] = [];
  for (const fn of SQL_FUNCTIONS) {
    const rel = path.relative(process.cwd(), path.join(SQL_MODULES_DIR, fn.file)).split(path.sep).join('/');
    let committed: string;
    try {
      committed = execFileSync('git', ['show', `HEAD:./${rel}`], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      continue; // New since the last commit, or no git here: nothing written before can name it.
    }
    if (normalizeDefinition(committed) === sourceDefinition(fn) || !named.has(fingerprint(committed))) continue;
    const file = freeze(migrationsDir, fn.name, committed, 'as committed before its source changed');
    if (file) written.push(file);
  }
  return written;
}

function render(className: string, plan: SqlFunctionMigrationPlan): string {
  const versions = (v: Record<string, string>): string =>
    `{\n${Object.entries(v)
      .map(([name, version]) => `        ${name}: '${version}',`)
      .join('\n')}\n      }`;
  const apply = (v: Record<string, string>): string[] =>
    Object.keys(v).length ? [`    await applySqlFunctions(queryRunner, ${versions(v)}, FROZEN);`] : [];
  const statements = (qs: string[]): string[] => qs.map((q) => `    await queryRunner.query(\`${q}\`);`);
  return `import * as path from 'node:path';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { applySqlFunctions } from '../server/src/modules/database/sql-functions';

/** The frozen versions of SQL functions (README, "Changing a SQL function"). */
const FROZEN = path.join(__dirname, 'sql-functions');

export class ${className} implements MigrationInterface {
  name = '${className}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${[...apply(plan.up), ...statements(plan.upAfter)].join('\n')}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${[...statements(plan.downBefore), ...apply(plan.down), ...statements(plan.downAfter)].join('\n')}
  }
}
`;
}

/**
 * Writes the migration bringing the database's functions (migrations applied) to their sources, and
 * freezes the versions its down() restores. Answers the files written, none when they agree.
 */
export async function writeSqlFunctionMigration(
  ds: DataSource,
  name: string,
  migrationsDir: string,
): Promise<string[]> {
  const plan = await planSqlFunctionMigration(ds);
  if (Object.keys(plan.up).length + plan.upAfter.length === 0) return [];
  const written = plan.freeze
    .map((f) => freeze(migrationsDir, f.name, f.definition, `as the migrations before ${name} defined it`))
    .filter((f): f is string => f !== null);
  const ts = Date.now();
  const file = path.join(migrationsDir, `${ts}-${name}.ts`);
  // Laid out as the repository's formatter would (prettier is there wherever migrations are written).
  const prettier = await import('prettier');
  const text = render(`${name}${ts}`, plan);
  fs.writeFileSync(file, await prettier.format(text, { ...(await prettier.resolveConfig(file)), filepath: file }));
  return [...written, file];
}
