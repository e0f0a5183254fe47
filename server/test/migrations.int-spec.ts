import { DataSource, QueryRunner } from 'typeorm';
import { dataSourceOptions } from '../src/data-source-options';
import { pendingSchemaChanges } from '../src/modules/database/schema-drift';
import { createEmptyDatabase, TestDatabase } from './helpers/test-database';

async function userTables(ds: DataSource): Promise<string[]> {
  const rows: { table_name: string }[] = await ds.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY 1`,
  );
  return rows.map((r) => r.table_name);
}

describe('migrations', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createEmptyDatabase('tg_mig');
    ds = new DataSource(dataSourceOptions(db.url));
    await ds.initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('go up, down to empty, and up again on a fresh database', async () => {
    const applied = await ds.runMigrations({ transaction: 'each' });
    expect(applied.length).toBeGreaterThan(0);
    expect(await userTables(ds)).toEqual(
      expect.arrayContaining([
        'users',
        'user_bot_credentials',
        'mtproto_logins',
        'channels',
        'posts',
        'channel_subscriber_samples',
        'post_view_samples',
        'channel_hourly_stats',
        'audit_events',
      ]),
    );
    for (let i = 0; i < applied.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    expect(await userTables(ds)).toEqual([]);
    const again = await ds.runMigrations({ transaction: 'each' });
    expect(again.map((m) => m.name)).toEqual(applied.map((m) => m.name));
  });

  it('agree with the entities: generating against a migrated database yields nothing', async () => {
    await ds.runMigrations({ transaction: 'each' });
    const { up } = await pendingSchemaChanges(ds);
    expect(up).toEqual([]);
  });

  it('take app.bypass_rls out of every row-level-security policy, tables of any migration included, and put it back on the way down', async () => {
    await ds.runMigrations({ transaction: 'each' });
    const migration = ds.migrations.find((m) => m.name === 'AdminRoleBypassPrivilege1795402000000');
    if (!migration) throw new Error('AdminRoleBypassPrivilege migration not found');
    const honouring = async (qr: QueryRunner): Promise<string[]> =>
      (
        (await qr.query(
          `SELECT tablename FROM pg_policies WHERE schemaname = 'public'
              AND coalesce(qual, '') || coalesce(with_check, '') LIKE '%app.bypass_rls%' ORDER BY 1`,
        )) as { tablename: string }[]
      ).map((r) => r.tablename);
    const qr = ds.createQueryRunner();
    await qr.startTransaction();
    try {
      expect(await honouring(qr)).toEqual([]);
      await migration.down(qr);
      expect(await honouring(qr)).toEqual(expect.arrayContaining(['channels', 'files', 'mtproto_logins', 'posts']));
      // A tenant table no list names, with the policy every tenant table used to get.
      await qr.query(`CREATE TABLE "probe_media" ("user_id" uuid NOT NULL)`);
      await qr.query(`ALTER TABLE "probe_media" ENABLE ROW LEVEL SECURITY`);
      await qr.query(
        `CREATE POLICY "tenant_isolation" ON "probe_media" USING ("user_id" = NULLIF(current_setting('app.user_id', true), '')::uuid OR current_setting('app.bypass_rls', true) = 'on')`,
      );
      await migration.up(qr);
      expect(await honouring(qr)).toEqual([]);
      const [probe] = (await qr.query(`SELECT qual FROM pg_policies WHERE tablename = 'probe_media'`)) as {
        qual: string;
      }[];
      expect(probe?.qual).toContain('app.user_id');
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
  });

  it('keep the audit log append-only', async () => {
    await ds.query(`INSERT INTO audit_events (action) VALUES ('probe')`);
    await expect(ds.query(`UPDATE audit_events SET action = 'changed'`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
  });
});
