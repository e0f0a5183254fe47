import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { HttpReply, HttpRequest } from './http-types';
import { DomainError } from '../errors/domain-error';
import { CommonErrorCode } from '../errors/common-errors';
import { outageOf } from '../errors/outage';

export interface ErrorBody {
  error: { code: string; message: string; [extra: string]: unknown };
}

const STATUS_CODES: Record<number, CommonErrorCode> = {
  400: CommonErrorCode.ValidationFailed,
  401: CommonErrorCode.Unauthorized,
  403: CommonErrorCode.Forbidden,
  404: CommonErrorCode.NotFound,
  405: CommonErrorCode.MethodNotAllowed,
  413: CommonErrorCode.PayloadTooLarge,
  415: CommonErrorCode.UnsupportedMediaType,
  429: CommonErrorCode.TooManyRequests,
};

/** What the filter reads of the request that failed. */
export interface FailedRequest {
  method?: string;
  /** The URL's path, without the query string (which may carry secrets). */
  path: string;
  id?: unknown;
}

/** What the filter reads of a request: its method, its path without the query string, its id. */
export function failedRequestOf(req: { method?: string; url?: string; id?: unknown }): FailedRequest {
  return { method: req.method, path: (req.url ?? '').split('?')[0] ?? '', id: req.id };
}

/** How long a client is told to wait before retrying during an outage of Postgres or Redis. */
const OUTAGE_RETRY_AFTER_SECONDS = 5;

/**
 * Maps every error to `{error: {code, message}}`. Domain errors keep their code
 * and status; framework errors get a stable code; Postgres or Redis being
 * unreachable is a 503 the client may retry (with an idempotency key, safely); anything else is a 500 with a
 * correlation id, logged in full, answered without a stack or any detail.
 */
@Catch()
export class GlobalExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    this.answer(exception, failedRequestOf(ctx.getRequest<HttpRequest>()), ctx.getResponse<HttpReply>());
  }

  /**
   * Answers `exception` on `reply`: what catch() does for a route, for the requests the router
   * refuses before any route too (app.factory's frameworkErrors). Nothing is written once a
   * response has started (a stream the handler took over).
   */
  answer(exception: unknown, req: FailedRequest, reply: HttpReply): void {
    const { status, body } = this.toResponse(exception, req);
    if (reply.raw.headersSent || reply.raw.writableEnded) return;
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    const retryAfter = body.error.retry_after;
    if (typeof retryAfter === 'number') headers['retry-after'] = String(Math.ceil(retryAfter));
    void reply.code(status).headers(headers).send(JSON.stringify(body));
  }

  toResponse(exception: unknown, req: FailedRequest): { status: number; body: ErrorBody } {
    if (exception instanceof DomainError) {
      const e = exception as DomainError<string>;
      return { status: e.httpStatus, body: { error: { code: e.code, message: e.message, ...e.details } } };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // The router's own 404 ("Cannot GET /x") gets a message that names the route.
      if (status === 404 && exception.message.startsWith('Cannot ')) {
        return this.plain(404, CommonErrorCode.NotFound, `No route for ${req.method} ${req.path}.`);
      }
      const code = STATUS_CODES[status];
      if (code && status < 500) {
        const response = exception.getResponse();
        const message =
          typeof response === 'object' && response !== null && 'message' in response
            ? String((response as { message: string | string[] }).message)
            : exception.message;
        return this.plain(status, code, message);
      }
    }
    const outage = outageOf(exception);
    if (outage) {
      this.logger.warn(`${req.method} ${req.path}: ${outage} unreachable: ${String((exception as Error).message)}`);
      const [code, what] =
        outage === 'postgres'
          ? [CommonErrorCode.DatabaseUnavailable, 'The database']
          : [CommonErrorCode.RedisUnavailable, 'The queue store (Redis)'];
      return {
        status: 503,
        body: {
          error: {
            code,
            message: `${what} is unreachable right now. Retry in a few seconds: a post retried with the same idempotency_key is never created twice.`,
            retry_after: OUTAGE_RETRY_AFTER_SECONDS,
          },
        },
      };
    }
    const requestId = (req as { id?: unknown }).id;
    const correlationId = typeof requestId === 'string' ? requestId : randomUUID();
    this.logger.error(
      { err: exception, correlation_id: correlationId, method: req.method, path: req.path },
      'Unhandled error',
    );
    return {
      status: 500,
      body: {
        error: {
          code: CommonErrorCode.Internal,
          message: `Something went wrong on our side. Quote correlation id ${correlationId} when you contact support.`,
          correlation_id: correlationId,
        },
      },
    };
  }

  private plain(status: number, code: string, message: string): { status: number; body: ErrorBody } {
    return { status, body: { error: { code, message } } };
  }
}
