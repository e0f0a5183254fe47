import { FloodWaitError, RPCError } from 'telegram/errors';
import {
  floodWait,
  notConfigured,
  telegramRequestInvalid,
  telegramUnavailable,
  UserMtprotoError,
  UserMtprotoErrorCode,
} from './user-mtproto.errors';

/**
 * Telegram's answers, in the two shapes the product knows: `toCallError` reduces whatever gramjs
 * threw to a TelegramCallError (the session adapter's one error type), and `toDomainError` turns
 * that into the API's error codes. Both live here so a gramjs upgrade, or a new Telegram error
 * name, is handled in one place.
 */

/** A Telegram answer, reduced to what the product decides on: the error name and, for FLOOD_WAIT, the seconds. */
export class TelegramCallError extends Error {
  constructor(
    /** Telegram's error name (`PHONE_CODE_INVALID`, `FLOOD_WAIT`, ...) or `NETWORK` when no answer came. */
    readonly errorName: string,
    readonly seconds?: number,
    /**
     * Telegram refused the request itself as malformed (an RPC error of the 400 kind), or it
     * could not even be serialized (a value outside its TL type): the caller's input, not an outage.
     */
    readonly invalid = false,
  ) {
    super(errorName === 'FLOOD_WAIT' ? `FLOOD_WAIT_${seconds ?? 0}` : errorName);
    this.name = 'TelegramCallError';
  }
}

/** Error names that mean the auth key is gone for good: reconnecting would only be refused again. */
export const DEAD_SESSION_ERRORS = new Set([
  'AUTH_KEY_UNREGISTERED',
  'SESSION_REVOKED',
  'AUTH_KEY_INVALID',
  'SESSION_EXPIRED',
  'USER_DEACTIVATED',
  'USER_DEACTIVATED_BAN',
]);

/** Whether Telegram declared the session's auth key dead (the stored session is then useless). */
export const isDeadSession = (err: unknown): err is TelegramCallError =>
  err instanceof TelegramCallError && DEAD_SESSION_ERRORS.has(err.errorName);

/** Node's answer when a number does not fit the TL type it is written as (e.g. an `int` past 2^31 - 1). */
const isSerializationError = (err: unknown): boolean =>
  err instanceof RangeError || (err as NodeJS.ErrnoException | null)?.code === 'ERR_OUT_OF_RANGE';

/** Whatever gramjs threw, as a TelegramCallError; anything that is not a Telegram answer is an outage (NETWORK). */
export function toCallError(err: unknown): TelegramCallError {
  if (err instanceof TelegramCallError) return err;
  if (err instanceof FloodWaitError) return new TelegramCallError('FLOOD_WAIT', err.seconds);
  if (err instanceof RPCError) {
    const name = err.errorMessage || 'RPC_ERROR';
    const flood = /^(?:FLOOD_WAIT|FLOOD_PREMIUM_WAIT|SLOWMODE_WAIT)_(\d+)$/.exec(name);
    if (flood) return new TelegramCallError('FLOOD_WAIT', Number(flood[1]));
    return new TelegramCallError(name, undefined, err.code === 400);
  }
  if (isSerializationError(err)) return new TelegramCallError('REQUEST_NOT_SERIALIZABLE', undefined, true);
  return new TelegramCallError('NETWORK');
}

/**
 * What the session was doing when Telegram answered: a `login` step (a pending login's own key:
 * codes, passwords and phone numbers are the user's input) or an `account` call with the stored
 * session (where a dead auth key means the account must be connected again).
 */
export type TelegramCallContext = 'login' | 'account';

export const phoneCodeExpired = (): UserMtprotoError =>
  new UserMtprotoError(
    UserMtprotoErrorCode.PhoneCodeExpired,
    'The login code has expired; run POST /api/user-mtproto/setup again to get a new one.',
  );

export const sessionRevoked = (): UserMtprotoError =>
  notConfigured('Telegram revoked this account session; connect the account again.');

/** The answers only a login step gets, as the API's error codes; undefined for any other name. */
function loginStepError(err: TelegramCallError): UserMtprotoError | undefined {
  switch (err.errorName) {
    case 'PHONE_CODE_INVALID':
    case 'PHONE_CODE_EMPTY':
      return new UserMtprotoError(
        UserMtprotoErrorCode.PhoneCodeInvalid,
        'The login code is wrong; check it and try again.',
      );
    case 'PHONE_CODE_EXPIRED':
      return phoneCodeExpired();
    case 'PASSWORD_HASH_INVALID':
      return new UserMtprotoError(UserMtprotoErrorCode.PasswordInvalid, 'The two-step verification password is wrong.');
    case 'PHONE_NUMBER_INVALID':
    case 'PHONE_NUMBER_BANNED':
    case 'PHONE_NUMBER_UNOCCUPIED':
    case 'PHONE_NUMBER_FLOOD':
      return new UserMtprotoError(
        UserMtprotoErrorCode.PhoneNumberInvalid,
        `Telegram refused this phone number (${err.errorName}).`,
      );
    case 'API_ID_INVALID':
    case 'API_ID_PUBLISHED_FLOOD':
      return new UserMtprotoError(
        UserMtprotoErrorCode.ApiCredentialsInvalid,
        'Telegram refused telegram_api_id / telegram_api_hash; copy them again from my.telegram.org.',
      );
    default:
      return undefined;
  }
}

/** What Telegram answers when the account acts on someone (a message, a channel, a contact), as the API's code. */
function accountActionError(err: TelegramCallError): UserMtprotoError | undefined {
  switch (err.errorName) {
    case 'PEER_ID_INVALID':
    case 'USERNAME_NOT_OCCUPIED':
    case 'USERNAME_INVALID':
    case 'USER_ID_INVALID':
    case 'CHANNEL_INVALID':
    case 'CHANNEL_PRIVATE':
      return new UserMtprotoError(
        UserMtprotoErrorCode.PeerNotFound,
        `The connected Telegram account cannot find this user or chat (${err.errorName}); check the username, phone or id.`,
      );
    case 'USER_PRIVACY_RESTRICTED':
    case 'CHAT_WRITE_FORBIDDEN':
    case 'CHAT_ADMIN_REQUIRED':
    case 'USER_IS_BLOCKED':
      return new UserMtprotoError(
        UserMtprotoErrorCode.PrivacyRestricted,
        `Telegram does not let the connected account write there (${err.errorName}).`,
      );
    case 'CHANNELS_TOO_MUCH':
    case 'CHANNELS_ADMIN_PUBLIC_TOO_MUCH':
      return new UserMtprotoError(
        UserMtprotoErrorCode.ChannelsTooMuch,
        'The connected account is in as many channels as Telegram allows; leave one first.',
      );
    default:
      return undefined;
  }
}

/**
 * Telegram's answer as the API's error code. The caller still acts on what the answer means
 * for its session (a dead one is cleared, a silent connection replaced); this only names it.
 */
export function toDomainError(err: TelegramCallError, during: TelegramCallContext): UserMtprotoError {
  if (during === 'login') {
    const login = loginStepError(err);
    if (login) return login;
  } else if (DEAD_SESSION_ERRORS.has(err.errorName)) {
    return sessionRevoked();
  } else {
    const action = accountActionError(err);
    if (action) return action;
  }
  if (err.errorName === 'FLOOD_WAIT') return floodWait(err.seconds ?? 0);
  if (err.errorName === 'NETWORK') return telegramUnavailable('no answer');
  return err.invalid ? telegramRequestInvalid(err.errorName) : telegramUnavailable(err.errorName);
}
