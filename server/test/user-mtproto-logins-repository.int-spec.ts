import { MtprotoLoginFlow, MtprotoLoginState } from '../src/modules/user-mtproto/mtproto-login.entity';
import { MtprotoLoginsRepository, NewMtprotoLogin } from '../src/modules/user-mtproto/mtproto-logins.repository';
import { newTenant } from './factories/user.factory';
import { startTestApp, TestApp } from './helpers/test-app';

jest.setTimeout(60000);

const pending = (over: Partial<NewMtprotoLogin> = {}): NewMtprotoLogin => ({
  flow: MtprotoLoginFlow.Code,
  state: MtprotoLoginState.CodeSent,
  phone: 'v1:x:sealed-phone',
  phoneCodeHash: 'hash-1',
  pendingSession: 'v1:x:sealed-session',
  expiresAt: new Date(Date.now() + 600_000),
  ...over,
});

describe('MtprotoLoginsRepository', () => {
  let t: TestApp;
  let logins: MtprotoLoginsRepository;
  beforeAll(async () => {
    t = await startTestApp();
    logins = t.app.get(MtprotoLoginsRepository);
  });
  afterAll(async () => t?.close());

  it("keeps one login per tenant and never reaches another tenant's", async () => {
    const [a, b] = [await newTenant(t), await newTenant(t)];
    const first = await logins.transaction(a.user.id, (tx) => tx.replaceAll(pending()));
    const second = await logins.transaction(a.user.id, (tx) => tx.replaceAll(pending({ phoneCodeHash: 'hash-2' })));
    const foreign = await logins.transaction(b.user.id, (tx) => tx.replaceAll(pending()));

    expect(await logins.isTenants(a.user.id, first.id)).toBe(false);
    expect(await logins.isTenants(a.user.id, second.id)).toBe(true);
    expect(await logins.isTenants(a.user.id, foreign.id)).toBe(false);
    expect(await logins.isTenants(a.user.id, 'not-a-uuid')).toBe(false);
    expect(second).toMatchObject({ userId: a.user.id, attempts: 0 });

    await logins.transaction(a.user.id, async (tx) => {
      expect((await tx.lock(MtprotoLoginFlow.Code, { phoneCodeHash: 'hash-2' }))?.id).toBe(second.id);
      expect(await tx.lock(MtprotoLoginFlow.Code, { loginId: foreign.id })).toBeNull();
      expect(await tx.lock(MtprotoLoginFlow.Qr, { loginId: second.id })).toBeNull();
      expect(await tx.lock(MtprotoLoginFlow.Code, { loginId: 'not-a-uuid' })).toBeNull();
      expect(await tx.lock(MtprotoLoginFlow.Code, {})).toBeNull();
    });

    await logins.transaction(a.user.id, (tx) => tx.deleteAll());
    expect(await logins.isTenants(a.user.id, second.id)).toBe(false);
    expect(await logins.isTenants(b.user.id, foreign.id)).toBe(true);
  });

  it('writes back a locked login in the same transaction', async () => {
    const tenant = await newTenant(t);
    const row = await logins.transaction(tenant.user.id, (tx) => tx.replaceAll(pending()));
    await logins.transaction(tenant.user.id, async (tx) => {
      const login = await tx.lock(MtprotoLoginFlow.Code, { loginId: row.id });
      if (!login) throw new Error('the login was not found');
      login.attempts = 2;
      login.state = MtprotoLoginState.PasswordNeeded;
      await tx.save(login);
    });
    const again = await logins.transaction(tenant.user.id, (tx) => tx.lock(MtprotoLoginFlow.Code, { loginId: row.id }));
    expect(again).toMatchObject({ attempts: 2, state: MtprotoLoginState.PasswordNeeded });
  });
});
