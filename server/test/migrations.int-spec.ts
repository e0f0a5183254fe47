import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/modules/database/data-source-options';
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
        'channel_messages',
        'channel_stats',
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

  it('keep the audit log append-only', async () => {
    await ds.query(`INSERT INTO audit_events (action) VALUES ('probe')`);
    await expect(ds.query(`UPDATE audit_events SET action = 'changed'`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
  });
});
