// First: tracing patches the modules it instruments as they are loaded after it.
import { tracing } from './tracing';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import {
  AppConfig,
  ConfigError,
  loadConfig,
  roleRunsWorkers,
  roleServesHttpApi,
  TelegramMode,
} from './config/app-config';
import { WorkerRecycle } from './modules/lifecycle/worker-recycle';
import { createApp } from './app.factory';

/** In sandbox mode the process hosts the Telegram sandbox too, unless one already listens on its port. */
async function startEmbeddedSandbox(config: AppConfig, logger: Logger): Promise<(() => Promise<void>) | undefined> {
  if (!config.telegram.sandbox.embed) return undefined;
  const { startSandbox } = await import('./sandbox');
  try {
    const sandbox = await startSandbox({
      host: '127.0.0.1',
      httpPort: config.telegram.sandbox.httpPort,
      mtprotoPort: config.telegram.sandbox.mtprotoPort,
      codeTtlSeconds: config.telegram.sandbox.codeTtlSeconds,
    });
    logger.log(
      `Telegram sandbox: Bot API + control ${sandbox.httpUrl} (control API under /sandbox), MTProto ${sandbox.mtprotoHost}:${sandbox.mtprotoPort}`,
    );
    return () => sandbox.close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    logger.warn(
      `Sandbox ports ${config.telegram.sandbox.httpPort}/${config.telegram.sandbox.mtprotoPort} are taken: using the sandbox already running there (npm run sandbox).`,
    );
    return undefined;
  }
}

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tenantgram: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = new Logger('Bootstrap');
  const stopSandbox = await startEmbeddedSandbox(config, logger);
  const app = await createApp(config);
  if (config.devDefaultsUsed.length > 0) {
    logger.warn(
      `Development defaults in use for ${config.devDefaultsUsed.join(', ')}. Never run production like this (NODE_ENV=production refuses).`,
    );
  }
  if (stopSandbox || tracing) {
    const close = app.close.bind(app);
    app.close = async () => {
      await close();
      await stopSandbox?.();
      // The spans of the last requests and jobs leave before the process does.
      await tracing?.shutdown().catch(() => undefined);
    };
  }
  if (roleRunsWorkers(config.role)) {
    // Past its memory or age limit a worker closes the app gracefully and exits 0; Kubernetes starts a fresh one.
    void app.get(WorkerRecycle).due.then(async () => {
      const closed = await app.close().then(
        () => true,
        (err: unknown) => {
          process.stderr.write(`tenantgram: recycling did not close cleanly: ${String(err)}\n`);
          return false;
        },
      );
      process.exit(closed ? 0 : 1);
    });
  }
  await app.listen(config.http.port, config.http.host);
  const base = `http://127.0.0.1:${config.http.port}`;
  const urls = roleServesHttpApi(config.role)
    ? [`API ${base}/api/… (every route listed at ${base}/api/docs)`, `admin console ${base}/admin`]
    : [];
  urls.push(`health ${base}/health/ready`, `metrics ${base}/metrics`);
  logger.log(
    `Tenantgram (${config.role} role, Telegram ${config.telegram.mode === TelegramMode.Sandbox ? 'sandbox' : 'real'}) serving: ${urls.join(' | ')}`,
  );
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(`tenantgram: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
