import request from 'supertest';
import type { SandboxHandle } from '../src/sandbox';
import { SystemBotToken } from '../src/modules/system-bot/system-bot-token';
import { newTenant } from './factories/user.factory';
import { channelFor, connectBot, control, eventually, newUser } from './helpers/bot-world';
import { startTestAppWithSandbox, type SandboxTestApp } from './helpers/test-app';

type Sent = { chat_id: number; text?: string };

describe('system bot', () => {
  let sandbox: SandboxHandle;
  let t: SandboxTestApp;
  let systemBotId: number;

  beforeAll(async () => {
    t = await startTestAppWithSandbox();
    sandbox = t.sandbox;
    const token = await t.app.get(SystemBotToken).token();
    systemBotId = Number(token?.split(':')[0]);
  });
  afterAll(async () => {
    await t?.close();
  });

  const repliesTo = (userId: number, count: number) =>
    eventually(async () => {
      const out = ((await control(sandbox, 'GET', `/sandbox/bots/${systemBotId}/sent`)).body as Sent[]).filter(
        (m) => m.chat_id === userId,
      );
      return out.length >= count ? out : undefined;
    });

  it('is created in the sandbox as @tenantgram_bot and used for Mini App logins', async () => {
    const me = (await fetch(`${sandbox.httpUrl}/bot${t.config.telegram.systemBotToken ?? ''}/getMe`).then((r) =>
      r.json(),
    )) as { result: { username: string } };
    expect(me.result.username).toBe('tenantgram_bot');
  });

  it('answers /start with a welcome and the Mini App login link, and /help with the commands', async () => {
    const user = await newUser(sandbox, 'Dora');
    await control(sandbox, 'POST', `/sandbox/bots/${systemBotId}/messages`, { from_phone: user.phone, text: '/start' });
    const [welcome] = await repliesTo(user.id, 1);
    expect(welcome?.text).toContain('Welcome to Tenantgram');
    expect(welcome?.text).toContain(`${t.url}/app`);
    await control(sandbox, 'POST', `/sandbox/bots/${systemBotId}/messages`, { from_phone: user.phone, text: '/help' });
    const replies = await repliesTo(user.id, 2);
    expect(replies[1]?.text).toContain('/stats');
  });

  it('answers /stats with the linked tenant’s channels and posts', async () => {
    const user = await newUser(sandbox, 'Eve');
    const { headers } = await newTenant(t, { telegramUserId: String(user.id) });
    const bot = await connectBot(t, sandbox, headers);
    await channelFor(t, sandbox, headers, bot.id);
    await control(sandbox, 'POST', `/sandbox/bots/${systemBotId}/messages`, { from_phone: user.phone, text: '/stats' });
    const [stats] = await repliesTo(user.id, 1);
    expect(stats?.text).toContain('Channels: 1');
    expect(stats?.text).toContain(`@${bot.username} verified`);
  });

  it('tells the linked tenant when a post fails', async () => {
    const user = await newUser(sandbox, 'Finn');
    const { headers } = await newTenant(t, { telegramUserId: String(user.id) });
    // A bot can only write to users who wrote to it first.
    await control(sandbox, 'POST', `/sandbox/bots/${systemBotId}/messages`, { from_phone: user.phone, text: '/start' });
    await repliesTo(user.id, 1);
    const bot = await connectBot(t, sandbox, headers);
    const ch = await channelFor(t, sandbox, headers, bot.id, { admin: false });
    const post = await request(t.url)
      .post(`/api/channels/${ch.id}/posts`)
      .set(headers)
      .send({ text: 'will fail', idempotency_key: 'fail-1' })
      .expect(201);
    const [, notice] = await repliesTo(user.id, 2);
    expect(notice?.text).toContain('could not be sent');
    expect(notice?.text).toContain(post.body.id);
  });
});
