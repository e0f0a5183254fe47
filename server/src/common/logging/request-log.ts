import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Store, storage } from 'nestjs-pino/storage';
import type { Logger } from 'pino';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** Runs `next` as the request's handling; log lines written meanwhile carry the request id. */
export type RequestLog = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** Where the app's request log is injected (the HTTP middleware and the webhook route share it). */
export const REQUEST_LOG = Symbol('REQUEST_LOG');

/**
 * The request log of every route: an id per request (a sane `X-Request-Id`
 * is kept, echoed back), and one line when the response is done with the
 * request (serialized and redacted only then, and only when the level is on),
 * its status and its duration. Logs written while handling the request carry
 * `req_id`.
 */
export function createRequestLog(root: Logger, ignore: (req: IncomingMessage) => boolean): RequestLog {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    (req as { id?: string }).id = id;
    res.setHeader('x-request-id', id);
    const log = root.child({ req_id: id });
    if (log.isLevelEnabled('info') && !ignore(req)) {
      const started = Date.now();
      let done = false;
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        const fields = { req, res, responseTime: Date.now() - started };
        if (err || res.statusCode >= 500) {
          log.info(
            { ...fields, err: err ?? new Error(`failed with status code ${res.statusCode}`) },
            'request errored',
          );
        } else log.info(fields, 'request completed');
      };
      res.once('finish', () => finish());
      res.once('close', () => finish());
      res.once('error', finish);
    }
    storage.run(new Store(log), next);
  };
}
