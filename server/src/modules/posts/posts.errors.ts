import { defineDomainError } from '../../common/errors/domain-error';

export enum PostsErrorCode {
  NotFound = 'NOT_FOUND',
  NotCancellable = 'POST_NOT_CANCELLABLE',
  Invalid = 'VALIDATION_FAILED',
  MediaQuotaExceeded = 'MEDIA_QUOTA_EXCEEDED',
}

export const PostsError = defineDomainError<PostsErrorCode>('PostsError', {
  [PostsErrorCode.NotFound]: 404,
  [PostsErrorCode.NotCancellable]: 409,
  [PostsErrorCode.Invalid]: 400,
  [PostsErrorCode.MediaQuotaExceeded]: 413,
});

export const postNotFound = (id: string): InstanceType<typeof PostsError> =>
  new PostsError(PostsErrorCode.NotFound, `Post ${id} not found.`);
