import { defineDomainError } from '../../common/errors/domain-error';

export enum WebhooksErrorCode {
  NotFound = 'NOT_FOUND',
  UrlForbidden = 'WEBHOOK_URL_FORBIDDEN',
  TooManyEndpoints = 'TOO_MANY_WEBHOOK_ENDPOINTS',
}

export const WebhooksError = defineDomainError<WebhooksErrorCode>('WebhooksError', {
  [WebhooksErrorCode.NotFound]: 404,
  [WebhooksErrorCode.UrlForbidden]: 400,
  [WebhooksErrorCode.TooManyEndpoints]: 409,
});

/** One answer for a missing endpoint and another tenant's: the two must not be told apart. */
export const endpointNotFound = (id: string): InstanceType<typeof WebhooksError> =>
  new WebhooksError(WebhooksErrorCode.NotFound, `Webhook endpoint ${id.slice(0, 64)} not found.`);
