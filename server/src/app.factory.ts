import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppConfig, roleServesHttpApi } from './config/app-config';
import { AppModule, AppModuleOptions } from './app.module';
import { GlobalExceptionFilter } from './common/http/global-exception.filter';
import { createValidationPipe, InputShapePipe } from './common/http/validation';
import { bodyParsers } from './common/http/body-parsers';
import { answerClientErrorsAsJson } from './common/http/client-error';
import { setupOpenApi } from './openapi';
import { findAdminConsoleDir, mountAdminConsole } from './common/http/admin-console';

/** Builds a configured (not yet listening) app; main.ts and the tests share it. */
export async function createApp(config: AppConfig, options: AppModuleOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  answerClientErrorsAsJson(app.getHttpServer());
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.disable('x-powered-by');
  // Flat query strings (node:querystring, at most 1,000 keys): no `a[b][c]=` nesting for a client to deepen.
  app.set('query parser', 'simple');
  app.use(...bodyParsers(config.http.bodyLimitBytes));
  app.useGlobalFilters(new GlobalExceptionFilter());
  app.useGlobalPipes(new InputShapePipe(), createValidationPipe());
  app.enableShutdownHooks();
  setupOpenApi(app);
  const consoleDir = roleServesHttpApi(config.role) ? findAdminConsoleDir() : undefined;
  if (consoleDir) mountAdminConsole(app, consoleDir);
  return app;
}
