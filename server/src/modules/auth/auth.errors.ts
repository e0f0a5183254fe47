import { defineDomainError } from '../../common/errors/domain-error';

export enum AuthErrorCode {
  Unauthorized = 'UNAUTHORIZED',
  TokenExpired = 'TOKEN_EXPIRED',
  TokenInvalid = 'TOKEN_INVALID',
  InvalidCredentials = 'INVALID_CREDENTIALS',
  Forbidden = 'FORBIDDEN',
  TenantSuspended = 'TENANT_SUSPENDED',
  TooManyAttempts = 'TOO_MANY_ATTEMPTS',
  InitDataInvalid = 'INIT_DATA_INVALID',
  InitDataExpired = 'INIT_DATA_EXPIRED',
  WebAppLoginUnavailable = 'WEBAPP_LOGIN_UNAVAILABLE',
}

export const AuthError = defineDomainError<AuthErrorCode>('AuthError', {
  [AuthErrorCode.Unauthorized]: 401,
  [AuthErrorCode.TokenExpired]: 401,
  [AuthErrorCode.TokenInvalid]: 401,
  [AuthErrorCode.InvalidCredentials]: 401,
  [AuthErrorCode.Forbidden]: 403,
  [AuthErrorCode.TenantSuspended]: 403,
  [AuthErrorCode.TooManyAttempts]: 429,
  [AuthErrorCode.InitDataInvalid]: 401,
  [AuthErrorCode.InitDataExpired]: 401,
  [AuthErrorCode.WebAppLoginUnavailable]: 503,
});
