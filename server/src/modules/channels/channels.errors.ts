import { defineDomainError } from '../../common/errors/domain-error';

export enum ChannelsErrorCode {
  NotFound = 'NOT_FOUND',
  ChannelExists = 'CHANNEL_EXISTS',
  IdentityRequired = 'VALIDATION_FAILED',
}

export const ChannelsError = defineDomainError<ChannelsErrorCode>('ChannelsError', {
  [ChannelsErrorCode.NotFound]: 404,
  [ChannelsErrorCode.ChannelExists]: 409,
  [ChannelsErrorCode.IdentityRequired]: 400,
});

/** One message for a missing channel and another tenant's: the answer must not tell them apart. */
export const channelNotFound = (id: string): InstanceType<typeof ChannelsError> =>
  new ChannelsError(ChannelsErrorCode.NotFound, `Channel ${id} not found.`);
