import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import * as querystring from 'node:querystring';
import { Logger } from 'nestjs-pino';
import { AppConfig, roleServesHttpApi } from './config/app-config';
import { AppModule, AppModuleOptions } from './app.module';
import { failedRequestOf, GlobalExceptionFilter } from './common/http/global-exception.filter';
import { createValidationPipe, InputShapePipe } from './common/http/validation';
import { installBodyParsers } from './common/http/body-parsers';
import { answerClientError } from './common/http/client-error';
import { CommonError, CommonErrorCode } from './common/errors/common-errors';
import { requestIdOf } from './common/logging/request-log';
import { setupOpenApi } from './openapi';
import { findAdminConsoleDir, mountAdminConsole } from './common/http/admin-console';

/** Path parameters are routed at any length the URL can have (16 KB with the headers): the route says what is wrong. */
const MAX_PARAM_LENGTH = 16 * 1024;

/** Requests the router refuses before any route (a path that is not valid percent-encoded UTF-8), as the API's errors. */
function routerRefusal(err: Error & { code?: string }): Error {
  return err.code === 'FST_ERR_BAD_URL'
    ? new CommonError(
        CommonErrorCode.ValidationFailed,
        'The URL path is not valid percent-encoded UTF-8; encode each path segment with encodeURIComponent.',
      )
    : err;
}

/**
 * The HTTP platform: Fastify, whose router and per-request hooks cost little enough for every
 * route, Telegram's webhook deliveries included, to go through the same pipeline.
 */
function httpPlatform(errors: GlobalExceptionFilter): FastifyAdapter {
  return new FastifyAdapter({
    logger: false,
    // No Nest middleware: the request log and metrics are Fastify hooks, so no Express-style layer runs per request.
    skipMiddie: true,
    genReqId: requestIdOf,
    trustProxy: 'loopback, linklocal, uniquelocal',
    // Node's own bound on a whole request (Fastify turns it off by default): a client trickling a request in is cut off.
    requestTimeout: 300_000,
    routerOptions: {
      ignoreTrailingSlash: true,
      maxParamLength: MAX_PARAM_LENGTH,
      // Flat query strings (node:querystring, at most 1,000 keys): no `a[b][c]=` nesting for a client to deepen.
      querystringParser: (query) => querystring.parse(query),
    },
    clientErrorHandler: answerClientError,
    // Answered by the global exception filter, like every error of a route.
    frameworkErrors: (err: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
      errors.answer(routerRefusal(err), failedRequestOf(request), reply),
  });
}

/** Builds a configured (not yet listening) app; main.ts and the tests share it. */
export async function createApp(config: AppConfig, options: AppModuleOptions = {}): Promise<NestFastifyApplication> {
  const errors = new GlobalExceptionFilter();
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options),
    httpPlatform(errors),
    {
      bodyParser: false,
      bufferLogs: true,
      abortOnError: false,
    },
  );
  app.useLogger(app.get(Logger));
  installBodyParsers(app.getHttpAdapter().getInstance(), config.http.bodyLimitBytes);
  app.useGlobalFilters(errors);
  app.useGlobalPipes(new InputShapePipe(), createValidationPipe());
  app.enableShutdownHooks();
  setupOpenApi(app);
  const consoleDir = roleServesHttpApi(config.role) ? findAdminConsoleDir() : undefined;
  if (consoleDir) await mountAdminConsole(app, consoleDir);
  return app;
}
