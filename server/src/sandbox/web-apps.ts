import { createHmac, createPrivateKey, randomBytes, sign } from 'node:crypto';
import { menuButtonOf } from './bot-profile';
import type { PrivateMessage, SandboxBot, SandboxUser, SandboxWorld } from './world';

/**
 * Mini Apps (web apps): the signed `initData` Telegram hands a bot's Mini App when a user opens it, as
 * core.telegram.org/bots/webapps documents it. A URL-encoded query string of `query_id` (launches a bot may answer
 * with answerWebAppQuery: its menu button, an inline keyboard button, the attachment menu), `user` (JSON),
 * `chat_instance`/`chat_type`/`start_param` when the launch has them, `auth_date` (the world's clock), `signature`
 * and `hash`:
 * - data_check_string = every field but `hash` (and, for the signature, but `signature`), sorted by key, `key=value`
 *   joined by "\n";
 * - `hash` = hex(HMAC_SHA256(HMAC_SHA256("WebAppData", bot_token), data_check_string)) — it covers `signature`;
 * - `signature` = base64url Ed25519 over `"<bot_id>:WebAppData\n" + data_check_string` with the sandbox's key pair
 *   ({@link WEB_APP_PUBLIC_KEY_HEX}; Telegram's own public keys are of course not the sandbox's).
 * Nothing is kept in the world: the data is computed from the bot, the user and the launch.
 */

/**
 * The sandbox's Ed25519 key pair for `signature` (a fixed pair: a fake Telegram signs with a key anyone may read).
 * Third parties check the signature with the public key, as they check real Telegram's with Telegram's key.
 */
export const WEB_APP_PUBLIC_KEY_HEX = 'be8e6d9b8fe8925df7496c6a1945d9c59b34ed12d7970d1df0fa60ce9dd91edc';
const SIGNING_KEY = createPrivateKey({
  key: {
    kty: 'OKP',
    crv: 'Ed25519',
    d: 'KbcGVBprGsbMzv87pZQ6iK54Vda2r_EZ8Ambav1BMVY',
    x: Buffer.from(WEB_APP_PUBLIC_KEY_HEX, 'hex').toString('base64url'),
  },
  format: 'jwk',
});

/** A refusal worded as Telegram's servers word it (an MTProto error; the control API passes it on). */
export class WebAppError extends Error {
  constructor(readonly code: string) {
    super(code);
    this.name = 'WebAppError';
  }
}

/** Where and how the Mini App was opened: what its initData tells it beyond the user. */
export interface WebAppLaunch {
  /** A web view session the bot may answer (answerWebAppQuery): the MTProto `query_id` (a long). */
  queryId?: bigint;
  /** The chat it was opened from (a direct link, the attachment menu in another chat). */
  chat?: { type: 'sender' | 'private' | 'group' | 'supergroup' | 'channel'; id: number };
  startParam?: string;
}

/** A new MTProto web view query id: a positive long. */
export function newWebViewQueryId(): bigint {
  return randomBytes(8).readBigUInt64LE() & 0x7fffffffffffffffn || 1n;
}

/**
 * The initData `query_id` of a web view session: Telegram's are base64url strings such as
 * "AAHdF6IQAAAAAN0XohDhrOrc"; the sandbox's are shaped alike (two bytes, the user id, the session's long).
 */
export function queryIdString(userId: number, queryId: bigint): string {
  const bytes = Buffer.alloc(18);
  bytes.writeUInt16BE(1, 0);
  bytes.writeBigInt64LE(BigInt(userId), 2);
  bytes.writeBigInt64LE(BigInt.asIntN(64, queryId), 10);
  return bytes.toString('base64url');
}

/** `chat_instance`: a signed long, the same for every launch of the bot from one chat. */
function chatInstance(botId: number, chatId: number): string {
  const digest = createHmac('sha256', 'sandbox chat_instance').update(`${botId}:${chatId}`).digest();
  return digest.readBigInt64LE(0).toString();
}

/** The `user` field: the JSON Telegram writes (no photo_url: the sandbox serves no profile photo files). */
function userField(user: SandboxUser): string {
  return JSON.stringify({
    id: user.id,
    first_name: user.firstName,
    ...(user.lastName ? { last_name: user.lastName } : {}),
    ...(user.username ? { username: user.username } : {}),
    ...(user.languageCode ? { language_code: user.languageCode } : {}),
    allows_write_to_pm: true,
  });
}

const dataCheckString = (fields: [string, string][]): string =>
  [...fields]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');

