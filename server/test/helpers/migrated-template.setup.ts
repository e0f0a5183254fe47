import { ensureMigratedTemplate } from './test-database';

/**
 * Jest global setup of the projects on real databases: migrates the template every spec's database is
 * copied from, once per run, before any spec starts, and drops the templates of older migrations.
 */
export default async function migratedTemplateSetup(): Promise<void> {
  await ensureMigratedTemplate({ dropStale: true });
}
