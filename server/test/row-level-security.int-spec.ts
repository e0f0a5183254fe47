import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { systemActor } from '../src/modules/audit/audit-actions';
import { Channel } from '../src/modules/channels/channel.entity';
import { BotOwnerLookup } from '../src/modules/bot/bot-owner.lookup';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { UserBotCredentials } from '../src/modules/credentials/user-bot-credentials.entity';
import { ADMIN_DATA_SOURCE } from '../src/modules/database/admin-data-source';
import { AdminDb } from '../src/modules/audit/admin-db';
import { TenantDb } from '../src/modules/database/tenant-db';
import { ADMIN_DB_ROLE, APP_DB_ROLE, resolveAdminRole, resolveRuntimeRole } from '../src/modules/database/runtime-role';
import { startTestApp, testConfig, TestApp } from './helpers/test-app';
import { TEST_PG_URL, urlForDatabase } from './helpers/test-database';
import { newTenant } from './factories/user.factory';
import { newChannel } from './factories/channel.factory';
import { newPost } from './factories/post.factory';

/** Tables that must carry row-level security: every table with a tenant column. */
async function tenantTables(ds: DataSource): Promise<{ table: string; rls: boolean; forced: boolean }[]> {
  return ds.query(
    `SELECT c.relname AS "table", c.relrowsecurity AS rls, c.relforcerowsecurity AS forced
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r'
        AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped)
      ORDER BY 1`,
  );
}

