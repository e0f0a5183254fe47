import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { TELEGRAM_WEBAPP_PUBLIC_KEYS } from '../../config/app-config';
import { botIdFromToken, checkInitData, hasValidHash, hasValidSignature } from './telegram-init-data';

/**
 * A real initData published in a public repository (GomenAmonai/CargoSaas,
 * test_telegram_validation.py), signed by Telegram for bot 8591035047 on
 * 2025-12-07: it carries both `hash` and the Ed25519 `signature`, so the
 * third-party check runs against Telegram's own production key. It is long
 * stale, so freshness is tested separately.
 */
const PUBLIC_VECTOR = {
  botId: '8591035047',
  authDate: 1765127072,
  userId: '6698369098',
  initData:
    'user=%7B%22id%22%3A6698369098%2C%22first_name%22%3A%22LL%22%2C%22last_name%22%3A%22%22%2C%22username%22%3A%22hikill8%22%2C%22language_code%22%3A%22ru%22%2C%22allows_write_to_pm%22%3Atrue%2C%22photo_url%22%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2Fi%5C%2Fuserpic%5C%2F320%5C%2FWv2Pan8AblvcXnRiYGifRMtzn8SiynLRMmeKIyWtl75-qbOEMAuzqnhDHrtjIIC1.svg%22%7D&chat_instance=-5471737045128434439&chat_type=sender&auth_date=1765127072&signature=Wn1Xo5OboCJ7X-KwCMsfhAp6okKjKMuoKKyYoYKskC9_F7h-5wIYoIlgA86kjFIZ3FKofmWXT0aTOmEl_fweDw&hash=20fe086cb18a6481d11f8fc5e16543e8e3bf28d3aaef970997e2bedbbd7277f5',
};

const BOT_TOKEN = '123456789:AAExampleExampleExampleExample12345';
const HOUR = 3600;

/** Built here step by step from Telegram's documented algorithm, not with the module's helpers. */
function signedByHash(fields: Record<string, string>, token = BOT_TOKEN): string {
  const dataCheck = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('\n');
  const secret = createHmac('sha256', 'WebAppData').update(token).digest();
  const hash = createHmac('sha256', secret).update(dataCheck).digest('hex');
  return new URLSearchParams({ ...fields, hash }).toString();
}

const userField = (id: number) => JSON.stringify({ id, first_name: 'Ada', username: 'ada' });

