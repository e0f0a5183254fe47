import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '../../config/app-config';
import { isSecretKey, REDACTED, redactDeep, scrubText } from './redaction';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

/**
 * Headers are flat (a string, or a list of strings for a few): one pass that
 * redacts secret names and scrubs values, the same result as redactDeep on
 * them. It runs for every request, when the request's logger is made.
 */
function serializeHeaders(headers: IncomingMessage['headers'] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!headers) return out;
  for (const key in headers) {
    const value = headers[key];
    if (value === undefined) continue;
    out[key] = isSecretKey(key)
      ? REDACTED
      : typeof value === 'string'
        ? scrubText(value)
        : value.map((v) => scrubText(v));
  }
  return out;
}

function serializeReq(req: IncomingMessage & { id?: unknown; raw?: IncomingMessage }) {
  return {
    id: req.id,
    method: req.method,
    url: scrubText(req.url ?? ''),
    headers: serializeHeaders(req.headers),
    remote_address: req.socket?.remoteAddress,
  };
}

function serializeRes(res: ServerResponse) {
  return { status_code: res.statusCode };
}

@Module({})
export class AppLoggerModule {
  /** Structured JSON logs with request ids and redaction; `stream` lets tests capture them. */
  static forRoot(config: AppConfig, stream?: DestinationStream): DynamicModule {
    return {
      module: AppLoggerModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: [
            {
              level: config.log.level,
              genReqId: (req: IncomingMessage, res: ServerResponse) => {
                const given = req.headers['x-request-id'];
                const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
                res.setHeader('x-request-id', id);
                return id;
              },
              serializers: { req: serializeReq, res: serializeRes },
              redact: {
                paths: [
                  'req.headers.authorization',
                  'req.headers.cookie',
                  'req.headers["x-telegram-bot-api-secret-token"]',
                  'res.headers["set-cookie"]',
                ],
                censor: '[redacted]',
              },
              formatters: {
                log: (obj: Record<string, unknown>) => redactDeep(obj) as Record<string, unknown>,
              },
              hooks: {
                logMethod(args: unknown[], method: (...a: unknown[]) => void) {
                  method.apply(
                    this,
                    args.map((a) => (typeof a === 'string' ? scrubText(a) : a)),
                  );
                },
              },
              autoLogging: { ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health/live') },
              transport:
                config.log.pretty && !stream ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
            },
            stream ?? process.stdout,
          ],
          forRoutes: ['*path'],
        }),
      ],
    };
  }
}