describe('row-level security through the runtime role', () => {
  let t: TestApp;
  let ds: DataSource;
  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.get(DataSource);
  });
  afterAll(async () => t?.close());

  it('runs the app as the restricted role: no superuser, no BYPASSRLS, owner of nothing', async () => {
    const [me] = await ds.query(
      `SELECT current_user AS "user", r.rolsuper AS super, r.rolbypassrls AS bypass,
              (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid) AS owned
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    expect(me).toEqual({ user: APP_DB_ROLE, super: false, bypass: false, owned: 0 });
  });

  it('enables and forces row-level security on every table with a user_id column', async () => {
    const tables = await tenantTables(ds);
    expect(tables.map((r) => r.table)).toEqual(
      expect.arrayContaining([
        'channel_subscriber_samples_default',
        'channels',
        'mtproto_logins',
        'posts',
        'refresh_tokens',
        'user_bot_credentials',
      ]),
    );
    expect(tables.filter((r) => !r.rls || !r.forced)).toEqual([]);
  });

  it('returns no foreign rows to a query that forgets the tenant filter', async () => {
    const a = await newTenant(t);
    const b = await newTenant(t);
    const mine = await newChannel(t, a.user.id, { title: 'A channel' });
    await newChannel(t, b.user.id, { title: 'B channel' });
    await t.app.get(CredentialsService).update(b.user.id, { botUsername: 'b_bot' }, systemActor());

    const seen = await t.app.get(TenantDb).run(a.user.id, async (em) => ({
      channels: await em.query<{ id: string }[]>('SELECT id FROM channels'),
      viaOrm: await em.getRepository(Channel).find(),
      credentials: await em.query<unknown[]>('SELECT * FROM user_bot_credentials'),
    }));
    expect(seen.channels.map((r) => r.id)).toEqual([mine.id]);
    expect(seen.viaOrm.map((c) => c.id)).toEqual([mine.id]);
    expect(seen.credentials).toEqual([]);
  });

  it('reads credentials in one statement through tenant_credentials(), scoped to that tenant only', async () => {
    const a = await newTenant(t);
    const b = await newTenant(t);
    const creds = t.app.get(CredentialsService);
    await creds.update(a.user.id, { botUsername: 'a_scoped_bot' }, systemActor());
    await creds.update(b.user.id, { botUsername: 'b_scoped_bot' }, systemActor());

    const rows = await t.app.get(TenantDb).readScoped(a.user.id, UserBotCredentials, 'tenant_credentials');
    expect(rows.map((r) => [r.userId, r.botUsername])).toEqual([[a.user.id, 'a_scoped_bot']]);
    // The scope lives only in that statement's transaction: nothing leaks into the next one.
    expect(await ds.query('SELECT user_id FROM user_bot_credentials')).toEqual([]);
    const fresh = await creds.get(b.user.id);
    expect(fresh?.botUsername).toBe('b_scoped_bot');
  });

  it('returns nothing at all outside a tenant scope', async () => {
    const a = await newTenant(t);
    await newChannel(t, a.user.id);
    expect(await ds.query('SELECT id FROM channels')).toEqual([]);
    expect(await ds.getRepository(Channel).count()).toBe(0);
  });

  it("refuses to write a row into another tenant's name", async () => {
    const a = await newTenant(t);
    const b = await newTenant(t);
    await expect(
      t.app
        .get(TenantDb)
        .run(a.user.id, (em) =>
          em.getRepository(Channel).insert({ userId: b.user.id, telegramId: '-1009', title: 'x' }),
        ),
    ).rejects.toThrow(/row-level security/);
  });

  it("cannot change or delete another tenant's rows", async () => {
    const a = await newTenant(t);
    const b = await newTenant(t);
    const theirs = await newChannel(t, b.user.id, { title: 'untouched' });
    const result = await t.app.get(TenantDb).run(a.user.id, async (em) => ({
      updated: await em.getRepository(Channel).update({ id: theirs.id }, { title: 'hijacked' }),
      deleted: await em.getRepository(Channel).delete({ id: theirs.id }),
    }));
    expect(result.updated.affected).toBe(0);
    expect(result.deleted.affected).toBe(0);
    const still = await t.app
      .get(TenantDb)
      .run(b.user.id, (em) => em.getRepository(Channel).findOneByOrFail({ id: theirs.id }));
    expect(still.title).toBe('untouched');
  });

  it('sees every tenant through AdminDb, and records who asked and why', async () => {
    const a = await newTenant(t);
    const b = await newTenant(t);
    await newChannel(t, a.user.id);
    await newChannel(t, b.user.id);
    const actor = { id: null, role: 'system' as const };
    const owners = await t.app
      .get(AdminDb)
      .run(actor, 'integration test: count channels', (em) =>
        em.query<{ user_id: string }[]>('SELECT DISTINCT user_id FROM channels'),
      );
    expect(owners.map((r) => r.user_id)).toEqual(expect.arrayContaining([a.user.id, b.user.id]));
    const [event] = await ds.query(
      `SELECT actor_role, meta FROM audit_events WHERE action = 'admin.data_access' AND meta->>'reason' = 'integration test: count channels'`,
    );
    expect(event).toEqual({ actor_role: 'system', meta: { reason: 'integration test: count channels' } });
    // The bypass ends with its transaction.
    expect(await ds.query('SELECT id FROM channels')).toEqual([]);
  });

  it('ignores app.bypass_rls and any other variable: the app role still sees exactly its own tenant', async () => {
    const a = await newTenant(t);
    const b = await newTenant(t);
    const mine = await newChannel(t, a.user.id);
    await newChannel(t, b.user.id);
    const seen = await t.app.get(TenantDb).run(a.user.id, async (em) => {
      await em.query(`SELECT set_config('app.bypass_rls', 'on', true)`);
      await em.query(`SELECT set_config('app.bypass', 'on', true), set_config('app.admin', 'true', true)`);
      return em.query<{ id: string; user_id: string }[]>('SELECT id, user_id FROM channels');
    });
    expect(seen).toEqual([{ id: mine.id, user_id: a.user.id }]);
    // Without a tenant, the setting opens nothing either, even set for the whole session.
    const outside = await ds.transaction(async (em) => {
      await em.query(`SELECT set_config('app.bypass_rls', 'on', true)`);
      return em.query<unknown[]>('SELECT id FROM channels');
    });
    expect(outside).toEqual([]);
  });

  it('keeps no policy that honours app.bypass_rls', async () => {
    const honouring = await ds.query(
      `SELECT tablename, policyname FROM pg_policies
        WHERE coalesce(qual, '') || coalesce(with_check, '') LIKE '%bypass%'`,
    );
    expect(honouring).toEqual([]);
  });

  it('runs the admin pool as the BYPASSRLS role, which owns nothing and is no superuser', async () => {
    const adminDs = t.app.get<DataSource>(getDataSourceToken(ADMIN_DATA_SOURCE));
    const [me] = await adminDs.query(
      `SELECT current_user AS "user", r.rolsuper AS super, r.rolbypassrls AS bypass,
              (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid) AS owned
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    expect(me).toEqual({ user: ADMIN_DB_ROLE, super: false, bypass: true, owned: 0 });
    const a = await newTenant(t);
    const b = await newTenant(t);
    await newChannel(t, a.user.id);
    await newChannel(t, b.user.id);
    const owners = await adminDs.query<{ user_id: string }[]>('SELECT DISTINCT user_id FROM channels');
    expect(owners.map((r) => r.user_id)).toEqual(expect.arrayContaining([a.user.id, b.user.id]));
  });

  it('answers the system lookups on the admin pool, and refuses them to the app role', async () => {
    const a = await newTenant(t);
    const botId = String(7_000_000_000 + Math.floor(Math.random() * 1e9));
    await t.app
      .get(CredentialsService)
      .update(a.user.id, { botId, botToken: `${botId}:${'x'.repeat(35)}` }, systemActor());
    expect(await t.app.get(BotOwnerLookup).find(botId)).toEqual({ tenantId: a.user.id, status: 'active' });

    const channel = await newChannel(t, a.user.id);
    await newPost(t, a.user.id, channel.id, { text: 'due now', scheduledAt: new Date(Date.now() - 60_000) });
    const adminDs = t.app.get<DataSource>(getDataSourceToken(ADMIN_DATA_SOURCE));
    const due = await adminDs.query<{ user_id: string; channel_id: string }[]>(
      'SELECT user_id, channel_id FROM tg_due_post_channels(1000)',
    );
    expect(due).toContainEqual({ user_id: a.user.id, channel_id: channel.id });

    await expect(ds.query('SELECT * FROM tg_bot_owner($1::bigint)', [botId])).rejects.toThrow(/permission denied/);
    await expect(ds.query('SELECT * FROM tg_due_post_channels(10)')).rejects.toThrow(/permission denied/);
  });

  it('keeps the audit trail append-only for the app role', async () => {
    await expect(ds.query(`UPDATE audit_events SET action = 'x'`)).rejects.toThrow(/permission denied/);
    await expect(ds.query(`DELETE FROM audit_events`)).rejects.toThrow(/permission denied/);
  });
});