describe('Mini App initData', () => {
  describe("Telegram's published sample", () => {
    const params = new URLSearchParams(PUBLIC_VECTOR.initData);

    it("verifies the Ed25519 signature with Telegram's production key and the bot id", () => {
      expect(hasValidSignature(params, PUBLIC_VECTOR.botId, TELEGRAM_WEBAPP_PUBLIC_KEYS.production)).toBe(true);
    });

    it('rejects it for another bot id or with the test-environment key', () => {
      expect(hasValidSignature(params, '8591035048', TELEGRAM_WEBAPP_PUBLIC_KEYS.production)).toBe(false);
      expect(hasValidSignature(params, PUBLIC_VECTOR.botId, TELEGRAM_WEBAPP_PUBLIC_KEYS.test)).toBe(false);
    });

    it('rejects it with one character of the user changed', () => {
      const tampered = new URLSearchParams(PUBLIC_VECTOR.initData.replace('hikill8', 'hikill9'));
      expect(hasValidSignature(tampered, PUBLIC_VECTOR.botId, TELEGRAM_WEBAPP_PUBLIC_KEYS.production)).toBe(false);
    });

    it('accepts it as fresh at its own auth_date and as stale a day later', () => {
      const keys = { botId: PUBLIC_VECTOR.botId, publicKeyHex: TELEGRAM_WEBAPP_PUBLIC_KEYS.production };
      expect(checkInitData(PUBLIC_VECTOR.initData, keys, 86400, PUBLIC_VECTOR.authDate + 60)).toMatchObject({
        ok: true,
        user: { id: PUBLIC_VECTOR.userId, username: 'hikill8' },
      });
      expect(checkInitData(PUBLIC_VECTOR.initData, keys, 86400, PUBLIC_VECTOR.authDate + 86401)).toEqual({
        ok: false,
        reason: 'expired',
      });
    });
  });

  describe('the bot-token hash', () => {
    const now = 1_800_000_000;
    const fields = { auth_date: String(now - 60), query_id: 'AAHdF6IQAAAAAN0XohDhrOrc', user: userField(279058397) };

    it('accepts data signed with the bot token', () => {
      expect(
        checkInitData(signedByHash(fields), { botToken: BOT_TOKEN, publicKeyHex: '00'.repeat(32) }, HOUR, now),
      ).toMatchObject({
        ok: true,
        authDate: now - 60,
        user: { id: '279058397', username: 'ada' },
      });
    });

    it('rejects the same data with one character changed', () => {
      const tampered = signedByHash(fields).replace('Ada', 'Adb');
      expect(hasValidHash(new URLSearchParams(tampered), BOT_TOKEN)).toBe(false);
      expect(checkInitData(tampered, { botToken: BOT_TOKEN, publicKeyHex: '00'.repeat(32) }, HOUR, now)).toEqual({
        ok: false,
        reason: 'bad_signature',
      });
    });

    it("rejects data signed with another bot's token", () => {
      const other = signedByHash(fields, '987654321:AAOtherOtherOtherOtherOtherOther1234');
      expect(checkInitData(other, { botToken: BOT_TOKEN, publicKeyHex: '00'.repeat(32) }, HOUR, now).ok).toBe(false);
    });

    it('rejects stale data and data from the future', () => {
      const keys = { botToken: BOT_TOKEN, publicKeyHex: '00'.repeat(32) };
      const stale = signedByHash({ ...fields, auth_date: String(now - HOUR - 1) });
      const future = signedByHash({ ...fields, auth_date: String(now + 3600) });
      expect(checkInitData(stale, keys, HOUR, now)).toEqual({ ok: false, reason: 'expired' });
      expect(checkInitData(future, keys, HOUR, now)).toEqual({ ok: false, reason: 'expired' });
    });

    it('rejects authentic data without a user', () => {
      const noUser = signedByHash({ auth_date: String(now), query_id: 'x' });
      expect(checkInitData(noUser, { botToken: BOT_TOKEN, publicKeyHex: '00'.repeat(32) }, HOUR, now)).toEqual({
        ok: false,
        reason: 'malformed',
      });
    });
  });

  describe('the Ed25519 signature with a key of our own', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const publicKeyHex = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('hex');
    const now = 1_800_000_000;

    function signedBySignature(fields: Record<string, string>, botId: string): string {
      const dataCheck = Object.keys(fields)
        .sort()
        .map((k) => `${k}=${fields[k]}`)
        .join('\n');
      const signature = sign(null, Buffer.from(`${botId}:WebAppData\n${dataCheck}`), privateKey).toString('base64url');
      return new URLSearchParams({ ...fields, signature }).toString();
    }

    it('accepts a valid signature without any bot token', () => {
      const data = signedBySignature({ auth_date: String(now), user: userField(42) }, '123456789');
      expect(checkInitData(data, { botId: '123456789', publicKeyHex }, HOUR, now)).toMatchObject({
        ok: true,
        user: { id: '42' },
      });
    });

    it('rejects a signature with one character changed', () => {
      const data = signedBySignature({ auth_date: String(now), user: userField(42) }, '123456789');
      const sig = new URLSearchParams(data).get('signature') as string;
      const flipped = sig[0] === 'A' ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
      expect(checkInitData(data.replace(sig, flipped), { botId: '123456789', publicKeyHex }, HOUR, now).ok).toBe(false);
    });
  });

  it('reads the bot id from a bot token', () => {
    expect(botIdFromToken(BOT_TOKEN)).toBe('123456789');
    expect(botIdFromToken(undefined)).toBeUndefined();
  });
});