/** The signed initData of one launch of the bot's Mini App by the user. */
export function buildInitData(world: SandboxWorld, bot: SandboxBot, user: SandboxUser, launch: WebAppLaunch): string {
  const fields: [string, string][] = [];
  if (launch.queryId !== undefined) fields.push(['query_id', queryIdString(user.id, launch.queryId)]);
  fields.push(['user', userField(user)]);
  if (launch.chat) {
    fields.push(['chat_instance', chatInstance(bot.id, launch.chat.id)]);
    fields.push(['chat_type', launch.chat.type]);
  }
  if (launch.startParam !== undefined) fields.push(['start_param', launch.startParam]);
  fields.push(['auth_date', String(world.unixNow())]);
  const signed = Buffer.from(`${bot.id}:WebAppData\n${dataCheckString(fields)}`, 'utf8');
  fields.push(['signature', sign(null, signed, SIGNING_KEY).toString('base64url')]);
  const secret = createHmac('sha256', 'WebAppData').update(bot.token).digest();
  fields.push(['hash', createHmac('sha256', secret).update(dataCheckString(fields)).digest('hex')]);
  return fields.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
}

/** `start_param` as Telegram takes it: up to 512 of A-Z, a-z, 0-9, _ and -. */
export function validStartParam(value: string): boolean {
  return /^[A-Za-z0-9_-]{1,512}$/.test(value);
}

/** A Mini App's address: http(s) only (Telegram opens no other scheme). */
export function validWebAppUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** The web app of the bot's menu button in the user's private chat with it, if the button opens one. */
export function menuWebAppUrl(world: SandboxWorld, bot: SandboxBot, user: SandboxUser): string | undefined {
  const button = menuButtonOf(world, bot.id, user.id);
  return button.type === 'web_app' ? button.url : undefined;
}

/** The Mini App version the sandbox's web views announce (`tgWebAppVersion`): Bot API 8.0's. */
export const WEB_APP_VERSION = '8.0';

/** What a client adds after `#` of the web app's address: the initData, the Mini App version, the platform. */
export interface WebAppFragment {
  initData: string;
  version: string;
  platform: string;
  /** The app's theme as the JSON it sent (theme_params). */
  themeParams?: string;
}

/** The address the app opens: the web app's own, then `#tgWebAppData=…&tgWebAppVersion=…&tgWebAppPlatform=…`. */
export function webAppUrl(base: string, f: WebAppFragment): string {
  const hash = base.indexOf('#');
  const withoutFragment = hash < 0 ? base : base.slice(0, hash);
  const parts = [
    `tgWebAppData=${encodeURIComponent(f.initData)}`,
    `tgWebAppVersion=${encodeURIComponent(f.version)}`,
    `tgWebAppPlatform=${encodeURIComponent(f.platform)}`,
  ];
  if (f.themeParams !== undefined) parts.push(`tgWebAppThemeParams=${encodeURIComponent(f.themeParams)}`);
  return `${withoutFragment}#${parts.join('&')}`;
}

/**
 * The web app a launch opens: the `url` asked for, else the bot's menu button web app. None: URL_INVALID (wording
 * guessed), and an address that is no http(s) URL: URL_INVALID.
 */
export function launchUrl(world: SandboxWorld, bot: SandboxBot, user: SandboxUser, url?: string): string {
  const chosen = url ?? menuWebAppUrl(world, bot, user);
  if (chosen === undefined || !validWebAppUrl(chosen)) throw new WebAppError('URL_INVALID'); // wording guessed
  return chosen;
}

/** The most a Mini App may send its bot at once (Telegram.WebApp.sendData: 4096 bytes). */
export const MAX_WEB_APP_DATA_BYTES = 4096;

/**
 * A keyboard button's Mini App sends its bot data (Telegram.WebApp.sendData, `messages.sendWebViewData`): the user
 * writes the bot a service message the bot reads as `web_app_data`. Refusals: DATA_INVALID for no data or more than
 * 4096 bytes, BUTTON_TEXT_INVALID for no button text (both wordings guessed).
 */
export function sendWebAppData(
  world: SandboxWorld,
  user: SandboxUser,
  bot: SandboxBot,
  buttonText: string,
  data: string,
): PrivateMessage {
  if (!data || Buffer.byteLength(data, 'utf8') > MAX_WEB_APP_DATA_BYTES) throw new WebAppError('DATA_INVALID'); // wording guessed
  if (!buttonText.trim()) throw new WebAppError('BUTTON_TEXT_INVALID'); // wording guessed
  return world.sendPrivateMessage({
    fromKind: 'user',
    fromId: user.id,
    toKind: 'bot',
    toId: bot.id,
    text: '',
    webAppData: { data, buttonText },
  });
}
