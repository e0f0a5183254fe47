import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from 'pg';
import request from 'supertest';
import { DomainError } from '../src/common/errors/domain-error';
import { systemActor } from '../src/modules/audit/audit-actions';
import { CredentialsService } from '../src/modules/credentials/credentials.service';
import { UserRole } from '../src/modules/tenants/user.entity';
import { eventually } from './helpers/eventually';
import { startTestApp, TestApp } from './helpers/test-app';
import { newStaff, newTenant } from './factories/user.factory';

const run = promisify(execFile);

const SECRETS = {
  botToken: '7712345678:AAHk3j4k5l6m7n8o9p0qRsTuVwXyZ012345',
  telegramApiHash: '0123456789abcdef0123456789abcdef',
  telegramPhone: '+15557654321',
  sessionString: '1BAAOMTQ5LjE1NC4xNjcuNTEBu2sessionMaterialThatMustNeverLeak==',
  webhookSecret: 'whsec-5f0c1d2e3a4b5c6d7e8f',
};

/** Reads a row as the table owner, past row-level security, the way a stolen backup would. */
async function asOwner<T>(t: TestApp, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: t.db.url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe('credentials at rest', () => {
  let t: TestApp;
  let creds: CredentialsService;
  beforeAll(async () => {
    t = await startTestApp();
    creds = t.app.get(CredentialsService);
  });
  afterAll(async () => t?.close());

  it('round-trips every secret through the repository', async () => {
    const { user } = await newTenant(t);
    await creds.update(user.id, { ...SECRETS, botUsername: 'roundtrip_bot', botId: '7712345678' }, systemActor());
    expect(await creds.get(user.id)).toMatchObject({ ...SECRETS, botUsername: 'roundtrip_bot', tenantId: user.id });
  });

  it('leaves none of the token, api_hash, phone or session in a dump of every table', async () => {
    const { user } = await newTenant(t);
    await creds.update(user.id, SECRETS, { id: user.id, role: UserRole.Tenant, ip: '127.0.0.1' });
    const { stdout } = await run('pg_dump', ['--data-only', '--no-owner', t.db.url], { maxBuffer: 64 * 1024 * 1024 });
    expect(stdout).toContain(user.id);
    expect(stdout).toContain('v1:');
    for (const secret of [...Object.values(SECRETS), SECRETS.telegramPhone.slice(1), SECRETS.botToken.split(':')[1]]) {
      expect(stdout).not.toContain(secret);
    }
  });

  it('stores each value as v1:<key_id>:<base64> with a fresh nonce, even for equal plaintexts', async () => {
    const { user } = await newTenant(t);
    await creds.update(user.id, { botToken: SECRETS.botToken, webhookSecret: SECRETS.botToken }, systemActor());
    const row = await asOwner(
      t,
      async (c) =>
        (await c.query('SELECT bot_token, webhook_secret FROM user_bot_credentials WHERE user_id = $1', [user.id]))
          .rows[0],
    );
    expect(row.bot_token).toMatch(/^v1:dev1:[A-Za-z0-9+/]+=*$/);
    expect(row.bot_token).not.toBe(row.webhook_secret);
  });

  it("refuses to decrypt tenant A's ciphertext copied into tenant B's row, with a clear error", async () => {
    const a = await newTenant(t);
    const b = await newTenant(t);
    await creds.update(a.user.id, { botToken: SECRETS.botToken }, systemActor());
    await creds.update(b.user.id, { botToken: '7799999999:AAbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' }, systemActor());
    await asOwner(t, (c) =>
      c.query(
        `UPDATE user_bot_credentials SET bot_token = (SELECT bot_token FROM user_bot_credentials WHERE user_id = $1) WHERE user_id = $2`,
        [a.user.id, b.user.id],
      ),
    );
    creds.clearCache();
    const err = (await creds.get(b.user.id).catch((e: unknown) => e)) as DomainError;
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('DECRYPTION_FAILED');
    expect(err.message).toBe(
      `Cannot decrypt user_bot_credentials.bot_token of tenant ${b.user.id}: the value was not encrypted for this tenant and column, or it was altered.`,
    );
    expect(err.message).not.toContain(SECRETS.botToken);
    // Tenant A's own row is untouched and still decrypts.
    expect((await creds.get(a.user.id))?.botToken).toBe(SECRETS.botToken);
  });

  it('refuses to decrypt a ciphertext moved into another column of the same row', async () => {
    const { user } = await newTenant(t);
    await creds.update(
      user.id,
      { botToken: SECRETS.botToken, telegramApiHash: SECRETS.telegramApiHash },
      systemActor(),
    );
    await asOwner(t, (c) =>
      c.query(`UPDATE user_bot_credentials SET telegram_api_hash = bot_token WHERE user_id = $1`, [user.id]),
    );
    creds.clearCache();
    await expect(creds.get(user.id)).rejects.toMatchObject({
      code: 'DECRYPTION_FAILED',
      message: expect.stringContaining('user_bot_credentials.telegram_api_hash'),
    });
  });

  it('answers support with DECRYPTION_FAILED (never a secret) when a stored value was tampered with', async () => {
    const { user } = await newTenant(t);
    const staff = await newStaff(t, UserRole.Support);
    await creds.update(user.id, { telegramPhone: SECRETS.telegramPhone }, systemActor());
    await asOwner(t, (c) =>
      c.query(
        `UPDATE user_bot_credentials SET telegram_phone = overlay(telegram_phone placing 'AAAA' from 12 for 4) WHERE user_id = $1`,
        [user.id],
      ),
    );
    creds.clearCache();
    const res = await request(t.url).get(`/api/admin/tenants/${user.id}`).set(staff.headers).expect(500);
    expect(res.body.error.code).toBe('DECRYPTION_FAILED');
    expect(JSON.stringify(res.body)).not.toContain(SECRETS.telegramPhone);
  });

  it('drops the cached plaintext on every update', async () => {
    const { user } = await newTenant(t);
    await creds.update(user.id, { botToken: SECRETS.botToken }, systemActor());
    expect((await creds.get(user.id))?.botToken).toBe(SECRETS.botToken);
    await creds.update(user.id, { botToken: null }, systemActor());
    expect((await creds.get(user.id))?.botToken).toBeNull();
  });

  it('makes every pod drop its cached copy when another pod changes the row', async () => {
    const other = await startTestApp({ db: t.db, env: { ROLE: 'api', REDIS_PREFIX: t.config.redis.prefix } });
    try {
      const { user } = await newTenant(t);
      const theirs = other.app.get(CredentialsService);
      // The other pod read the tenant before the bot was connected, and would keep that copy a while.
      expect((await theirs.get(user.id))?.botToken ?? null).toBeNull();
      await creds.update(user.id, { botToken: SECRETS.botToken }, systemActor());
      expect(await eventually(async () => (await theirs.get(user.id))?.botToken ?? undefined)).toBe(SECRETS.botToken);
      await creds.setLimits(user.id, { rateLimitRps: 7, maxConcurrentRequests: 3 }, systemActor());
      expect(await eventually(async () => ((await theirs.get(user.id))?.rateLimitRps === 7 ? true : undefined))).toBe(
        true,
      );
    } finally {
      await other.close();
    }
  });

  it('refuses to connect a bot that another tenant already has, with 409 BOT_ALREADY_CONNECTED', async () => {
    const a = await newTenant(t);
    const b = await newTenant(t);
    await creds.update(a.user.id, { botId: '7712000001', botUsername: 'shared_bot' }, systemActor());
    await expect(creds.update(b.user.id, { botId: '7712000001' }, systemActor())).rejects.toMatchObject({
      code: 'BOT_ALREADY_CONNECTED',
      httpStatus: 409,
    });
  });

  it('finds the tenant of a bot through the audited admin path', async () => {
    const { user } = await newTenant(t);
    await creds.update(user.id, { botId: '7712000002' }, systemActor());
    expect(await creds.findTenantIdByBotId('7712000002', systemActor())).toBe(user.id);
    expect(await creds.findTenantIdByBotId('7712999999', systemActor())).toBeNull();
  });

  it('records which fields changed in the audit trail, never their values', async () => {
    const { user } = await newTenant(t);
    await creds.update(user.id, SECRETS, systemActor());
    const meta = await asOwner(
      t,
      async (c) =>
        (
          await c.query(
            `SELECT meta FROM audit_events WHERE tenant_id = $1 AND action = 'credentials.changed' ORDER BY id DESC LIMIT 1`,
            [user.id],
          )
        ).rows[0].meta,
    );
    expect(meta.fields).toEqual(
      expect.arrayContaining(['bot_token', 'telegram_api_hash', 'telegram_phone', 'session_string', 'webhook_secret']),
    );
    for (const secret of Object.values(SECRETS)) expect(JSON.stringify(meta)).not.toContain(secret);
  });

  it("stamps the account's last use on the tenant's own row and no other", async () => {
    const a = await newTenant(t);
    const b = await newTenant(t);
    await creds.update(a.user.id, { botUsername: 'touched_bot' }, systemActor());
    await creds.update(b.user.id, { botUsername: 'untouched_bot' }, systemActor());
    await creds.touchMtprotoLastUsed(a.user.id);
    const rows = await asOwner(
      t,
      async (c) =>
        (
          await c.query<{ user_id: string; stamped: boolean }>(
            'SELECT user_id, mtproto_last_used_at IS NOT NULL AS stamped FROM user_bot_credentials WHERE user_id = ANY($1)',
            [[a.user.id, b.user.id]],
          )
        ).rows,
    );
    expect(Object.fromEntries(rows.map((r) => [r.user_id, r.stamped]))).toEqual({
      [a.user.id]: true,
      [b.user.id]: false,
    });
  });
});
