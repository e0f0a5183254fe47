import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ADMIN_DATA_SOURCE } from '../src/modules/database/admin-data-source';
import { MtprotoLoginState } from '../src/modules/user-mtproto/mtproto-login.entity';
import { UserMtprotoHousekeeping } from '../src/modules/user-mtproto/user-mtproto.housekeeping';
import { newTenant } from './factories/user.factory';
import { eventually } from './helpers/eventually';
import { startTestApp, TestApp } from './helpers/test-app';
import { present } from './helpers/present';

jest.setTimeout(60000);

const RECEIPT_SECONDS = 120;

interface LoginRow {
  state: MtprotoLoginState;
  expiresAt: Date;
  updatedAt: Date;
}

/** A pending login row as the login service writes it (ciphertexts stand in for the sealed values). */
async function insertLogin(t: TestApp, row: LoginRow): Promise<string> {
  const tenant = await newTenant(t);
  const admin = t.app.get<DataSource>(getDataSourceToken(ADMIN_DATA_SOURCE));
  const [inserted] = await admin.query<{ id: string }[]>(
    `INSERT INTO mtproto_logins (user_id, flow, phone, phone_code_hash, pending_session, state, attempts, expires_at, updated_at)
     VALUES ($1, 'code', 'v1:x:sealed-phone', 'hash', 'v1:x:sealed-session', $2, 0, $3, $4) RETURNING id`,
    [tenant.user.id, row.state, row.expiresAt, row.updatedAt],
  );
  return present(inserted, 'the inserted login').id;
}

async function remaining(t: TestApp, ids: string[]): Promise<string[]> {
  const admin = t.app.get<DataSource>(getDataSourceToken(ADMIN_DATA_SOURCE));
  const rows = await admin.query<{ id: string }[]>('SELECT id FROM mtproto_logins WHERE id = ANY($1::uuid[])', [ids]);
  return rows.map((r) => r.id).sort();
}

describe('MTProto login housekeeping, triggered directly', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A long period: only the direct calls below delete anything while the rows are being written.
    t = await startTestApp({
      env: { MTPROTO_LOGIN_SWEEP_SECONDS: '3600', MTPROTO_LOGIN_RECEIPT_SECONDS: String(RECEIPT_SECONDS) },
    });
  });
  afterAll(async () => t?.close());

  it('deletes logins past their expiry and ended ones past their receipt, and keeps a live login', async () => {
    // The sweep runs "as of" this moment: the rows are placed around it, nobody waits.
    const now = new Date(Date.now() + 24 * 3600_000);
    const ago = (s: number) => new Date(now.getTime() - s * 1000);
    const ahead = (s: number) => new Date(now.getTime() + s * 1000);
    const live = await insertLogin(t, { state: MtprotoLoginState.CodeSent, expiresAt: ahead(300), updatedAt: ago(5) });
    const waitingForPassword = await insertLogin(t, {
      state: MtprotoLoginState.PasswordNeeded,
      expiresAt: ahead(60),
      updatedAt: ago(400),
    });
    const freshReceipt = await insertLogin(t, {
      state: MtprotoLoginState.Done,
      expiresAt: ahead(300),
      updatedAt: ago(RECEIPT_SECONDS - 10),
    });
    const pastExpiry = await insertLogin(t, {
      state: MtprotoLoginState.QrPending,
      expiresAt: ago(1),
      updatedAt: ago(60),
    });
    const finished = await insertLogin(t, {
      state: MtprotoLoginState.Done,
      expiresAt: ahead(300),
      updatedAt: ago(RECEIPT_SECONDS + 1),
    });
    const failed = await insertLogin(t, {
      state: MtprotoLoginState.Failed,
      expiresAt: ahead(300),
      updatedAt: ago(RECEIPT_SECONDS + 1),
    });
    const expired = await insertLogin(t, {
      state: MtprotoLoginState.Expired,
      expiresAt: ahead(300),
      updatedAt: ago(RECEIPT_SECONDS + 1),
    });
    const all = [live, waitingForPassword, freshReceipt, pastExpiry, finished, failed, expired];

    const result = await t.app.get(UserMtprotoHousekeeping).runPass(now);

    expect(result.deleted).toBeGreaterThanOrEqual(4);
    expect(await remaining(t, all)).toEqual([live, waitingForPassword, freshReceipt].sort());
  });

  it("forgets sends' idempotency keys older than 7 days, across tenants, and keeps younger ones", async () => {
    const now = new Date(Date.now() + 24 * 3600_000);
    const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
    const admin = t.app.get<DataSource>(getDataSourceToken(ADMIN_DATA_SOURCE));
    const keys: Record<string, string> = {};
    for (const [name, createdAt] of [
      ['old-a', daysAgo(7.01)],
      ['old-b', daysAgo(30)],
      ['young', daysAgo(6.99)],
    ] as const) {
      const tenant = await newTenant(t);
      keys[name] = tenant.user.id;
      await admin.query(
        `INSERT INTO mtproto_account_sends (user_id, idempotency_key, random_id, fingerprint, created_at)
         VALUES ($1, $2, 1, 'f', $3)`,
        [tenant.user.id, name, createdAt],
      );
    }

    const result = await t.app.get(UserMtprotoHousekeeping).runPass(now);

    expect(result.forgottenSendKeys).toBeGreaterThanOrEqual(2);
    const left = await admin.query<{ idempotency_key: string }[]>(
      'SELECT idempotency_key FROM mtproto_account_sends WHERE user_id = ANY($1::uuid[]) ORDER BY 1',
      [Object.values(keys)],
    );
    expect(left.map((r) => r.idempotency_key)).toEqual(['young']);
  });

  it('keeps a login just started through the API until it expires', async () => {
    const live = await insertLogin(t, {
      state: MtprotoLoginState.CodeSent,
      expiresAt: new Date(Date.now() + 600_000),
      updatedAt: new Date(),
    });
    await t.app.get(UserMtprotoHousekeeping).runPass();
    expect(await remaining(t, [live])).toEqual([live]);
    await t.app.get(UserMtprotoHousekeeping).runPass(new Date(Date.now() + 601_000));
    expect(await remaining(t, [live])).toEqual([]);
  });
});

describe('MTProto login housekeeping on its schedule', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { MTPROTO_LOGIN_SWEEP_SECONDS: '1', MTPROTO_LOGIN_RECEIPT_SECONDS: '0' } });
  });
  afterAll(async () => t?.close());

  it('removes expired, finished and failed logins in a worker without anyone asking, and keeps a live one', async () => {
    const now = Date.now();
    const live = await insertLogin(t, {
      state: MtprotoLoginState.CodeSent,
      expiresAt: new Date(now + 600_000),
      updatedAt: new Date(now),
    });
    const ended = [
      await insertLogin(t, {
        state: MtprotoLoginState.CodeSent,
        expiresAt: new Date(now - 1000),
        updatedAt: new Date(now),
      }),
      await insertLogin(t, {
        state: MtprotoLoginState.Done,
        expiresAt: new Date(now + 600_000),
        updatedAt: new Date(now),
      }),
      await insertLogin(t, {
        state: MtprotoLoginState.Failed,
        expiresAt: new Date(now + 600_000),
        updatedAt: new Date(now),
      }),
    ];
    await eventually(async () => (await remaining(t, ended)).length === 0);
    expect(await remaining(t, [live])).toEqual([live]);
  });
});
