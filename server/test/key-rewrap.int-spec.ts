import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { systemActor } from '../src/modules/audit/audit-actions';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { CryptoService } from '../src/modules/crypto/crypto.service';
import { KeyRewrapService } from '../src/modules/crypto/key-rewrap.service';
import { createMigratedDatabase, TestDatabase } from './helpers/test-database';
import { startTestApp, TestApp } from './helpers/test-app';
import { newTenant } from './factories/user.factory';
import { present } from './helpers/present';

const KEY1 = `1:${randomBytes(32).toString('base64')}`;
const KEY2 = `2:${randomBytes(32).toString('base64')}`;
const TENANTS = 7;

const tokenOf = (i: number): string => `77000000${i}:AA${String(i).repeat(33).slice(0, 33)}`;

async function ownerQuery<T>(db: TestDatabase, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

const keyIds = async (db: TestDatabase): Promise<string[]> =>
  (
    await ownerQuery<{ k: string }>(
      db,
      `SELECT DISTINCT split_part(v, ':', 2) AS k FROM (
         SELECT unnest(ARRAY[bot_token, telegram_api_hash, telegram_phone, session_string, webhook_secret]) AS v FROM user_bot_credentials
         UNION ALL SELECT unnest(ARRAY[phone, pending_session]) FROM mtproto_logins) s
       WHERE v IS NOT NULL ORDER BY 1`,
    )
  ).map((r) => r.k);

describe('keys:rewrap', () => {
  let db: TestDatabase;
  const apps: TestApp[] = [];
  const tenantIds: string[] = [];
  const tenantId = (i: number): string => present(tenantIds[i], `tenant ${i}`);
  let leftoverKey1Token = '';
  const start = async (env: Record<string, string>): Promise<TestApp> => {
    const app = await startTestApp({ db, env });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    db = await createMigratedDatabase();
    const old = await start({ ENCRYPTION_KEYS: KEY1 });
    const creds = old.app.get(CredentialsService);
    const crypto = old.app.get(CryptoService);
    for (let i = 0; i < TENANTS; i++) {
      const { user } = await newTenant(old);
      tenantIds.push(user.id);
      await creds.update(
        user.id,
        {
          botToken: tokenOf(i),
          telegramApiHash: `hash-${i}`,
          telegramPhone: `+1555000000${i}`,
          sessionString: `session-${i}`,
        },
        systemActor(),
      );
    }
    // A pending login, so the walk covers every table with encrypted columns.
    const place = (column: string) => ({ tenantId: tenantId(0), table: 'mtproto_logins', column });
    await ownerQuery(
      db,
      `INSERT INTO mtproto_logins (user_id, flow, phone, pending_session, state, expires_at)
       VALUES ($1, 'code', $2, $3, 'code_sent', now() + interval '5 minutes')`,
      [
        tenantId(0),
        crypto.encrypt('+15550000000', place('phone')),
        crypto.encrypt('pending-0', place('pending_session')),
      ],
    );
    const [leftover] = await ownerQuery<{ bot_token: string }>(
      db,
      'SELECT bot_token FROM user_bot_credentials WHERE user_id = $1',
      [tenantId(0)],
    );
    leftoverKey1Token = present(leftover, 'the bot credentials of tenant 0').bot_token;
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db.drop();
  });

  it('starts with every value under key 1', async () => {
    expect(await keyIds(db)).toEqual(['1']);
  });

  it('moves every row to key 2 in resumable batches while reads and writes keep working', async () => {
    const app = await start({ ENCRYPTION_KEYS: `${KEY1},${KEY2}`, ENCRYPTION_ACTIVE_KEY_ID: '2' });
    const rewrap = app.app.get(KeyRewrapService);
    const creds = app.app.get(CredentialsService);

    // A run that dies after its first batch leaves a mix of keys behind ...
    const crash = new Error('simulated crash');
    await expect(
      rewrap.rewrapAll({
        batchSize: 3,
        onBatch: () => {
          throw crash;
        },
      }),
    ).rejects.toBe(crash);
    expect(await keyIds(db)).toEqual(['1', '2']);

    // ... and reads keep working on both, while the next run finishes the job next to live traffic.
    let reads = 0;
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        for (const [i, id] of tenantIds.entries()) {
          creds.clearCache();
          expect((await creds.get(id))?.botToken).toBe(tokenOf(i));
          reads += 1;
        }
      }
    })();
    const writer = creds.update(tenantId(3), { webhookSecret: 'written-during-rewrap' }, systemActor());
    const report = await rewrap.rewrapAll({ batchSize: 2 });
    await writer;
    stop = true;
    await reader;

    expect(report.failures).toEqual([]);
    expect(report.rowsRewrapped).toBeGreaterThan(0);
    expect(reads).toBeGreaterThan(0);
    expect(await keyIds(db)).toEqual(['2']);
    creds.clearCache();
    for (const [i, id] of tenantIds.entries()) {
      expect(await creds.get(id)).toMatchObject({
        botToken: tokenOf(i),
        telegramPhone: `+1555000000${i}`,
        sessionString: `session-${i}`,
      });
    }
    expect((await creds.get(tenantId(3)))?.webhookSecret).toBe('written-during-rewrap');
  });

  it('does nothing on a second run (idempotent)', async () => {
    const app = present(apps.at(-1), 'the last started app');
    const report = await app.app.get(KeyRewrapService).rewrapAll({ batchSize: 2 });
    expect(report).toMatchObject({ rowsRewrapped: 0, valuesRewrapped: 0, failures: [] });
  });

  it('records each rewrap in the audit trail', async () => {
    const rows = await ownerQuery<{ meta: { active_key_id: string } }>(
      db,
      `SELECT meta FROM audit_events WHERE action = 'keys.rewrapped'`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.every((r) => r.meta.active_key_id === '2')).toBe(true);
  });

  it('fails a leftover key-1 value with KEY_RETIRED once the minimum key is 2, and reads the rest', async () => {
    const app = await start({
      ENCRYPTION_KEYS: `${KEY1},${KEY2}`,
      ENCRYPTION_ACTIVE_KEY_ID: '2',
      ENCRYPTION_MIN_KEY_ID: '2',
    });
    const creds = app.app.get(CredentialsService);
    expect((await creds.get(tenantId(1)))?.botToken).toBe(tokenOf(1));

    await ownerQuery(db, 'UPDATE user_bot_credentials SET bot_token = $1 WHERE user_id = $2', [
      leftoverKey1Token,
      tenantId(0),
    ]);
    await expect(creds.get(tenantId(0))).rejects.toMatchObject({
      code: 'KEY_RETIRED',
      message: expect.stringContaining('under key 1, which is retired'),
    });
    // The rewrap reports it rather than looping on it.
    const report = await app.app.get(KeyRewrapService).rewrapAll();
    expect(report.failures).toEqual([
      { table: 'user_bot_credentials', id: expect.any(String), column: 'bot_token', code: 'KEY_RETIRED' },
    ]);
  });
});
