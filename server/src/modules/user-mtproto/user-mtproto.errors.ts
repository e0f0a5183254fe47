import { defineDomainError } from '../../common/errors/domain-error';

export enum UserMtprotoErrorCode {
  PhoneCodeInvalid = 'PHONE_CODE_INVALID',
  PhoneCodeExpired = 'PHONE_CODE_EXPIRED',
  PasswordInvalid = 'PASSWORD_INVALID',
  PhoneNumberInvalid = 'PHONE_NUMBER_INVALID',
  ApiCredentialsInvalid = 'API_CREDENTIALS_INVALID',
  LoginNotFound = 'LOGIN_NOT_FOUND',
  FloodWait = 'FLOOD_WAIT',
  NotConfigured = 'MTPROTO_NOT_CONFIGURED',
  TelegramUnavailable = 'TELEGRAM_UNAVAILABLE',
  TelegramRequestInvalid = 'TELEGRAM_REQUEST_INVALID',
  ChannelUnreachable = 'CHANNEL_UNREACHABLE',
  PeerNotFound = 'PEER_NOT_FOUND',
  PrivacyRestricted = 'PRIVACY_RESTRICTED',
  ChannelsTooMuch = 'CHANNELS_TOO_MUCH',
  IdempotencyKeyReused = 'IDEMPOTENCY_KEY_REUSED',
}

export const UserMtprotoError = defineDomainError<UserMtprotoErrorCode>('UserMtprotoError', {
  [UserMtprotoErrorCode.PhoneCodeInvalid]: 400,
  [UserMtprotoErrorCode.PhoneCodeExpired]: 400,
  [UserMtprotoErrorCode.PasswordInvalid]: 400,
  [UserMtprotoErrorCode.PhoneNumberInvalid]: 400,
  [UserMtprotoErrorCode.ApiCredentialsInvalid]: 400,
  [UserMtprotoErrorCode.LoginNotFound]: 404,
  [UserMtprotoErrorCode.FloodWait]: 429,
  [UserMtprotoErrorCode.NotConfigured]: 409,
  [UserMtprotoErrorCode.TelegramUnavailable]: 503,
  [UserMtprotoErrorCode.TelegramRequestInvalid]: 400,
  [UserMtprotoErrorCode.ChannelUnreachable]: 404,
  [UserMtprotoErrorCode.PeerNotFound]: 404,
  [UserMtprotoErrorCode.PrivacyRestricted]: 403,
  [UserMtprotoErrorCode.ChannelsTooMuch]: 409,
  [UserMtprotoErrorCode.IdempotencyKeyReused]: 409,
});
export type UserMtprotoError = InstanceType<typeof UserMtprotoError>;

export const isUserMtprotoCode = (code: string): code is UserMtprotoErrorCode =>
  (Object.values(UserMtprotoErrorCode) as string[]).includes(code);

export const floodWait = (seconds: number): UserMtprotoError =>
  new UserMtprotoError(
    UserMtprotoErrorCode.FloodWait,
    `Telegram asks to wait ${seconds} s before the next request on this account.`,
    { retry_after: seconds },
  );

export const telegramUnavailable = (why: string): UserMtprotoError =>
  new UserMtprotoError(
    UserMtprotoErrorCode.TelegramUnavailable,
    `Telegram is unreachable right now (${why}); try again.`,
  );

/** Telegram refused the request as invalid: a value the client sent, never an outage to retry. */
export const telegramRequestInvalid = (why: string): UserMtprotoError =>
  new UserMtprotoError(
    UserMtprotoErrorCode.TelegramRequestInvalid,
    `Telegram refused this request as invalid (${why}); check the values sent.`,
  );

export const notConfigured = (
  message = 'Connect a Telegram account first (POST /api/user-mtproto/setup).',
): UserMtprotoError => new UserMtprotoError(UserMtprotoErrorCode.NotConfigured, message);

export const loginNotFound = (): UserMtprotoError =>
  new UserMtprotoError(
    UserMtprotoErrorCode.LoginNotFound,
    'No pending login matches; start again with POST /api/user-mtproto/setup.',
  );
