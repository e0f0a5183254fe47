import { createHmac, createPublicKey, KeyObject, timingSafeEqual, verify } from 'node:crypto';

/**
 * Telegram Mini App initData, checked as Telegram documents it
 * (core.telegram.org/bots/webapps, "Validating data received via the Mini App"
 * and "Validating data for third-party use"):
 * - `hash` = hex(HMAC_SHA256(HMAC_SHA256("WebAppData", bot_token), data_check_string)),
 *   data_check_string = every field but `hash`, sorted by key, `key=value` joined by "\n";
 * - `signature` = base64url Ed25519 over `"<bot_id>:WebAppData\n" + data_check_string`
 *   without `hash` and `signature`, with Telegram's public key.
 */
export interface InitDataKeys {
  botToken?: string;
  botId?: string;
  publicKeyHex: string;
}

export interface TelegramWebAppUser {
  id: string;
  username?: string;
  first_name?: string;
}

export type InitDataResult =
  | { ok: true; user: TelegramWebAppUser; authDate: number }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

function dataCheckString(params: URLSearchParams, exclude: string[]): string {
  return [...params.entries()]
    .filter(([k]) => !exclude.includes(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

export function webAppSecretKey(botToken: string): Buffer {
  return createHmac('sha256', 'WebAppData').update(botToken).digest();
}

export function botIdFromToken(botToken: string | undefined): string | undefined {
  const m = botToken ? /^(\d+):/.exec(botToken) : null;
  return m ? m[1] : undefined;
}

const publicKeys = new Map<string, KeyObject>();
function ed25519Key(hex: string): KeyObject {
  let key = publicKeys.get(hex);
  if (!key) {
    key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(hex, 'hex').toString('base64url') },
      format: 'jwk',
    });
    publicKeys.set(hex, key);
  }
  return key;
}

export function hasValidHash(params: URLSearchParams, botToken: string): boolean {
  const hash = params.get('hash');
  if (!hash || !/^[0-9a-f]{64}$/i.test(hash)) return false;
  const expected = createHmac('sha256', webAppSecretKey(botToken))
    .update(dataCheckString(params, ['hash']))
    .digest();
  return timingSafeEqual(expected, Buffer.from(hash, 'hex'));
}

export function hasValidSignature(params: URLSearchParams, botId: string, publicKeyHex: string): boolean {
  const signature = params.get('signature');
  if (!signature || !/^[A-Za-z0-9_-]+={0,2}$/.test(signature)) return false;
  const sig = Buffer.from(signature, 'base64url');
  if (sig.length !== 64) return false;
  const message = `${botId}:WebAppData\n${dataCheckString(params, ['hash', 'signature'])}`;
  try {
    return verify(null, Buffer.from(message, 'utf8'), ed25519Key(publicKeyHex), sig);
  } catch {
    return false;
  }
}

/** Authentic (either check passes with the keys we have) and fresh (`auth_date` within maxAge). */
export function checkInitData(
  initData: string,
  keys: InitDataKeys,
  maxAgeSeconds: number,
  nowSeconds = Math.floor(Date.now() / 1000),
): InitDataResult {
  const params = new URLSearchParams(initData);
  if (params.getAll('hash').length > 1 || params.getAll('signature').length > 1)
    return { ok: false, reason: 'malformed' };
  const authentic =
    (keys.botToken !== undefined && hasValidHash(params, keys.botToken)) ||
    (keys.botId !== undefined && hasValidSignature(params, keys.botId, keys.publicKeyHex));
  if (!authentic) return { ok: false, reason: 'bad_signature' };

  const authDate = Number(params.get('auth_date'));
  if (!Number.isSafeInteger(authDate) || authDate <= 0) return { ok: false, reason: 'malformed' };
  // A little clock skew is tolerated; data from the future is not fresh data.
  if (nowSeconds - authDate > maxAgeSeconds || authDate - nowSeconds > 60) return { ok: false, reason: 'expired' };

  let user: unknown;
  try {
    user = JSON.parse(params.get('user') ?? 'null');
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const id = (user as { id?: unknown } | null)?.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) return { ok: false, reason: 'malformed' };
  const u = user as { username?: unknown; first_name?: unknown };
  return {
    ok: true,
    authDate,
    user: {
      id: String(id),
      username: typeof u.username === 'string' ? u.username : undefined,
      first_name: typeof u.first_name === 'string' ? u.first_name : undefined,
    },
  };
}
