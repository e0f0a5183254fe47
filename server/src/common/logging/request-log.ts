import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** Tags the request with its id (`requestIdOf`) and logs it once the response is done. */
export type RequestLog = (req: IncomingMessage, res: ServerResponse, id: string) => void;

/** A request's id: a sane `X-Request-Id` the client sent, or a fresh one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * The request log of every route: an id per request (a sane `X-Request-Id`
 * is kept, echoed back), and one line when the response is done with the
 * request (serialized and redacted only then, and only when the level is on),
 * its status and its duration.
 *
 * Written here rather than taken from pino-http (which nestjs-pino still uses for Nest's logger):
 * pino-http makes a child logger with the request serialized into it on every request, before
 * anything is logged, a cost that showed in the webhook benchmark; this serializes only when the
 * line is written.
 */
export function createRequestLog(root: Logger, ignore: (req: IncomingMessage) => boolean): RequestLog {
  return (req, res, id) => {
    (req as { id?: string }).id = id;
    res.setHeader('x-request-id', id);
    if (!root.isLevelEnabled('info') || ignore(req)) return;
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
  };
}

/**
 * The request log on every route of the app's HTTP server, from each request's start (so a body
 * refused by its parser is logged too).
 *
 * What a handler logs is not tagged with the request's id through an AsyncLocalStorage store, as
 * nestjs-pino does: on Node 20 a store in use makes every promise of the process pay an async hook
 * (measured at about 15% of the webhook route's throughput). Errors carry the id as their
 * correlation id (GlobalExceptionFilter), and the request's own line carries it.
 */
export function installRequestLog(fastify: FastifyInstance, requestLog: RequestLog): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    requestLog(request.raw, reply.raw, request.id);
    done();
  });
}
