import { DataSource, QueryRunner } from 'typeorm';
import { dataSourceOptions } from '../src/data-source-options';
import { pendingSchemaChanges } from '../src/modules/database/schema-drift';
import { createEmptyDatabase, TestDatabase } from './helpers/test-database';
import { rollupDisagreements, rollupHours } from './helpers/analytics-rollup';

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

  it('fill the hourly rollup of channel analytics from the samples stored before it, in partitions of their months', async () => {
    await ds.runMigrations({ transaction: 'each' });
    const rollup = 'ChannelHourlyStats1796740000000';
    const applied = async (): Promise<boolean> =>
      (await ds.query<unknown[]>(`SELECT 1 FROM migrations WHERE name = $1`, [rollup])).length > 0;
    while (await applied()) await ds.undoLastMigration({ transaction: 'each' });
    // October has a partition, November's samples sit in the default one. Three posts, each sampled every 25
    // minutes 100 times, gaining 7 views times its number each time.
    await ds.query(`SELECT * FROM analytics_maintain(400, 0, '2026-10-15T00:00:00Z')`);
    const [user] = await ds.query<{ id: string }[]>(
      `INSERT INTO users (email) VALUES ('rollup-backfill@example.test') RETURNING id`,
    );
    const [channel] = await ds.query<{ id: string }[]>(
      `INSERT INTO channels (user_id, telegram_id) VALUES ($1, 1) RETURNING id`,
      [user?.id],
    );
    const channelId = channel?.id ?? '';
    await ds.query(
      `INSERT INTO post_view_samples (user_id, channel_id, message_id, posted_at, sampled_at, views, forwards,
              reactions, views_gained, forwards_gained, reactions_gained, first_sample)
       SELECT $1, $2, p, x.posted_at, x.posted_at + k * interval '25 minutes', k * p * 7, k * p, k, p * 7, p, 1, k = 1
         FROM generate_series(1, 3) p CROSS JOIN generate_series(1, 100) k
        CROSS JOIN LATERAL (SELECT '2026-10-30T20:00:00Z'::timestamptz + (p - 1) * interval '5 hours' AS posted_at) x`,
      [user?.id, channelId],
    );
    await ds.runMigrations({ transaction: 'each' });
    expect(await applied()).toBe(true);
    const parts = await ds.query<{ name: string }[]>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'channel_hourly_stats'::regclass`,
    );
    expect(parts.map((r) => r.name)).toEqual(expect.arrayContaining(['channel_hourly_stats_p202610']));
    expect(await rollupDisagreements({ db }, channelId)).toEqual([]);
    expect(await rollupHours({ db }, channelId)).toBe(52);
  });
});
