import { DynamicModule, Inject, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type DestinationStream, type Logger as PinoLogger, type LoggerOptions } from 'pino';
import { createRequestLog, installRequestLog } from './request-log';
import type { AppConfig } from '../../config/app-config';
import { isSecretKey, REDACTED, redactDeep, scrubText } from './redaction';

/**
 * Headers are flat (a string, or a list of strings for a few): one pass that
 * redacts secret names and scrubs values, the same result as redactDeep on
 * them. It runs when a request's line is written.
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

/** The URL as received: a mounted router may have cut its prefix off by the time the line is written. */
function serializeReq(req: IncomingMessage & { id?: unknown; originalUrl?: string }) {
  return {
    id: req.id,
    method: req.method,
    url: scrubText(req.originalUrl ?? req.url ?? ''),
    headers: serializeHeaders(req.headers),
    remote_address: req.socket?.remoteAddress,
  };
}

function serializeRes(res: ServerResponse) {
  return { status_code: res.statusCode };
}

const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** The app's root logger: structured JSON with redaction; `stream` lets tests capture it. */
function rootLogger(config: AppConfig, stream?: DestinationStream): PinoLogger {
  const options: LoggerOptions = {
    level: config.log.level,
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
  };
  if (config.log.pretty && !stream) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { singleLine: true } } });
  }
  return pino(options, stream ?? process.stdout);
}

@Module({})
export class AppLoggerModule implements OnModuleInit {
  constructor(
    @Inject(ROOT_LOGGER) private readonly root: PinoLogger,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** Structured JSON logs with request ids and redaction; `stream` lets tests capture them. */
  static forRoot(config: AppConfig, stream?: DestinationStream): DynamicModule {
    const root = rootLogger(config, stream);
    return {
      module: AppLoggerModule,
      global: true,
      // nestjs-pino gives Nest's logger the root logger.
      imports: [LoggerModule.forRoot({ pinoHttp: { logger: root }, useExisting: true, forRoutes: [] })],
      providers: [{ provide: ROOT_LOGGER, useValue: root }],
    };
  }

  /** Every route's request log, from the app's HTTP server (none in a CLI's context without one). */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    installRequestLog(
      fastify,
      createRequestLog(this.root, (req) => (req.url ?? '').startsWith('/health/live')),
    );
  }
}
