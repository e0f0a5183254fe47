import { Telegraf } from 'telegraf';
import type { Update } from 'telegraf/types';
import { BotPoller, type BotPollOptions } from '../src/modules/bot/bot-poller';
import { startSandbox, type SandboxHandle } from '../src/sandbox';
import { control, newBot, newUser, rawBotCall } from './sandbox/bot-helpers';
import { eventually } from './helpers/eventually';
import { freePort } from './helpers/free-port';

/** A telegraf bot against `apiRoot`, with what its middleware saw. */
function botAt(apiRoot: string, token: string, failOn?: string): { bot: Telegraf; texts: string[] } {
  const bot = new Telegraf(token, { telegram: { apiRoot, webhookReply: false } });
  bot.botInfo = {
    id: Number(token.split(':')[0]),
    is_bot: true,
    first_name: 'poller',
    username: 'poller_bot',
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
  };
  const texts: string[] = [];
  if (failOn !== undefined) {
    bot.use(async (ctx, next) => {
      if (ctx.message && 'text' in ctx.message && ctx.message.text === failOn) throw new Error('handler failed');
      await next();
    });
  }
  bot.on('message', (ctx) => {
    if ('text' in ctx.message) texts.push(ctx.message.text);
  });
  return { bot, texts };
}

/** Options that record what the poller reports. */
function recording(extra: Partial<BotPollOptions> = {}) {
  const retries: { reason: string; waitMs: number }[] = [];
  const ended: string[] = [];
  const handlerErrors: number[] = [];
  const options: BotPollOptions = {
    allowedUpdates: ['message'],
    onHandlerError: (_err, update: Update) => handlerErrors.push(update.update_id),
    onRetry: (reason, waitMs) => retries.push({ reason, waitMs }),
    onEnded: (reason) => ended.push(reason),
    ...extra,
  };
  return { options, retries, ended, handlerErrors };
}

