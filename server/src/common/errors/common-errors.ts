import { defineDomainError } from './domain-error';

export enum CommonErrorCode {
  MalformedJson = 'MALFORMED_JSON',
  /** Not parseable as HTTP/1.1 at all (answered before any route, see client-error.ts). */
  MalformedRequest = 'MALFORMED_REQUEST',
  HeadersTooLarge = 'HEADERS_TOO_LARGE',
  RequestTimeout = 'REQUEST_TIMEOUT',
  ValidationFailed = 'VALIDATION_FAILED',
  NotFound = 'NOT_FOUND',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  Unauthorized = 'UNAUTHORIZED',
  Forbidden = 'FORBIDDEN',
  MethodNotAllowed = 'METHOD_NOT_ALLOWED',
  TooManyRequests = 'TOO_MANY_REQUESTS',
  Internal = 'INTERNAL',
  DatabaseUnavailable = 'DATABASE_UNAVAILABLE',
  RedisUnavailable = 'REDIS_UNAVAILABLE',
}

export const CommonError = defineDomainError<CommonErrorCode>('CommonError', {
  [CommonErrorCode.MalformedJson]: 400,
  [CommonErrorCode.MalformedRequest]: 400,
  [CommonErrorCode.HeadersTooLarge]: 431,
  [CommonErrorCode.RequestTimeout]: 408,
  [CommonErrorCode.ValidationFailed]: 400,
  [CommonErrorCode.NotFound]: 404,
  [CommonErrorCode.PayloadTooLarge]: 413,
  [CommonErrorCode.UnsupportedMediaType]: 415,
  [CommonErrorCode.Unauthorized]: 401,
  [CommonErrorCode.Forbidden]: 403,
  [CommonErrorCode.MethodNotAllowed]: 405,
  [CommonErrorCode.TooManyRequests]: 429,
  [CommonErrorCode.Internal]: 500,
  [CommonErrorCode.DatabaseUnavailable]: 503,
  [CommonErrorCode.RedisUnavailable]: 503,
});
