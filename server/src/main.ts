import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig, roleServesHttpApi, TelegramMode } from './config/app-config';
import { createApp } from './app.factory';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tenantgram: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const app = await createApp(config);
  const logger = new Logger('Bootstrap');
  if (config.devDefaultsUsed.length > 0) {
    logger.warn(
      `Development defaults in use for ${config.devDefaultsUsed.join(', ')}. Never run production like this (NODE_ENV=production refuses).`,
    );
  }
  await app.listen(config.http.port, config.http.host);
  const base = `http://127.0.0.1:${config.http.port}`;
  const urls = roleServesHttpApi(config.role)
    ? [`API ${base}/api`, `API docs ${base}/api/docs`]
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
