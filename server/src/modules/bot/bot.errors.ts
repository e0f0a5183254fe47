import { defineDomainError } from '../../common/errors/domain-error';

export enum BotErrorCode {
  TokenInvalidFormat = 'BOT_TOKEN_INVALID_FORMAT',
  TokenRejected = 'BOT_TOKEN_REJECTED',
  TelegramUnavailable = 'TELEGRAM_UNAVAILABLE',
  BotNotConfigured = 'BOT_NOT_CONFIGURED',
  WebhookUnauthorized = 'UNAUTHORIZED',
  TelegramRefused = 'TELEGRAM_REFUSED',
}

export const BotError = defineDomainError<BotErrorCode>('BotError', {
  [BotErrorCode.TokenInvalidFormat]: 400,
  [BotErrorCode.TokenRejected]: 422,
  [BotErrorCode.TelegramUnavailable]: 503,
  [BotErrorCode.BotNotConfigured]: 409,
  [BotErrorCode.WebhookUnauthorized]: 401,
  [BotErrorCode.TelegramRefused]: 422,
});

export const botNotConfigured = (): InstanceType<typeof BotError> =>
  new BotError(
    BotErrorCode.BotNotConfigured,
    'Connect your bot first (PUT /api/user-bot with its token from @BotFather).',
  );

export const telegramUnavailable = (): InstanceType<typeof BotError> =>
  new BotError(BotErrorCode.TelegramUnavailable, 'Telegram could not be reached; try again shortly.');
