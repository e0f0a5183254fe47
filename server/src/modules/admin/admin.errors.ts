import { defineDomainError } from '../../common/errors/domain-error';

export enum AdminErrorCode {
  QueueNotFound = 'QUEUE_NOT_FOUND',
  JobNotFound = 'JOB_NOT_FOUND',
  JobNotFailed = 'JOB_NOT_FAILED',
}

export const AdminError = defineDomainError<AdminErrorCode>('AdminError', {
  [AdminErrorCode.QueueNotFound]: 404,
  [AdminErrorCode.JobNotFound]: 404,
  [AdminErrorCode.JobNotFailed]: 409,
});
