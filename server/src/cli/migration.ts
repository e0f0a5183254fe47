/* Migration commands: generate <Name> | sql-functions <Name> | run | revert. Uses DATABASE_MIGRATION_URL (the owner). */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config';
import { ensureDatabase } from '../modules/database/create-database';
import { dataSourceOptions } from '../data-source-options';
import { pendingSchemaChanges } from '../modules/database/schema-drift';
import { freezeCommittedVersions, writeSqlFunctionMigration } from './sql-function-migration';

const MIGRATIONS_DIR = path.resolve(__dirname, '..', '..', '..', 'migrations');

function render(className: string, up: string[], down: string[]): string {
  const literal = (q: string) => '`' + q.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${') + '`';
  const lines = (qs: string[]) => qs.map((q) => `    await queryRunner.query(${literal(q)});`).join('\n');
  return `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${lines(up)}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${lines(down)}
  }
}
`;
}

async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  const config = loadConfig();
  const url = config.database.migrationUrl;
  await ensureDatabase(url);
  const ds = new DataSource(dataSourceOptions(url));
  await ds.initialize();
  try {
    switch (command) {
      case 'run': {
        const done = await ds.runMigrations({ transaction: 'each' });
        process.stdout.write(
          done.length ? `Applied: ${done.map((m) => m.name).join(', ')}\n` : 'No pending migrations.\n',
        );
        break;
      }
      case 'revert':
        await ds.undoLastMigration({ transaction: 'each' });
        process.stdout.write('Reverted the last migration.\n');
        break;
      case 'generate': {
        if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) throw new Error('Usage: migration:generate <PascalCaseName>');
        await ds.runMigrations({ transaction: 'each' });
        const { up, down } = await pendingSchemaChanges(ds);
        if (up.length === 0) {
          process.stdout.write('Entities and migrations agree: nothing to generate.\n');
          break;
        }
        const ts = Date.now();
        const file = path.join(MIGRATIONS_DIR, `${ts}-${name}.ts`);
        fs.writeFileSync(file, render(`${name}${ts}`, up, down.reverse()));
        process.stdout.write(`Wrote ${path.relative(process.cwd(), file)}\n`);
        break;
      }
      case 'sql-functions': {
        if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
          throw new Error('Usage: migration:sql-functions <PascalCaseName>');
        }
        const frozen = freezeCommittedVersions(MIGRATIONS_DIR);
        await ds.runMigrations({ transaction: 'each' });
        const written = [...frozen, ...(await writeSqlFunctionMigration(ds, name, MIGRATIONS_DIR))];
        process.stdout.write(
          written.length
            ? written.map((f) => `Wrote ${path.relative(process.cwd(), f)}\n`).join('')
            : 'SQL functions and their sources agree: nothing to generate.\n',
        );
        break;
      }
      default:
        throw new Error('Usage: migration.ts generate <Name> | sql-functions <Name> | run | revert');
    }
  } finally {
    await ds.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
