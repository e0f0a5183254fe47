import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Store, storage } from 'nestjs-pino/storage';
import type { Logger } from 'pino';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** Gives the request its id and logs it once the response is done; answers the id. */
export type RequestLog = (req: IncomingMessage, res: ServerResponse) => string;

/** Where the app's request log is injected (the HTTP middleware and the webhook fast path share it). */
export const REQUEST_LOG = Symbol('REQUEST_LOG');

/**
 * The request log of every route: an id per request (a sane `X-Request-Id`
 * is kept, echoed back), and one line when the response is done with the
 * request (serialized and redacted only then, and only when the level is on),
 * its status and its duration.
 *
 * Written here rather than taken from pino-http (which nestjs-pino still uses for Nest's logger):
 * pino-http makes a child logger with the request serialized into it on every request, before
 * anything is logged, a cost that showed in the webhook benchmark; this serializes only when the
 * line is written, and the webhook fast path can call it without Express.
 */
export function createRequestLog(root: Logger, ignore: (req: IncomingMessage) => boolean): RequestLog {
  return (req, res) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    (req as { id?: string }).id = id;
    res.setHeader('x-request-id', id);
    if (!root.isLevelEnabled('info') || ignore(req)) return id;
    const started = Date.now();
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      const fields = { req, res, responseTime: Date.now() - started };
      if (err || res.statusCode >= 500) {
        root.info({ ...fields, err: err ?? new Error(`failed with status code ${res.statusCode}`) }, 'request errored');
      } else root.info(fields, 'request completed');
    };
    res.once('finish', () => finish());
    res.once('close', () => finish());
    res.once('error', finish);
    return id;
  };
}

/** The request log as middleware: what is logged while the request is handled carries its `req_id`. */
export function requestLogMiddleware(root: Logger, requestLog: RequestLog) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const id = requestLog(req, res);
    storage.run(new Store(root.child({ req_id: id })), next);
  };
}
