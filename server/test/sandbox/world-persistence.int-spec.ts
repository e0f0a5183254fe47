import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { newTenant, type NewUser } from '../factories/user.factory';
import { channelFor, connectBot, control, eventually, newBot, newUser } from '../helpers/bot-world';
import { freePort } from '../helpers/free-port';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { createMigratedDatabase, type TestDatabase, uniqueRedisPrefix } from '../helpers/test-database';
import { channelWithPosts, connectAccount, newSandboxUser } from '../user-mtproto-kit';
import { MtprotoClientPool } from '../../src/modules/user-mtproto/mtproto-client.pool';
import { rawBotCall } from './bot-helpers';
import { present } from '../helpers/present';

jest.setTimeout(240_000);

const SERVER = path.join(__dirname, '..', '..');

interface RunningSandbox {
  child: ChildProcess;
  lines: string[];
  httpUrl: string;
}

/** A child's stdout and stderr as lines (colour codes removed: the supervisor colours its prefixes). */
function collectLines(child: ChildProcess): string[] {
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('error', () => undefined);
    stream?.on('data', (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop() ?? '';
      // eslint-disable-next-line no-control-regex -- ANSI colour codes
      lines.push(...parts.map((l) => l.replace(/\u001b\[\d+m/g, '')));
    });
  }
  return lines;
}

/**
 * The sandbox as `npm start` runs it: src/sandbox/main.ts in a process of its own, on fixed ports (the product keeps
 * pointing at them across restarts) and a data directory.
 */
