import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { startSandbox, type SandboxHandle } from '../src/sandbox';
import { MtprotoClientPool } from '../src/modules/user-mtproto/mtproto-client.pool';
import { newTenant, type NewUser } from './factories/user.factory';
import { startTestApp, type TestApp } from './helpers/test-app';
import { createMigratedDatabase, type TestDatabase, uniqueRedisPrefix } from './helpers/test-database';
import { control } from './sandbox/bot-helpers';
import { channelWithPosts, connectAccount, eventually, newSandboxUser, sleep } from './user-mtproto-kit';

jest.setTimeout(120_000);

/**
 * A Telegram outage longer than gramjs's own reconnect attempts (about 2 s with the product's client options): the
 * sandbox is closed for several seconds and started again on the same ports and stored world, while the product
 * keeps running.
 */
describe('user MTProto clients recover after Telegram was unreachable (real gramjs against the sandbox)', () => {
  let dataDir: string;
  let sandbox: SandboxHandle;
  let db: TestDatabase;
  let app: TestApp;
  let tenant: NewUser;
  let channel: { id: string; sandboxId: number };
  const OUTAGE_MS = 5000;

  const history = () => request(app.url).get(`/api/channels/${channel.id}/history`).set(tenant.headers);

  /** Client sockets of this process open to the sandbox's MTProto door. */
  function mtprotoSockets(): number {
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
    return handles.filter((h) => h instanceof Socket && !h.destroyed && h.remotePort === sandbox.mtprotoPort).length;
  }

  const pool = (): MtprotoClientPool => app.app.get(MtprotoClientPool);

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sandbox-reconnect-'));
    sandbox = await startSandbox({ dataDir, saveDelayMs: 50 });
    db = await createMigratedDatabase();
    // The API side waits far longer than the outage: a 503 seen during it comes from the session worker itself.
    app = await startTestApp({
      db,
      sandbox,
      env: { REDIS_PREFIX: uniqueRedisPrefix(), MTPROTO_CALL_TIMEOUT_SECONDS: '100' },
    });
  });

  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('answers TELEGRAM_UNAVAILABLE during the outage, reads again after it without a restart, and keeps one client', async () => {
    const account = await newSandboxUser(sandbox);
    tenant = await newTenant(app);
    await connectAccount(app, sandbox, tenant, account);
    channel = await channelWithPosts(app, sandbox, tenant, account, ['before the outage']);
    const before = await history().expect(200);
    expect(before.body.messages.map((m: { text: string }) => m.text)).toEqual(['before the outage']);
    expect(pool().size).toBe(1);
    expect(mtprotoSockets()).toBe(1);

    const ports = { httpPort: sandbox.httpPort, mtprotoPort: sandbox.mtprotoPort };
    await sandbox.close();
    await sleep(OUTAGE_MS);

    // The session worker answers itself (its own message, not the API side giving up on it), and the dead
    // client is gone: no pool entry, no socket.
    for (let i = 0; i < 3; i++) {
      const res = await history().timeout(30_000).expect(503);
      expect(res.body.error.code).toBe('TELEGRAM_UNAVAILABLE');
      expect(res.body.error.message).not.toContain('no session worker answered in time');
    }
    expect(pool().size).toBe(0);
    expect(mtprotoSockets()).toBe(0);

    sandbox = await startSandbox({ dataDir, ...ports, saveDelayMs: 50 });
    await control(sandbox, 'POST', `/sandbox/channels/${channel.sandboxId}/messages`, { text: 'after the outage' });
    const texts = await eventually(
      async () => {
        const res = await history().timeout(30_000);
        return res.status === 200 ? (res.body.messages as { text: string }[]).map((m) => m.text) : undefined;
      },
      { timeoutMs: 30_000, what: 'history through the same running product' },
    );
    expect(texts).toEqual(['after the outage', 'before the outage']);

    // One client for the tenant, one connection: the replaced client left nothing behind.
    expect(pool().connectedTenants()).toEqual([tenant.user.id]);
    expect(mtprotoSockets()).toBe(1);
    const stats = await control<{ connections: number }>(sandbox, 'GET', '/sandbox/mtproto/stats');
    expect(stats.body.connections).toBe(1);
  });

  it('recovers a client whose connection drops while a call waits on it', async () => {
    const ports = { httpPort: sandbox.httpPort, mtprotoPort: sandbox.mtprotoPort };
    await sandbox.close();
    const during = history().timeout(30_000);
    await sleep(OUTAGE_MS);
    const res = await during;
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('TELEGRAM_UNAVAILABLE');

    sandbox = await startSandbox({ dataDir, ...ports, saveDelayMs: 50 });
    await eventually(async () => ((await history().timeout(30_000)).status === 200 ? true : undefined), 30_000);
    expect(pool().size).toBe(1);
    expect(mtprotoSockets()).toBe(1);
  });
});
