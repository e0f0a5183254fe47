import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import type { Type } from '@nestjs/common';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { createApp } from '../../src/app.factory';
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { createMigratedDatabase, TEST_REDIS_URL, TestDatabase, uniqueRedisPrefix } from './test-database';
import { TEST_SAFE_PORTS } from './test-ports';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: TestDatabase;
  /** Base URL of the listening server, e.g. http://127.0.0.1:43121 */
  url: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  logStream?: DestinationStream;
  extraModules?: Type<unknown>[];
  /** Reuse a database (e.g. a second app instance on the same data). */
  db?: TestDatabase;
  /** Runs on the built app before it listens (the HTTP server takes routes and hooks only until then). */
  beforeListen?: (app: NestFastifyApplication) => void | Promise<void>;
  /** Point the app's Telegram adapters at this sandbox (sandbox mode, its ports). */
  sandbox?: Pick<SandboxHandle, 'httpPort' | 'mtprotoPort'>;
}

export function testConfig(env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: uniqueRedisPrefix(),
    TELEGRAM_MODE: 'sandbox',
    ...TEST_SAFE_PORTS,
    HOST: '127.0.0.1',
    // Workers sample no channel on their own unless a spec asks (analytics-collect sets its own tick).
    ANALYTICS_TICK_SECONDS: '0',
    ...env,
  });
}

/** A real app on a database of its own (real migrations), listening on a free port. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.db ?? (await createMigratedDatabase());
  const sandboxEnv: Record<string, string> = options.sandbox
    ? {
        TELEGRAM_MODE: 'sandbox',
        SANDBOX_HTTP_PORT: String(options.sandbox.httpPort),
        SANDBOX_MTPROTO_PORT: String(options.sandbox.mtprotoPort),
      }
    : {};
  const config = testConfig({ DATABASE_URL: db.url, ...sandboxEnv, ...options.env });
  const app = await createApp(config, { logStream: options.logStream, extraModules: options.extraModules });
  await options.beforeListen?.(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  // Port 0 is known only now: webhooks registered from here on point at the real address.
  if (!options.env?.PUBLIC_URL) config.http.publicUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    config,
    db,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      if (!options.db) await db.drop();
    },
  };
}

export interface SandboxTestApp extends TestApp {
  sandbox: SandboxHandle;
}

/** A Telegram sandbox on free ports and an app pointed at it; `close()` stops the app, then the sandbox. */
export async function startTestAppWithSandbox(options: Omit<TestAppOptions, 'sandbox'> = {}): Promise<SandboxTestApp> {
  const sandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0 });
  try {
    const t = await startTestApp({ ...options, sandbox });
    return {
      ...t,
      sandbox,
      close: async () => {
        await t.close();
        await sandbox.close();
      },
    };
  } catch (err) {
    await sandbox.close();
    throw err;
  }
}