describe('runtime role choice', () => {
  const loginRole = `tg_test_bypass_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string): Promise<void> => {
    const c = new Client({ connectionString: TEST_PG_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  const url = (user: string): string => {
    const u = new URL(urlForDatabase('postgres'));
    u.username = user;
    return u.toString();
  };
  const quiet = { warn: jest.fn() } as unknown as Logger;

  beforeAll(() => admin(`CREATE ROLE "${loginRole}" LOGIN BYPASSRLS`));
  afterAll(() => admin(`DROP ROLE IF EXISTS "${loginRole}"`));

  it('switches a superuser connection to the restricted role', async () => {
    const config = testConfig({ DATABASE_URL: url('postgres') });
    expect(await resolveRuntimeRole(config, quiet)).toEqual({ options: `-c role=${APP_DB_ROLE}` });
  });

  it('refuses in production a BYPASSRLS user that cannot switch to the restricted role', async () => {
    const config = { ...testConfig({ DATABASE_URL: url(loginRole) }), env: 'production' as never };
    await expect(resolveRuntimeRole(config, quiet)).rejects.toThrow(/bypasses row-level security.*Production refuses/);
  });

  it('starts admin-pool connections of a superuser as the BYPASSRLS role', async () => {
    const config = testConfig({ DATABASE_URL: url('postgres') });
    expect(await resolveAdminRole(config, quiet)).toEqual({ options: `-c role=${ADMIN_DB_ROLE}` });
  });

  it('refuses in production an admin database user that cannot become the BYPASSRLS role', async () => {
    const config = { ...testConfig({ ADMIN_DATABASE_URL: url(loginRole) }), env: 'production' as never };
    await expect(resolveAdminRole(config, quiet)).rejects.toThrow(
      /cannot switch to tenantgram_admin.*Production refuses/,
    );
  });

  it('runs such a user in development, but says loudly that row-level security is off', async () => {
    const warn = jest.fn();
    const config = testConfig({ DATABASE_URL: url(loginRole) });
    expect(await resolveRuntimeRole(config, { warn } as unknown as Logger)).toEqual({});
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('Running without row-level security'));
  });
});
