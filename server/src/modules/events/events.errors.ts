import { defineDomainError } from '../../common/errors/domain-error';

export enum EventsErrorCode {
  TooManyStreams = 'TOO_MANY_EVENT_STREAMS',
}

export const EventsError = defineDomainError<EventsErrorCode>('EventsError', {
  [EventsErrorCode.TooManyStreams]: 429,
});