async function startSandboxProcess(
  dataDir: string,
  ports: { http: number; mtproto: number },
  env: Record<string, string> = {},
): Promise<RunningSandbox> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join('src', 'sandbox', 'main.ts')], {
    cwd: SERVER,
    env: {
      ...process.env,
      SANDBOX_HTTP_PORT: String(ports.http),
      SANDBOX_MTPROTO_PORT: String(ports.mtproto),
      SANDBOX_DATA_DIR: dataDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = collectLines(child);
  await eventually(() => {
    if (child.exitCode !== null) throw new Error(`the sandbox exited: ${lines.join('\n')}`);
    return Promise.resolve(lines.some((l) => l.trim().startsWith('World:')) ? true : undefined);
  }, 60_000);
  return { child, lines, httpUrl: `http://127.0.0.1:${ports.http}` };
}

async function stopSandboxProcess(sb: RunningSandbox, signal: 'SIGTERM' | 'SIGKILL'): Promise<number | null> {
  if (sb.child.exitCode !== null || sb.child.signalCode !== null) return sb.child.exitCode;
  const exited = new Promise<number | null>((resolve) => sb.child.once('exit', (code) => resolve(code)));
  sb.child.kill(signal);
  return exited;
}

/** `npm start`'s supervisor (scripts/sandbox-process.mjs) running the sandbox; its output kept as lines. */
function startSupervisor(env: Record<string, string>): { child: ChildProcess; lines: string[] } {
  const child = spawn(process.execPath, [path.join(SERVER, 'scripts', 'sandbox-supervised.mjs')], {
    cwd: SERVER,
    env: { ...process.env, SANDBOX_HTTP_PORT: '0', SANDBOX_MTPROTO_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = collectLines(child);
  return { child, lines };
}

describe('the sandbox process keeps its world across restarts', () => {
  let dataDir: string;
  let ports: { http: number; mtproto: number };
  let sb: RunningSandbox;
  let t: TestApp;
  let db: TestDatabase;
  const redisPrefix = uniqueRedisPrefix();
  let tenant: NewUser;
  let bot: { id: number; token: string };
  let channels: [{ id: string; telegramId: number }, { id: string; telegramId: number }];
  let history: { id: string; sandboxId: number };
  /** Every user, bot and channel id the sandbox issued in this test. */
  const issued = { users: [] as number[], bots: [] as number[], channels: [] as number[] };
  let posts = 0;
  let lastHistoryAnswer = '';

  const startApp = (): Promise<TestApp> =>
    startTestApp({
      db,
      sandbox: { httpPort: ports.http, mtprotoPort: ports.mtproto },
      env: { SEND_SWEEP_MS: '500', REDIS_PREFIX: redisPrefix },
    });

  /**
   * Stops the sandbox process and starts it again on its directory and ports, as `npm start` does after a crash or a
   * restart. The product keeps running across it, as it does when Telegram itself goes away for a while: its bot
   * calls and its stored MTProto session carry on against the restarted sandbox without a restart of their own.
   * `downMs` keeps the sandbox away that much longer (a slow restart: longer than gramjs's own reconnect attempts).
   */
  const restart = async (
    signal: 'SIGTERM' | 'SIGKILL',
    env: Record<string, string> = {},
    downMs = 0,
  ): Promise<void> => {
    const code = await stopSandboxProcess(sb, signal);
    if (signal === 'SIGTERM') expect(code).toBe(0);
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    sb = await startSandboxProcess(dataDir, ports, env);
  };

  /** A post through the product, waited for until the product says it was sent. */
  const post = async (channelId: string, text: string): Promise<{ telegram_message_id: string }> => {
    const created = await request(t.url)
      .post(`/api/channels/${channelId}/posts`)
      .set(tenant.headers)
      .send({ text, idempotency_key: `post-${++posts}` });
    expect(created.status).toBe(201);
    return eventually(async () => {
      const res = await request(t.url).get(`/api/posts/${created.body.id}`).set(tenant.headers);
      if (res.body.status === 'failed') throw new Error(`post failed: ${JSON.stringify(res.body)}`);
      return res.body.status === 'sent' ? (res.body as { telegram_message_id: string }) : undefined;
    }, 60_000);
  };

  /** The channel's history read through the product, as the tenant's stored MTProto session reads it. */
  const historyTexts = (): Promise<string[]> =>
    eventually(async () => {
      const res = await request(t.url).get(`/api/channels/${history.id}/history`).set(tenant.headers);
      if (res.status !== 200) lastHistoryAnswer = `${res.status} ${JSON.stringify(res.body)}`;
      return res.status === 200 ? (res.body.messages as { text: string }[]).map((m) => m.text) : undefined;
    }, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}; the product last answered ${lastHistoryAnswer}`);
    });

  const everIssued = (): number[] => [...issued.users, ...issued.bots, ...issued.channels];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sandbox-data-'));
    ports = { http: await freePort(), mtproto: await freePort() };
    sb = await startSandboxProcess(dataDir, ports);
    db = await createMigratedDatabase();
    t = await startApp();
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
    if (sb) await stopSandboxProcess(sb, 'SIGTERM');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps a tenant's bot, channels and stored MTProto session working through the same running product after a SIGTERM restart, and gives a new bot an id never used", async () => {
    expect(sb.lines.join('\n')).toContain('(a new world)');
    tenant = await newTenant(t);
    bot = await connectBot(t, sb, tenant.headers);
    channels = [await channelFor(t, sb, tenant.headers, bot.id), await channelFor(t, sb, tenant.headers, bot.id)];
    await post(channels[0].id, 'before the restart');
    const account = await newSandboxUser(sb);
    await connectAccount(t, sb, tenant, account);
    history = await channelWithPosts(t, sb, tenant, account, ['stored post']);
    expect(await historyTexts()).toEqual(['stored post']);
    issued.users.push(account.id);
    issued.bots.push(bot.id);
    issued.channels.push(history.sandboxId);

    const webhook = (await rawBotCall(sb, bot.token, 'getWebhookInfo')).body.result as { url: string };
    expect(webhook.url).toBe(`${t.url}/telegram/webhook/${bot.id}`);

    const running = t.app;
    await restart('SIGTERM', {}, 5000);
    expect(sb.lines.join('\n')).toContain('(the stored world)');
    expect(t.app).toBe(running);
    // Telegram keeps a bot's webhook: the product registered it once, at connect time.
    expect((await rawBotCall(sb, bot.token, 'getWebhookInfo')).body.result).toMatchObject({ url: webhook.url });

    // The bot: same token, still admin of its channels, and a post goes out.
    const me = await rawBotCall(sb, bot.token, 'getMe');
    expect(me.body.result).toMatchObject({ id: bot.id, is_bot: true });
    const sent = await post(channels[1].id, 'after the restart');
    expect(Number(sent.telegram_message_id)).toBe(1);
    for (const ch of channels) {
      const messages = await control(sb, 'GET', `/sandbox/channels/${ch.telegramId}/messages`);
      expect(messages.status).toBe(200);
    }
    const first = await control<{ text: string }[]>(sb, 'GET', `/sandbox/channels/${channels[0].telegramId}/messages`);
    expect(first.body.map((m) => m.text)).toEqual(['before the restart']);

    // The MTProto session the product stored still reads, including what was posted after the restart.
    await control(sb, 'POST', `/sandbox/channels/${history.sandboxId}/messages`, { text: 'posted after restart' });
    expect(await historyTexts()).toEqual(['posted after restart', 'stored post']);
    // The session's client was replaced, not doubled.
    expect(t.app.get(MtprotoClientPool).connectedTenants()).toEqual([tenant.user.id]);

    // A new bot gets an id the sandbox never issued, so another tenant can connect it.
    const other = await newTenant(t);
    const fresh = await connectBot(t, sb, other.headers);
    expect(fresh.id).toBeGreaterThan(Math.max(...issued.bots));
    issued.bots.push(fresh.id);
  });

  it('keeps what it wrote before a SIGKILL', async () => {
    const owner = await newUser(sb, 'Killed');
    issued.users.push(owner.id);
    const ch = await channelFor(t, sb, tenant.headers, bot.id);
    issued.channels.push(-ch.telegramId - 1000000000000);
    await post(ch.id, 'just before the kill');
    // Written within the save delay: wait for the file to hold the post, then kill without warning.
    await eventually(async () =>
      (await readFile(path.join(dataDir, 'world.json'), 'utf8')).includes('just before the kill') ? true : undefined,
    );

    await restart('SIGKILL');
    const messages = await control<{ text: string }[]>(sb, 'GET', `/sandbox/channels/${ch.telegramId}/messages`);
    expect(messages.body.map((m) => m.text)).toEqual(['just before the kill']);
    await post(ch.id, 'after the kill');
    expect(await historyTexts()).toEqual(['posted after restart', 'stored post']);
    const next = await newBot(sb);
    expect(next.id).toBeGreaterThan(Math.max(...issued.bots));
    issued.bots.push(next.id);
  });

  it('comes back after a crash with its world, even when SANDBOX_RESET=true emptied it at the first start', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-data-'));
    const run = startSupervisor({ SANDBOX_DATA_DIR: dir, SANDBOX_RESET: 'true' });
    try {
      const apiUrls = (): string[] =>
        run.lines.flatMap((l) => /\[sandbox\] +Bot API \(telegraf apiRoot\): (\S+)/.exec(l)?.[1] ?? []);
      const pids = (): number[] => run.lines.flatMap((l) => /^sandbox pid (\d+)/.exec(l)?.[1] ?? []).map(Number);
      const first = await eventually(() => Promise.resolve(apiUrls()[0] && pids()[0] ? true : undefined), 60_000);
      expect(first).toBe(true);
      const crashed = { httpUrl: present(apiUrls()[0], 'the first Bot API url') };
      const survivor = await newBot(crashed);
      await eventually(async () =>
        (await readFile(path.join(dir, 'world.json'), 'utf8')).includes(survivor.token) ? true : undefined,
      );
      process.kill(present(pids()[0], 'the first sandbox pid'), 'SIGKILL');

      await eventually(() => Promise.resolve(apiUrls().length > 1 && pids().length > 1 ? true : undefined), 60_000);
      const back = { httpUrl: present(apiUrls()[1], 'the restarted Bot API url') };
      expect((await rawBotCall(back, survivor.token, 'getMe')).body.result).toMatchObject({ id: survivor.id });
    } finally {
      if (run.child.exitCode === null) {
        const exited = new Promise((resolve) => run.child.once('exit', resolve));
        run.child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("keeps channel counters across a restart: subscribers, posts' views, forwards and reactions, and the world's clock", async () => {
    const owner = await newUser(sb, 'Counted');
    issued.users.push(owner.id);
    const created = await control(sb, 'POST', '/sandbox/channels', { title: 'Counted', owner_phone: owner.phone });
    issued.channels.push(created.body.channel_id);
    const id = created.body.id as number;
    expect((await control(sb, 'POST', `/sandbox/channels/${id}/audience`, { subscribers: 4000 })).status).toBe(200);
    const posted = await control(sb, 'POST', `/sandbox/channels/${id}/messages`, { text: 'counted' });
    const messageId = posted.body.message_id as number;
    // A clock standing still: the values read after the restart must be exactly those read before it.
    await control(sb, 'POST', '/sandbox/clock', { frozen: true, advance_seconds: 2 * 3600 });
    const set = await control(sb, 'POST', `/sandbox/channels/${id}/messages/${messageId}/counters`, {
      views: 1500,
      forwards: 20,
      reactions: { '🔥': 7 },
    });
    expect(set.status).toBe(200);
    await control(sb, 'POST', '/sandbox/clock', { advance_seconds: 3600 });
    const read = async () => ({
      clock: (await control(sb, 'GET', '/sandbox/clock')).body,
      subscribers: (await control(sb, 'GET', `/sandbox/channels/${id}`)).body.subscribers,
      messages: (await control(sb, 'GET', `/sandbox/channels/${id}/messages`)).body,
    });
    const before = await read();
    expect(before.subscribers).toBe(4000);
    expect(before.messages[0].views).toBeGreaterThan(1500);

    await restart('SIGTERM');
    expect(await read()).toEqual(before);
    await control(sb, 'POST', '/sandbox/clock', { frozen: false });
  });

  it('empties the world on POST /sandbox/reset and on SANDBOX_RESET=true, and never issues an id twice', async () => {
    const keyBefore = (await control<{ pem: string }>(sb, 'GET', '/sandbox/mtproto/public-key')).body.pem;
    await control(sb, 'POST', '/sandbox/reset').then((r) => expect(r.status).toBe(200));
    expect((await control(sb, 'GET', `/sandbox/channels/${channels[0].telegramId}`)).status).toBe(404);
    expect((await rawBotCall(sb, bot.token, 'getMe')).status).toBe(401);
    const afterReset = await newUser(sb, 'AfterReset');
    const botAfterReset = await newBot(sb, afterReset.phone);
    expect(afterReset.id).toBeGreaterThan(Math.max(...issued.users));
    expect(botAfterReset.id).toBeGreaterThan(Math.max(...issued.bots));
    expect(everIssued()).not.toContain(botAfterReset.id);
    issued.users.push(afterReset.id);
    issued.bots.push(botAfterReset.id);

    // The reset itself is stored: a restart does not bring the old world back, nor old ids.
    await restart('SIGTERM');
    expect((await rawBotCall(sb, bot.token, 'getMe')).status).toBe(401);
    expect((await rawBotCall(sb, botAfterReset.token, 'getMe')).status).toBe(200);

    await restart('SIGTERM', { SANDBOX_RESET: 'true' });
    expect(sb.lines.join('\n')).toContain('emptied by SANDBOX_RESET');
    expect((await rawBotCall(sb, botAfterReset.token, 'getMe')).status).toBe(401);
    const user = await newUser(sb, 'Fresh');
    const last = await newBot(sb, user.phone);
    expect(user.id).toBeGreaterThan(Math.max(...issued.users));
    expect(last.id).toBeGreaterThan(Math.max(...issued.bots));
    const channel = await control(sb, 'POST', '/sandbox/channels', { title: 'New', owner_phone: user.phone });
    expect(channel.body.channel_id).toBeGreaterThan(Math.max(...issued.channels));
    // The door's RSA key is Telegram's fixed key: clients configured with it keep working across restarts and resets.
    expect((await control<{ pem: string }>(sb, 'GET', '/sandbox/mtproto/public-key')).body.pem).toBe(keyBefore);
  });
});
