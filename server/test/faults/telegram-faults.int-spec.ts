import request from 'supertest';
import { SystemBotToken } from '../../src/modules/system-bot/system-bot-token';
import { newTenant } from '../factories/user.factory';
import { channelFor, connectBot, control, eventually, newUser } from '../helpers/bot-world';
import { startTestAppWithSandbox, type SandboxTestApp } from '../helpers/test-app';

const MAX_ATTEMPTS = 3;

describe('Telegram answering 5xx or not answering at all', () => {
  let t: SandboxTestApp;
  let systemBotId: number;

  beforeAll(async () => {
    t = await startTestAppWithSandbox({
      env: { POST_MAX_ATTEMPTS: String(MAX_ATTEMPTS), TELEGRAM_BOT_API_TIMEOUT_SECONDS: '1', SEND_SWEEP_MS: '300' },
    });
    const token = await t.app.get(SystemBotToken).token();
    systemBotId = Number(token?.split(':')[0]);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A tenant linked to a Telegram user who started the system bot (so notices can reach them), with a channel. */
  async function tenantWithChannel(): Promise<{
    headers: { Authorization: string };
    userId: number;
    channel: { id: string; telegramId: number };
  }> {
    const user = await newUser(t.sandbox, 'Fay');
    const { headers } = await newTenant(t, { telegramUserId: String(user.id) });
    await control(t.sandbox, 'POST', `/sandbox/bots/${systemBotId}/messages`, {
      from_phone: user.phone,
      text: '/start',
    });
    await noticesTo(user.id, 1);
    const bot = await connectBot(t, t.sandbox, headers);
    return { headers, userId: user.id, channel: await channelFor(t, t.sandbox, headers, bot.id) };
  }

  const noticesTo = (userId: number, count: number): Promise<{ text?: string }[]> =>
    eventually(async () => {
      const out = (
        (await control(t.sandbox, 'GET', `/sandbox/bots/${systemBotId}/sent`)).body as {
          chat_id: number;
          text?: string;
        }[]
      ).filter((m) => m.chat_id === userId);
      return out.length >= count ? out : undefined;
    });

  const settled = (headers: { Authorization: string }, id: string): Promise<Record<string, unknown>> =>
    eventually(async () => {
      const res = await request(t.url).get(`/api/posts/${id}`).set(headers);
      return ['sent', 'failed'].includes(res.body.status as string) ? (res.body as Record<string, unknown>) : undefined;
    }, 45_000);

  it('retries a post Telegram answers with 5xx, then marks it failed with the error and notifies the tenant', async () => {
    const { headers, userId, channel } = await tenantWithChannel();
    await control(t.sandbox, 'POST', '/sandbox/faults', {
      door: 'bot',
      method: 'sendMessage',
      error: 502,
      times: MAX_ATTEMPTS,
    });
    const post = await request(t.url)
      .post(`/api/channels/${channel.id}/posts`)
      .set(headers)
      .send({ text: 'through a flaky Telegram', idempotency_key: 'flaky' })
      .expect(201);
    const done = await settled(headers, post.body.id as string);
    expect(done).toMatchObject({
      status: 'failed',
      attempts: MAX_ATTEMPTS,
      error: expect.stringMatching(/Bad Gateway/),
    });
    const [, notice] = await noticesTo(userId, 2);
    expect(notice?.text).toContain(post.body.id);
    const messages = (await control(t.sandbox, 'GET', `/sandbox/channels/${channel.telegramId}/messages`)).body;
    expect(messages).toEqual([]);
  });

  it('sends a post once Telegram answers again after fewer than POST_MAX_ATTEMPTS 5xx', async () => {
    const { headers, channel } = await tenantWithChannel();
    await control(t.sandbox, 'POST', '/sandbox/faults', { door: 'bot', method: 'sendMessage', error: 500, times: 2 });
    const post = await request(t.url)
      .post(`/api/channels/${channel.id}/posts`)
      .set(headers)
      .send({ text: 'third time lucky', idempotency_key: 'lucky' })
      .expect(201);
    expect(await settled(headers, post.body.id as string)).toMatchObject({ status: 'sent', attempts: 3 });
    const messages = (await control(t.sandbox, 'GET', `/sandbox/channels/${channel.telegramId}/messages`)).body as {
      text: string;
    }[];
    expect(messages.map((m) => m.text)).toEqual(['third time lucky']);
  });

  it('gives up on a Bot API call Telegram never answers after TELEGRAM_BOT_API_TIMEOUT_SECONDS, retries, then fails the post with a notice', async () => {
    const { headers, userId, channel } = await tenantWithChannel();
    await control(t.sandbox, 'POST', '/sandbox/faults', {
      door: 'bot',
      method: 'sendMessage',
      error: 'timeout',
      times: MAX_ATTEMPTS,
    });
    const post = await request(t.url)
      .post(`/api/channels/${channel.id}/posts`)
      .set(headers)
      .send({ text: 'into the void', idempotency_key: 'void' })
      .expect(201);
    const done = await settled(headers, post.body.id as string);
    expect(done).toMatchObject({
      status: 'failed',
      attempts: MAX_ATTEMPTS,
      error: expect.stringContaining('did not answer sendMessage within 1 s'),
    });
    const [, notice] = await noticesTo(userId, 2);
    expect(notice?.text).toContain(post.body.id);
    // The sender was not held: the same bot still sends to the channel.
    const next = await request(t.url)
      .post(`/api/channels/${channel.id}/posts`)
      .set(headers)
      .send({ text: 'after the silence', idempotency_key: 'after' })
      .expect(201);
    expect(await settled(headers, next.body.id as string)).toMatchObject({ status: 'sent' });
  });
});