describe('BotPoller: long polling for a bot against the sandbox (real telegraf)', () => {
  let sandbox: SandboxHandle;
  const pollers: BotPoller[] = [];
  const poll = (bot: Telegraf, options: BotPollOptions): BotPoller => {
    const poller = new BotPoller(bot, options);
    pollers.push(poller);
    return poller;
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0 });
  });
  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((p) => p.stop()));
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  const say = async (botId: number, phone: string, text: string): Promise<void> => {
    const res = await control(sandbox, 'POST', `/sandbox/bots/${botId}/messages`, { from_phone: phone, text });
    expect(res.status).toBe(200);
  };

  it("hands every update to the bot's middleware in order, and confirms the last ones to Telegram when stopped", async () => {
    const b = await newBot(sandbox);
    const alice = await newUser(sandbox);
    const { bot, texts } = botAt(sandbox.httpUrl, b.token);
    const poller = poll(bot, recording().options);
    for (const text of ['one', 'two', 'three']) await say(b.id, alice.phone, text);
    await eventually(() => (texts.length === 3 ? true : undefined), 20_000);
    expect(texts).toEqual(['one', 'two', 'three']);

    await poller.stop();
    expect(poller.running).toBe(false);
    // Confirmed: Telegram has nothing left to give, where telegraf's stopped loop left its last batch unconfirmed
    // only when Telegram could be reached in time.
    const pending = await rawBotCall(sandbox, b.token, 'getUpdates', { timeout: 0 });
    expect(pending.body).toEqual({ ok: true, result: [] });

    // A poller started later gets only what came after.
    await say(b.id, alice.phone, 'four');
    const again = botAt(sandbox.httpUrl, b.token);
    poll(again.bot, recording().options);
    await eventually(() => (again.texts.length > 0 ? true : undefined), 20_000);
    expect(again.texts).toEqual(['four']);
  });

  it('takes the webhook down first, as a poller must, and keeps polling past an update its handler fails on', async () => {
    const b = await newBot(sandbox);
    const alice = await newUser(sandbox);
    await rawBotCall(sandbox, b.token, 'setWebhook', { url: 'http://127.0.0.1:9/hook' });
    const { bot, texts } = botAt(sandbox.httpUrl, b.token, 'boom');
    // telegraf's default error handler rethrows (and sets the exit code): the product's bots set their own.
    bot.catch((err) => {
      throw err;
    });
    const seen = recording();
    poll(bot, seen.options);
    await say(b.id, alice.phone, 'boom');
    await say(b.id, alice.phone, 'after');
    await eventually(() => (texts.includes('after') ? true : undefined), 20_000);
    expect(seen.handlerErrors).toHaveLength(1);
    expect(seen.ended).toEqual([]);
    const info = await rawBotCall(sandbox, b.token, 'getWebhookInfo');
    expect(info.body.result.url).toBe('');
  });

  it("backs off after each failed getUpdates, doubling up to its ceiling, and waits Telegram's retry_after", async () => {
    const b = await newBot(sandbox);
    const alice = await newUser(sandbox);
    // Faults are the sandbox's, for every bot: this test's poller is the only one polling now.
    await control(sandbox, 'POST', '/sandbox/faults', { door: 'bot', method: 'getUpdates', error: 502, times: 4 });
    const { bot, texts } = botAt(sandbox.httpUrl, b.token);
    const seen = recording({ retryMs: 20, maxRetryMs: 80 });
    poll(bot, seen.options);
    await say(b.id, alice.phone, 'through');
    await eventually(() => (texts.length > 0 ? true : undefined), 20_000);
    expect(seen.retries.map((r) => r.waitMs)).toEqual([20, 40, 80, 80]);
    expect(seen.retries[0]?.reason).toMatch(/Bad Gateway|502/);

    await control(sandbox, 'POST', '/sandbox/faults', {
      door: 'bot',
      method: 'getUpdates',
      error: 'FLOOD_WAIT_2',
      times: 1,
    });
    await say(b.id, alice.phone, 'later');
    await eventually(() => (texts.includes('later') && seen.retries.length === 5 ? true : undefined), 20_000);
    // The first answer after the wait resets the pace.
    await say(b.id, alice.phone, 'answered');
    await eventually(() => (texts.includes('answered') ? true : undefined), 20_000);
    expect(seen.retries[4]).toEqual({ reason: expect.stringMatching(/retry after 2/) as unknown, waitMs: 2000 });
    // So the next failure waits the first step again.
    await control(sandbox, 'POST', '/sandbox/faults', { door: 'bot', method: 'getUpdates', error: 500, times: 1 });
    await say(b.id, alice.phone, 'last');
    // 'last' may come through a long poll already open when the fault was set: the failure is the call after it.
    await eventually(() => (texts.includes('last') && seen.retries.length === 6 ? true : undefined), 20_000);
    expect(seen.retries.map((r) => r.waitMs)).toEqual([20, 40, 80, 80, 2000, 20]);
  });

  it('stops at once while it waits out a failure, and while a long poll is open', async () => {
    // Nothing listens here: every getUpdates fails to connect, and the poller waits a minute before the next.
    const closed = `http://127.0.0.1:${await freePort()}`;
    const unreachable = recording({ retryMs: 60_000, maxRetryMs: 60_000 });
    const waiting = poll(botAt(closed, '5001:' + 'A'.repeat(35)).bot, unreachable.options);
    await eventually(() => (unreachable.retries.length > 0 ? true : undefined), 20_000);
    expect(unreachable.retries[0]?.waitMs).toBe(60_000);
    // Well inside the minute (the test's own timeout): the wait is cancelled, not waited out.
    await waiting.stop();

    const b = await newBot(sandbox);
    const { bot } = botAt(sandbox.httpUrl, b.token);
    const open = poll(bot, recording().options);
    const stats = () => control<{ polling: boolean; dropped: number }>(sandbox, 'GET', `/sandbox/bots/${b.id}/stats`);
    await eventually(async () => ((await stats()).body.polling ? true : undefined), 10_000);
    // Telegram holds the long poll for up to 50 s; stop() aborts it: the sandbox sees its client leave.
    await open.stop();
    expect(open.running).toBe(false);
    await eventually(async () => ((await stats()).body.dropped === 1 ? true : undefined), 5_000);
  }, 20_000);

  it('ends for good on a revoked token, saying why', async () => {
    const seen = recording();
    const poller = poll(botAt(sandbox.httpUrl, '5002:' + 'B'.repeat(35)).bot, seen.options);
    await poller.done;
    expect(poller.running).toBe(false);
    expect(seen.ended).toHaveLength(1);
    expect(seen.ended[0]).toMatch(/Unauthorized|Not Found/);
    expect(seen.retries).toEqual([]);
  });
});
