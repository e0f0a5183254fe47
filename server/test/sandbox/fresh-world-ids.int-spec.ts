import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { ID_BLOCK_SIZE } from '../../src/sandbox/world';
import { newTenant } from '../factories/user.factory';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { createMigratedDatabase, type TestDatabase, uniqueRedisPrefix } from '../helpers/test-database';
import { newBot, newChannel, newUser } from './bot-helpers';

/** What one world issued: a user, two bots (the first one's token) and a channel. */
interface Issued {
  user: number;
  bots: number[];
  token: string;
  channel: number;
}

async function issue(sandbox: SandboxHandle): Promise<Issued> {
  const user = await newUser(sandbox);
  const bots = [await newBot(sandbox, user.phone), await newBot(sandbox, user.phone)];
  const channel = await newChannel(sandbox, user.phone);
  return { user: user.id, bots: bots.map((b) => b.id), token: bots[0]?.token ?? '', channel: channel.channel_id };
}

// A new world picks its block of ids at random among 29,999: any two new worlds share one with odds of 1 in 29,999.
describe('a new sandbox world beside a database that holds an earlier world’s bots', () => {
  const dirs: string[] = [];
  let sandbox: SandboxHandle | undefined;
  let t: TestApp | undefined;
  let db: TestDatabase | undefined;
  const redisPrefix = uniqueRedisPrefix();
  let ports: { httpPort: number; mtprotoPort: number };
  let first: Issued;
  let second: Issued;

  const freshDir = async (): Promise<string> => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-fresh-'));
    dirs.push(dir);
    return dir;
  };

  /** The product on the sandbox's ports, over the one database and Redis prefix that outlive each run. */
  const startApp = async (): Promise<TestApp> => {
    db ??= await createMigratedDatabase();
    return startTestApp({ db, sandbox: ports, env: { REDIS_PREFIX: redisPrefix } });
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ dataDir: await freshDir() });
    ports = { httpPort: sandbox.httpPort, mtprotoPort: sandbox.mtprotoPort };
    t = await startApp();
  });
  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
    await db?.drop();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('issues bot, user and channel ids disjoint from an earlier new world’s, so its bot connects where that world’s bot is still held', async () => {
    if (!sandbox || !t) throw new Error('not started');
    first = await issue(sandbox);
    const earlier = await newTenant(t);
    await request(t.url).put('/api/user-bot').set(earlier.headers).send({ bot_token: first.token }).expect(200);
    await t.close();
    await sandbox.close();

    // The same ports and an empty directory beside the database in use: what a clone's first `npm start` finds.
    sandbox = await startSandbox({ ...ports, dataDir: await freshDir() });
    t = await startApp();
    expect(sandbox.storage?.loaded).toEqual({ state: 'new' });
    second = await issue(sandbox);
    expect(second.bots.filter((id) => first.bots.includes(id))).toEqual([]);
    expect(second.user).not.toBe(first.user);
    expect(second.channel).not.toBe(first.channel);

    const later = await newTenant(t);
    const res = await request(t.url).put('/api/user-bot').set(later.headers).send({ bot_token: second.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ verified: true, bot_id: String(second.bots[0]) });
  });

  it('starts no new world in the first block, where worlds began before, and keeps Telegram’s 10-digit bot and channel ids', () => {
    for (const w of [first, second]) {
      expect(Math.min(...w.bots)).toBeGreaterThanOrEqual(7000000001 + ID_BLOCK_SIZE);
      expect(w.user).toBeGreaterThanOrEqual(100000001 + ID_BLOCK_SIZE);
      expect(w.channel).toBeGreaterThanOrEqual(1000000001 + ID_BLOCK_SIZE);
      for (const id of [...w.bots, w.channel]) expect(String(id)).toMatch(/^[1-9]\d{9}$/);
    }
  });

  it('issues the same kind of disjoint ids from a world kept in memory', async () => {
    const inMemory = await startSandbox();
    try {
      const third = await issue(inMemory);
      expect(third.bots.filter((id) => [...first.bots, ...second.bots].includes(id))).toEqual([]);
      expect(Math.min(...third.bots)).toBeGreaterThanOrEqual(7000000001 + ID_BLOCK_SIZE);
    } finally {
      await inMemory.close();
    }
  });

  it('carries on counting in its own block when restarted on its directory', async () => {
    await sandbox?.close();
    sandbox = await startSandbox({ ...ports, dataDir: dirs[0] });
    expect(sandbox.storage?.loaded).toEqual({ state: 'loaded' });
    const next = await newBot(sandbox);
    expect(next.id).toBe(Math.max(...first.bots) + 1);
  });
});
