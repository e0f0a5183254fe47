import { defineDomainError } from '../../../common/errors/domain-error';

export enum CollectionErrorCode {
  Stopped = 'COLLECTION_STOPPED',
  BotCannotSeeChannel = 'BOT_CANNOT_SEE_CHANNEL',
}

export const CollectionError = defineDomainError<CollectionErrorCode>('CollectionError', {
  [CollectionErrorCode.Stopped]: 409,
  [CollectionErrorCode.BotCannotSeeChannel]: 409,
});
export type CollectionError = InstanceType<typeof CollectionError>;

const WHY: Record<string, string> = {
  session_revoked:
    'Telegram revoked the connected account session; connect the account again (POST /api/user-mtproto/setup).',
  account_not_connected: 'The Telegram account is not connected; finish connecting it (POST /api/user-mtproto/setup).',
  no_telegram_access: 'Neither a Telegram account nor a bot is connected; connect one to collect analytics.',
};

/** What a stopped collection's reason means for the tenant. */
export const reasonText = (reason: string | null): string =>
  (reason && WHY[reason]) ?? 'Collection is stopped for this channel.';

export const collectionStopped = (reason: string | null): CollectionError =>
  new CollectionError(CollectionErrorCode.Stopped, reasonText(reason), { reason });

export const botCannotSeeChannel = (telegramSays: string): CollectionError =>
  new CollectionError(
    CollectionErrorCode.BotCannotSeeChannel,
    `The bot cannot read this channel's member count (Telegram: ${telegramSays}); add the bot to the channel, or connect a Telegram account.`,
  );
