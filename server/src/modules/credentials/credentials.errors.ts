import { defineDomainError } from '../../common/errors/domain-error';

export enum CredentialsErrorCode {
  BotTaken = 'BOT_ALREADY_CONNECTED',
}

export const CredentialsError = defineDomainError<CredentialsErrorCode>('CredentialsError', {
  [CredentialsErrorCode.BotTaken]: 409,
});
