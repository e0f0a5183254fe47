import { defineDomainError } from '../../common/errors/domain-error';

export enum TenantsErrorCode {
  EmailTaken = 'EMAIL_TAKEN',
  TenantNotFound = 'NOT_FOUND',
  WeakPassword = 'WEAK_PASSWORD',
}

export const TenantsError = defineDomainError<TenantsErrorCode>('TenantsError', {
  [TenantsErrorCode.EmailTaken]: 409,
  [TenantsErrorCode.TenantNotFound]: 404,
  [TenantsErrorCode.WeakPassword]: 400,
});
