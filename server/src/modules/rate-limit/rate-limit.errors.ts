import { defineDomainError } from '../../common/errors/domain-error';

export enum RateLimitErrorCode {
  RateLimited = 'RATE_LIMITED',
}

export const RateLimitErrorBase = defineDomainError<RateLimitErrorCode>('RateLimitError', {
  [RateLimitErrorCode.RateLimited]: 429,
});

/** The caller must wait `retryAfter` seconds; the body carries `retry_after`. */
export class RateLimitError extends RateLimitErrorBase {
  /** The wait in milliseconds, for callers that reschedule work more finely than retry_after's seconds. */
  readonly retryAfterMs: number;

  constructor(
    readonly retryAfter: number,
    message = `Too many requests; retry after ${retryAfter} s.`,
    retryAfterMs = retryAfter * 1000,
  ) {
    super(RateLimitErrorCode.RateLimited, message, { retry_after: retryAfter });
    this.retryAfterMs = retryAfterMs;
  }

  get httpStatus(): number {
    return 429;
  }
}
