import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { json, urlencoded } from 'express';
import { CommonError, CommonErrorCode } from '../errors/common-errors';
import { inspectInput, validationFailed } from './input-shape';

interface ParserError extends Error {
  type?: string;
}

/** Body-parser failures as domain errors, so the one filter answers them with their own codes. */
export function toDomainError(err: ParserError, limitBytes: number): Error {
  switch (err.type) {
    case 'entity.parse.failed':
      return new CommonError(
        CommonErrorCode.MalformedJson,
        `The request body is not valid JSON: ${err.message.replace(/\s+/g, ' ').slice(0, 200)}`,
      );
    case 'entity.too.large':
      return new CommonError(
        CommonErrorCode.PayloadTooLarge,
        `The request body is larger than the limit of ${Math.round(limitBytes / 1024)} KB; files go through their upload routes.`,
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new CommonError(CommonErrorCode.UnsupportedMediaType, err.message);
    case 'request.aborted':
      return new CommonError(CommonErrorCode.ValidationFailed, 'The request body was cut short.');
    default:
      return err;
  }
}

/**
 * A parsed body is checked (depth, prototype keys, storable text) before any
 * route, guard or validator sees it, so even the unauthenticated routes refuse
 * a hostile shape with a 400 instead of recursing on it.
 */
const inspected = new WeakSet<Request>();

function wrap(parser: RequestHandler, limitBytes: number): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    void parser(req, res, (err?: unknown) => {
      if (err) {
        next(toDomainError(err as ParserError, limitBytes));
        return;
      }
      // One look per body: no body yet, or one the previous parser read (and looked at), passes through.
      const body = req.body as unknown;
      if (body === undefined || inspected.has(req)) {
        next();
        return;
      }
      inspected.add(req);
      const problems = inspectInput(body);
      next(problems.length > 0 ? validationFailed(problems) : undefined);
    });
  };
}

export function bodyParsers(limitBytes: number): RequestHandler[] {
  return [
    wrap(json({ limit: limitBytes, type: ['application/json', 'application/*+json'] }), limitBytes),
    wrap(urlencoded({ limit: limitBytes, extended: false }), limitBytes),
  ];
}
