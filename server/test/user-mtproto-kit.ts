import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import Redis from 'ioredis';
import request from 'supertest';
import type { SandboxHandle } from '../src/sandbox';
import { startSandbox } from '../src/sandbox';
import { startTestApp, TestApp } from './helpers/test-app';
import { createMigratedDatabase, TEST_REDIS_URL, TestDatabase, uniqueRedisPrefix } from './helpers/test-database';
import { eventually } from './helpers/eventually';
import { freePort } from './helpers/free-port';
import { NewUser } from './factories/user.factory';
import { control, nextPhone } from './sandbox/bot-helpers';

export const API_ID = 94575;
export const API_HASH = 'a3406de8d171bb422bb6ddf3bbd800e2';

/** One sandbox, one database and one Redis prefix shared by any number of app instances (api and worker pods). */
export interface MtprotoCluster {
  sandbox: SandboxHandle;
  db: TestDatabase;
  /** Environment every instance gets: sandbox ports, shared Redis prefix. */
  env: Record<string, string>;
  start(role: 'api' | 'worker' | 'all', env?: Record<string, string>): Promise<TestApp>;
  stop(app: TestApp): Promise<void>;
  close(): Promise<void>;
}

export async function startCluster(opts: { codeTtlSeconds?: number } = {}): Promise<MtprotoCluster> {
  const sandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0, codeTtlSeconds: opts.codeTtlSeconds });
  const db = await createMigratedDatabase();
  const env = {
    TELEGRAM_MODE: 'sandbox',
    SANDBOX_HTTP_PORT: String(sandbox.httpPort),
    SANDBOX_MTPROTO_PORT: String(sandbox.mtprotoPort),
    REDIS_PREFIX: uniqueRedisPrefix(),
  };
  const apps = new Set<TestApp>();
  return {
    sandbox,
    db,
    env,
    async start(role, extra = {}) {
      const app = await startTestApp({ db, env: { ...env, ROLE: role, ...extra } });
      apps.add(app);
      return app;
    },
    async stop(app) {
      if (!apps.delete(app)) return;
      await app.close();
    },
    async close() {
      for (const app of apps) await app.close();
      apps.clear();
      await sandbox.close();
      await db.drop();
    },
  };
}

export async function newSandboxUser(
  sandbox: Pick<SandboxHandle, 'httpUrl'>,
  extra: { password?: string; username?: string } = {},
): Promise<{ id: number; phone: string }> {
  const res = await control(sandbox, 'POST', '/sandbox/users', {
    phone: nextPhone(),
    first_name: 'Tenant',
    ...extra,
  });
  if (res.status !== 201) throw new Error(`sandbox user not created: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function latestCode(sandbox: Pick<SandboxHandle, 'httpUrl'>, phone: string): Promise<string> {
  const res = await control<{ code: string }[]>(sandbox, 'GET', `/sandbox/users/${phone}/codes`);
  const [latest] = res.body;
  if (res.status !== 200 || latest === undefined) throw new Error('no login code delivered');
  return latest.code;
}

/** Connects the tenant's Telegram account through the product's code login (setup, then verify). */
export async function connectAccount(
  app: TestApp,
  sandbox: Pick<SandboxHandle, 'httpUrl'>,
  tenant: NewUser,
  user: { phone: string },
  password?: string,
): Promise<void> {
  const setup = await request(app.url)
    .post('/api/user-mtproto/setup')
    .set(tenant.headers)
    .send({ telegram_api_id: API_ID, telegram_api_hash: API_HASH, telegram_phone: `+${user.phone}` })
    .expect(200);
  await request(app.url)
    .post('/api/user-mtproto/verify')
    .set(tenant.headers)
    .send({
      login_id: setup.body.login_id,
      verification_code: await latestCode(sandbox, user.phone),
      ...(password ? { password } : {}),
    })
    .expect(200, { next: 'done', verified: true });
}

/** A sandbox channel owned by `owner`, with `count` posts, added to the tenant's channels by username. */
export async function channelWithPosts(
  app: TestApp,
  sandbox: Pick<SandboxHandle, 'httpUrl'>,
  tenant: NewUser,
  owner: { phone: string },
  texts: string[],
): Promise<{ id: string; sandboxId: number; username: string }> {
  const username = `ch${Date.now() % 1e8}${Math.floor(Math.random() * 1e4)}`;
  const created = await control(sandbox, 'POST', '/sandbox/channels', {
    title: 'History',
    username,
    owner_phone: owner.phone,
  });
  if (created.status !== 201) throw new Error(`sandbox channel not created: ${JSON.stringify(created.body)}`);
  for (const text of texts) {
    await control(sandbox, 'POST', `/sandbox/channels/${created.body.id}/messages`, { text });
  }
  const row = await request(app.url).post('/api/channels').set(tenant.headers).send({ username }).expect(201);
  return { id: row.body.id, sandboxId: created.body.id, username };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Specs on MTProto sessions wait with the one polling helper. */
export { eventually };

/** The worker instance holding the tenant's MTProto lease (its instance id), or null when none does. */
export async function leaseOwner(cluster: Pick<MtprotoCluster, 'env'>, tenantId: string): Promise<string | null> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const value = await redis.get(`${cluster.env.REDIS_PREFIX}:mtproto:lease:${tenantId}`);
    return value ? value.slice(0, value.lastIndexOf('|')) : null;
  } finally {
    redis.disconnect();
  }
}

/**
 * A worker pod in a process of its own, through the product's entry point (`src/main.ts`), on the
 * cluster's sandbox, database and Redis prefix: it can be killed without a shutdown, or leave on its
 * own. Answers once its liveness probe does; `onSpawn` gets the process at once (to kill it in
 * afterAll whatever happens next, or to watch its exit from the start).
 */
export async function startWorkerProcess(
  cluster: Pick<MtprotoCluster, 'env' | 'db'>,
  env: Record<string, string> = {},
  onSpawn?: (proc: ChildProcess) => void,
): Promise<ChildProcess> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
    cwd: path.resolve(__dirname, '..'),
    env: {
      ...process.env,
      ...cluster.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      ROLE: 'worker',
      DATABASE_URL: cluster.db.url,
      REDIS_URL: TEST_REDIS_URL,
      PORT: String(port),
      HOST: '127.0.0.1',
      ...env,
    },
    stdio: 'ignore',
  });
  onSpawn?.(proc);
  await eventually(
    async () => ((await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => undefined))?.ok ? true : undefined),
    { timeoutMs: 60_000, what: 'the worker process to start' },
  );
  return proc;
}
