import { NestFactory } from '@nestjs/core';
import { loadConfig } from '../config/app-config';
import { AppModule } from '../app.module';
import { buildOpenApiDocument } from '../openapi';

/**
 * The OpenAPI document as committed: generated from the api role's modules
 * with connections left closed (init() is never called), keys sorted.
 */
export async function renderOpenApi(): Promise<string> {
  const config = loadConfig({ NODE_ENV: 'development', ROLE: 'api', LOG_LEVEL: 'silent', TELEGRAM_MODE: 'sandbox' });
  const app = await NestFactory.create(AppModule.forRoot(config), {
    logger: false,
    preview: true,
    abortOnError: false,
  });
  try {
    return `${JSON.stringify(sortKeys(buildOpenApiDocument(app)), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}
