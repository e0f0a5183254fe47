import type { AppConfig } from '../../../config/app-config';
import type { CredentialsService, TenantCredentials } from '../../credentials/credentials.service';
import type { MtprotoClientFactory } from '../mtproto-client.factory';
import { TelegramCallError } from '../telegram-errors';
import { TelegramUserSession } from '../telegram-user-session';
import { UserMtprotoError } from '../user-mtproto.errors';
import type { MtprotoRateMeter } from './rate-meter';
import { MtprotoSessionOpener } from './session-opener';

const stored = { apiId: 1, apiHash: 'h', session: 's', limits: { rps: 5, maxConcurrent: 2 } };

function setup(slot: Promise<() => Promise<void>>) {
  const config = { mtproto: { poolMax: 10, floodSleepSeconds: 0 } } as unknown as AppConfig;
  const rate = { slot: jest.fn(() => slot) };
  const opener = new MtprotoSessionOpener(
    config,
    {} as MtprotoClientFactory,
    {} as CredentialsService,
    rate as unknown as MtprotoRateMeter,
  );
  return { opener, rate };
}

describe('MtprotoSessionOpener', () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers MTPROTO_NOT_CONFIGURED for a tenant without a verified stored session', () => {
    const { opener } = setup(Promise.resolve(() => Promise.resolve()));
    expect(() => opener.storedSession(null)).toThrow(UserMtprotoError);
    const unverified = { isMtprotoVerified: false, sessionString: 's', telegramApiId: 1, telegramApiHash: 'h' };
    expect(() => opener.storedSession(unverified as TenantCredentials)).toThrow(UserMtprotoError);
  });

  it('connects with the external keep-alive and hands over the first call slot', async () => {
    const session = { destroy: jest.fn() } as unknown as TelegramUserSession;
    const open = jest.spyOn(TelegramUserSession, 'open').mockResolvedValue(session);
    const release = jest.fn(() => Promise.resolve());
    const { opener, rate } = setup(Promise.resolve(release));
    const connected = await opener.connect('t', stored);
    expect(connected).toEqual({ session, slot: release });
    expect(open.mock.calls[0]?.[1]).toMatchObject({ apiId: 1, session: 's', keepAlive: 'external' });
    expect(rate.slot).toHaveBeenCalledWith('t', stored.limits);
  });

  it('backs off after Telegram did not answer, giving the slot back', async () => {
    jest.spyOn(TelegramUserSession, 'open').mockRejectedValue(new TelegramCallError('NETWORK'));
    const release = jest.fn(() => Promise.resolve());
    const { opener } = setup(Promise.resolve(release));
    await expect(opener.connect('t', stored)).rejects.toMatchObject({ code: 'TELEGRAM_UNAVAILABLE' });
    expect(release).toHaveBeenCalledTimes(1);
    expect(() => opener.assertNotBackingOff('t')).toThrow(/retrying shortly/);
    opener.opened('t');
    expect(() => opener.assertNotBackingOff('t')).not.toThrow();
  });

  it('passes other refusals on without backing off', async () => {
    const refused = new TelegramCallError('AUTH_KEY_UNREGISTERED');
    jest.spyOn(TelegramUserSession, 'open').mockRejectedValue(refused);
    const { opener } = setup(Promise.resolve(() => Promise.resolve()));
    await expect(opener.connect('t', stored)).rejects.toBe(refused);
    expect(() => opener.assertNotBackingOff('t')).not.toThrow();
  });

  it('closes the fresh client when the rate budget refused the first call', async () => {
    const session = { destroy: jest.fn(() => Promise.resolve()) } as unknown as TelegramUserSession;
    jest.spyOn(TelegramUserSession, 'open').mockResolvedValue(session);
    const limited = new Error('rate limited');
    const { opener } = setup(Promise.reject(limited));
    await expect(opener.connect('t', stored)).rejects.toBe(limited);
    expect(session.destroy).toHaveBeenCalledTimes(1);
  });
});
