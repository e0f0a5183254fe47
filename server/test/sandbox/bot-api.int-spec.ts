import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { Telegraf, TelegramError } from 'telegraf';
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { eventually } from '../helpers/eventually';
import type { BotStats } from '../../src/sandbox/bot-api/bot-api-door';
import { addBotToChannel, control, newBot, newChannel, newUser, rawBotCall, telegramFor } from './bot-helpers';
import { present } from '../helpers/present';

/** A local webhook receiver answering each delivery with the next status of `statuses` (then 200). */
async function startReceiver(statuses: number[] = []): Promise<{
  url: string;
  hits: { at: number; headers: IncomingMessage['headers']; body: any }[];
  close: () => Promise<void>;
}> {
  const hits: { at: number; headers: IncomingMessage['headers']; body: any }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ at: Date.now(), headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** What the control API shows of a bot's calls. */
async function botStats(sandbox: SandboxHandle, botId: number): Promise<BotStats> {
  return (await control<BotStats>(sandbox, 'GET', `/sandbox/bots/${botId}/stats`)).body;
}

/** Until the bot's getUpdates is held open by the door, waiting for updates. */
async function waitForPoll(sandbox: SandboxHandle, botId: number): Promise<void> {
  await eventually(async () => ((await botStats(sandbox, botId)).polling ? true : undefined), {
    what: 'a getUpdates call to be waiting',
  });
}

async function catchTelegramError(p: Promise<unknown>): Promise<TelegramError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TelegramError) return err;
    throw err;
  }
  throw new Error('expected a TelegramError');
}

describe('sandbox Bot API door (real telegraf)', () => {
  let sandbox: SandboxHandle;

  beforeAll(async () => {
    sandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0 });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('answers getMe with the bot user', async () => {
    const bot = await newBot(sandbox);
    const me = await telegramFor(sandbox, bot.token).getMe();
    expect(me).toMatchObject({ id: bot.id, is_bot: true, username: bot.username });
    expect(typeof me.first_name).toBe('string');
  });

  it('answers a body over 10 MB with 413, as api.telegram.org does, and keeps serving', async () => {
    const bot = await newBot(sandbox);
    const res = await fetch(`${sandbox.httpUrl}/bot${bot.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: 1, text: 'x'.repeat(11 * 1024 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ ok: false, error_code: 413, description: 'Request Entity Too Large' });
    expect(await telegramFor(sandbox, bot.token).getMe()).toMatchObject({ id: bot.id });
  });

  it('keeps serving when a client goes away before the end of its body', async () => {
    const bot = await newBot(sandbox);
    const socket = connect(sandbox.httpPort, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      `POST /bot${bot.token}/sendMessage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"chat_id":`,
    );
    // The door took the call and waits for the rest of its body.
    await eventually(async () => ((await botStats(sandbox, bot.id)).in_flight === 1 ? true : undefined), {
      what: 'the call to be in flight',
    });
    socket.destroy();
    // The door saw the client go and is done with the call: nothing of it is left in flight.
    await eventually(
      async () => {
        const stats = await botStats(sandbox, bot.id);
        return stats.dropped === 1 && stats.in_flight === 0 ? true : undefined;
      },
      { what: 'the call to be dropped' },
    );
    expect(await telegramFor(sandbox, bot.token).getMe()).toMatchObject({ id: bot.id });
  });

  it('delivers /start from a user as a message update with a bot_command entity, and lets the bot reply', async () => {
    const user = await newUser(sandbox, 'Bob');
    const bot = await newBot(sandbox);
    const tg = telegramFor(sandbox, bot.token);
    const sent = await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, {
      from_phone: user.phone,
      text: '/start hello',
    });
    expect(sent.status).toBe(200);
    const updates = await tg.getUpdates(0, 100, 0, undefined);
    expect(updates).toHaveLength(1);
    const update = updates[0] as any;
    expect(update.update_id).toBe(sent.body.update_id);
    expect(update.message).toMatchObject({
      message_id: sent.body.message_id,
      text: '/start hello',
      from: { id: user.id, is_bot: false, first_name: 'Bob' },
      chat: { id: user.id, type: 'private', first_name: 'Bob' },
      entities: [{ offset: 0, length: 6, type: 'bot_command' }],
    });

    const reply = await tg.sendMessage(user.id, 'Welcome!');
    expect(reply).toMatchObject({ text: 'Welcome!', chat: { id: user.id, type: 'private' }, from: { id: bot.id } });
    const pms = sandbox.world.privateMessagesOf('user', user.id);
    expect(pms.map((m) => m.text)).toEqual(['/start hello', 'Welcome!']);
  });

  it('refuses to message a user who never wrote to the bot', async () => {
    const user = await newUser(sandbox);
    const bot = await newBot(sandbox);
    const res = await rawBotCall(sandbox, bot.token, 'sendMessage', { chat_id: user.id, text: 'hi' });
    expect(res).toEqual({
      status: 403,
      body: { ok: false, error_code: 403, description: "Forbidden: bot can't initiate conversation with a user" },
    });
  });

  it('posts to a channel where the bot is an admin; the post appears in the world with views', async () => {
    const owner = await newUser(sandbox);
    const bot = await newBot(sandbox);
    const channel = await newChannel(sandbox, owner.phone, { username: 'sandboxnews1' });
    await addBotToChannel(sandbox, channel.id, bot.id);
    const tg = telegramFor(sandbox, bot.token);

    const byNumber = await tg.sendMessage(channel.id, 'first');
    const byString = await tg.sendMessage(String(channel.id), 'second');
    const byUsername = await tg.sendMessage('@sandboxnews1', 'third');
    expect(byNumber).toMatchObject({
      message_id: 1,
      chat: { id: channel.id, type: 'channel', title: 'News', username: 'sandboxnews1' },
      sender_chat: { id: channel.id },
      text: 'first',
    });
    expect([byString.message_id, byUsername.message_id]).toEqual([2, 3]);

    const world = sandbox.world.findChannel(channel.channel_id)!;
    expect(world.messages.map((m) => [m.id, m.text, m.viaBotId])).toEqual([
      [1, 'first', bot.id],
      [2, 'second', bot.id],
      [3, 'third', bot.id],
    ]);
    for (const m of world.messages) expect(m.views).toBeGreaterThanOrEqual(1);

    const sent = await control(sandbox, 'GET', `/sandbox/bots/${bot.id}/sent`);
    expect(sent.body).toEqual([
      { message_id: 1, chat_id: channel.id, text: 'first', method: 'sendMessage', date: expect.any(Number) },
      { message_id: 2, chat_id: channel.id, text: 'second', method: 'sendMessage', date: expect.any(Number) },
      { message_id: 3, chat_id: channel.id, text: 'third', method: 'sendMessage', date: expect.any(Number) },
    ]);
  });

  it('uploads a document, downloads identical bytes through getFile, and re-sends it by file_id', async () => {
    const owner = await newUser(sandbox);
    const bot = await newBot(sandbox);
    const channel = await newChannel(sandbox, owner.phone);
    await addBotToChannel(sandbox, channel.id, bot.id);
    const tg = telegramFor(sandbox, bot.token);
    const bytes = randomBytes(200 * 1024);

    const first = await tg.sendDocument(channel.id, { source: bytes, filename: 'report.pdf' }, { caption: 'Q3' });
    expect(first.caption).toBe('Q3');
    expect(first.document).toMatchObject({
      file_name: 'report.pdf',
      mime_type: 'application/pdf',
      file_size: bytes.length,
    });

    const file = await tg.getFile(first.document.file_id);
    expect(file.file_size).toBe(bytes.length);
    const link = await tg.getFileLink(first.document.file_id);
    expect(link.toString()).toBe(`${sandbox.httpUrl}/file/bot${bot.token}/${file.file_path}`);
    const download = await fetch(link);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);

    const again = await tg.sendDocument(channel.id, first.document.file_id);
    expect(again.document.file_id).toBe(first.document.file_id);
    expect(again.document.file_unique_id).toBe(first.document.file_unique_id);
    const posts = sandbox.world.findChannel(channel.id)!.messages;
    expect(posts.map((m) => (m.media && 'fileId' in m.media ? m.media.fileId : undefined))).toEqual([
      first.document.file_id,
      first.document.file_id,
    ]);

    const bogus = await catchTelegramError(tg.sendDocument(channel.id, 'no-such-file-id'));
    expect(bogus.response).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: wrong file identifier/HTTP URL specified',
    });
  });

  it('sends a photo upload and reports its pixel size', async () => {
    const user = await newUser(sandbox);
    const bot = await newBot(sandbox);
    await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: 'hi' });
    // A 1×1 PNG.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const msg = await telegramFor(sandbox, bot.token).sendPhoto(user.id, { source: png }, { caption: 'dot' });
    expect(msg.photo[0]).toMatchObject({ width: 1, height: 1, file_size: png.length });
    expect(msg.caption).toBe('dot');
    const sent = await control(sandbox, 'GET', `/sandbox/bots/${bot.id}/sent`);
    expect(sent.body[0]).toMatchObject({ method: 'sendPhoto', caption: 'dot', file_id: msg.photo[0]?.file_id });
  });

  it('delivers updates to the webhook with the secret token header', async () => {
    const user = await newUser(sandbox);
    const bot = await newBot(sandbox);
    const receiver = await startReceiver();
    try {
      const tg = telegramFor(sandbox, bot.token);
      await tg.setWebhook(receiver.url, { secret_token: 'sekret_123' });
      const info = await tg.getWebhookInfo();
      expect(info).toMatchObject({ url: receiver.url, has_custom_certificate: false, pending_update_count: 0 });

      await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: 'one' });
      await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: 'two' });
      await eventually(() => (receiver.hits.length >= 2 ? true : undefined));
      expect(receiver.hits.map((h) => h.headers['x-telegram-bot-api-secret-token'])).toEqual([
        'sekret_123',
        'sekret_123',
      ]);
      expect(receiver.hits.map((h) => h.body.message.text)).toEqual(['one', 'two']);
      expect(receiver.hits[1]?.body.update_id).toBe(present(receiver.hits[0], 'the first delivery').body.update_id + 1);
      expect((await tg.getWebhookInfo()).pending_update_count).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  it('retries a webhook delivery after the receiver answers 500, recording the error', async () => {
    const user = await newUser(sandbox);
    const bot = await newBot(sandbox);
    const receiver = await startReceiver([500]);
    try {
      const tg = telegramFor(sandbox, bot.token);
      await tg.setWebhook(receiver.url);
      await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: 'retry me' });
      const info = await eventually(async () => {
        const i = await tg.getWebhookInfo();
        return i.last_error_message ? i : undefined;
      });
      expect(receiver.hits).toHaveLength(1);
      expect(info.pending_update_count).toBe(1);
      expect(info.last_error_message).toBe('Wrong response from the webhook: 500 Internal Server Error');
      expect(info.last_error_date).toEqual(expect.any(Number));

      await eventually(() => (receiver.hits.length >= 2 ? true : undefined));
      expect(receiver.hits[1]?.body).toEqual(receiver.hits[0]?.body);
      // The first retry waits a second.
      expect(
        present(receiver.hits[1], 'the retry').at - present(receiver.hits[0], 'the first attempt').at,
      ).toBeGreaterThanOrEqual(1000);
      await eventually(async () => ((await tg.getWebhookInfo()).pending_update_count === 0 ? true : undefined));
    } finally {
      await receiver.close();
    }
  });

  it('long-polls getUpdates until an update arrives, and confirms updates with offset', async () => {
    const user = await newUser(sandbox);
    const bot = await newBot(sandbox);
    const tg = telegramFor(sandbox, bot.token);
    let answered = false;
    const poll = tg.getUpdates(10, 100, 0, undefined).finally(() => (answered = true));
    await waitForPoll(sandbox, bot.id);
    // Still waiting with nothing to answer: the poll is held open until the update comes.
    expect(answered).toBe(false);
    await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: 'meanwhile' });
    const updates = await poll;
    expect(updates.map((u: any) => u.message.text)).toEqual(['meanwhile']);

    // Not confirmed yet: the same update comes again.
    const again = await tg.getUpdates(0, 100, 0, undefined);
    expect(again.map((u) => u.update_id)).toEqual([updates[0]?.update_id]);
    // Confirmed by offset: gone.
    expect(await tg.getUpdates(0, 100, present(updates[0], 'the update').update_id + 1, undefined)).toEqual([]);
  });

  it('runs a Telegraf bot by long polling: /start gets a reply', async () => {
    const user = await newUser(sandbox, 'Carol');
    const bot = await newBot(sandbox);
    const app = new Telegraf(bot.token, { telegram: { apiRoot: sandbox.httpUrl, webhookReply: false } });
    app.start((ctx) => ctx.reply(`Hello ${ctx.from.first_name}`));
    const running = app.launch();
    try {
      await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: '/start' });
      const reply = await eventually(() =>
        sandbox.world.privateMessagesOf('user', user.id).find((m) => m.fromKind === 'bot'),
      );
      expect(reply.text).toBe('Hello Carol');
    } finally {
      app.stop('test done');
      await running;
    }
  });

  it('answers 429 with retry_after after a burst to one chat and records the refusal', async () => {
    const owner = await newUser(sandbox);
    const bot = await newBot(sandbox);
    const channel = await newChannel(sandbox, owner.phone);
    await addBotToChannel(sandbox, channel.id, bot.id);
    const tg = telegramFor(sandbox, bot.token);
    let refused: TelegramError | undefined;
    for (let i = 0; i < 10 && !refused; i++) {
      refused = await tg.sendMessage(channel.id, `burst ${i}`).then(
        () => undefined,
        (err: unknown) => {
          if (err instanceof TelegramError) return err;
          throw err;
        },
      );
    }
    expect(refused).toBeDefined();
    expect(refused!.code).toBe(429);
    expect(refused!.response.parameters?.retry_after).toBeGreaterThanOrEqual(1);
    expect(refused!.description).toBe(`Too Many Requests: retry after ${refused!.response.parameters?.retry_after}`);
    const stats = await control(sandbox, 'GET', `/sandbox/bots/${bot.id}/stats`);
    // The burst allowance is 3; a slow machine may have earned one more token meanwhile.
    expect(stats.body.sent).toBeGreaterThanOrEqual(3);
    expect(stats.body.throttled).toBe(1);
    expect(stats.body.refusals[0]).toMatchObject({ method: 'sendMessage', chat_id: channel.id });
  });

  it('stops throttling when limits are disabled', async () => {
    const owner = await newUser(sandbox);
    const bot = await newBot(sandbox);
    const channel = await newChannel(sandbox, owner.phone);
    await addBotToChannel(sandbox, channel.id, bot.id);
    await control(sandbox, 'POST', '/sandbox/limits', { enabled: false });
    try {
      const tg = telegramFor(sandbox, bot.token);
      for (let i = 0; i < 8; i++) await tg.sendMessage(channel.id, `free ${i}`);
      expect((await control(sandbox, 'GET', `/sandbox/bots/${bot.id}/stats`)).body).toMatchObject({
        sent: 8,
        throttled: 0,
      });
    } finally {
      await control(sandbox, 'POST', '/sandbox/limits', { enabled: true });
    }
  });

  it("answers Telegram's exact error bodies", async () => {
    const owner = await newUser(sandbox);
    const bot = await newBot(sandbox);
    const channel = await newChannel(sandbox, owner.phone);

    expect(await rawBotCall(sandbox, `${bot.id}:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`, 'getMe')).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: 'Unauthorized' },
    });
    expect(await rawBotCall(sandbox, bot.token, 'sendMessage', { chat_id: -1009999999999, text: 'x' })).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' },
    });
    expect(await rawBotCall(sandbox, bot.token, 'sendMessage', { chat_id: '@nosuchchannel', text: 'x' })).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' },
    });
    expect(await rawBotCall(sandbox, bot.token, 'sendMessage', { chat_id: channel.id, text: 'x' })).toEqual({
      status: 403,
      body: { ok: false, error_code: 403, description: 'Forbidden: bot is not a member of the channel chat' },
    });
    await addBotToChannel(sandbox, channel.id, bot.id);
    expect(await rawBotCall(sandbox, bot.token, 'sendMessage', { chat_id: channel.id, text: '   ' })).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: 'Bad Request: message text is empty' },
    });
    expect(await rawBotCall(sandbox, bot.token, 'noSuchMethod')).toEqual({
      status: 404,
      body: { ok: false, error_code: 404, description: 'Not Found: method not found' },
    });

    const tg = telegramFor(sandbox, bot.token);
    await tg.setWebhook('http://127.0.0.1:9/hook');
    const conflict = await catchTelegramError(tg.getUpdates(0, 100, 0, undefined));
    expect(conflict.response).toEqual({
      ok: false,
      error_code: 409,
      description:
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    });
    await tg.deleteWebhook();
    // Polling works again; the only update is the bot's own promotion above.
    expect(await tg.getUpdates(0, 100, 0, undefined)).toEqual([
      { update_id: expect.any(Number), my_chat_member: expect.objectContaining({ chat: expect.any(Object) }) },
    ]);
  });

  it('refuses a bot that is a channel member without the right to post', async () => {
    const owner = await newUser(sandbox);
    const bot = await newBot(sandbox);
    const channel = await newChannel(sandbox, owner.phone);
    await addBotToChannel(sandbox, channel.id, bot.id, { admin: true, can_post_messages: false });
    const err = await catchTelegramError(telegramFor(sandbox, bot.token).sendMessage(channel.id, 'x'));
    expect(err.code).toBe(403);
    expect(err.description).toBe('Forbidden: bot is not a member of the channel chat');
  });

  it('sends my_chat_member when the bot is promoted, demoted and removed', async () => {
    const owner = await newUser(sandbox, 'Owner');
    const bot = await newBot(sandbox);
    const channel = await newChannel(sandbox, owner.phone);
    const tg = telegramFor(sandbox, bot.token);

    await addBotToChannel(sandbox, channel.id, bot.id, { admin: true, can_post_messages: true });
    await addBotToChannel(sandbox, channel.channel_id, bot.id, { admin: false });
    const removed = await control(sandbox, 'DELETE', `/sandbox/channels/${channel.id}/members/bot/${bot.id}`);
    expect(removed).toEqual({ status: 200, body: { removed: true } });

    const updates = (await tg.getUpdates(0, 100, 0, undefined)) as any[];
    const changes = updates.map((u) => u.my_chat_member);
    expect(changes).toHaveLength(3);
    for (const c of changes) {
      expect(c.chat).toMatchObject({ id: channel.id, type: 'channel', title: 'News' });
      expect(c.from).toMatchObject({ id: owner.id, first_name: 'Owner', is_bot: false });
      expect(c.new_chat_member.user).toMatchObject({ id: bot.id, is_bot: true });
    }
    expect(changes.map((c) => [c.old_chat_member.status, c.new_chat_member.status])).toEqual([
      ['left', 'administrator'],
      ['administrator', 'member'],
      ['member', 'left'],
    ]);
    expect(changes[0].new_chat_member).toMatchObject({ can_post_messages: true, can_edit_messages: true });
  });

  it('edits and deletes its channel posts, as seen by the world', async () => {
    const owner = await newUser(sandbox);
    const bot = await newBot(sandbox);
    const channel = await newChannel(sandbox, owner.phone);
    await addBotToChannel(sandbox, channel.id, bot.id);
    const tg = telegramFor(sandbox, bot.token);
    const post = await tg.sendMessage(channel.id, 'draft');

    const edited = (await tg.editMessageText(channel.id, post.message_id, undefined, 'final')) as any;
    expect(edited).toMatchObject({ message_id: post.message_id, text: 'final', edit_date: expect.any(Number) });
    const notModified = await catchTelegramError(tg.editMessageText(channel.id, post.message_id, undefined, 'final'));
    expect(notModified.description).toMatch(/^Bad Request: message is not modified/);
    expect(sandbox.world.findChannel(channel.id)!.messages[0]?.text).toBe('final');

    expect(await tg.deleteMessage(channel.id, post.message_id)).toBe(true);
    expect(sandbox.world.findChannel(channel.id)!.messages[0]?.deleted).toBe(true);
    const gone = await catchTelegramError(tg.deleteMessage(channel.id, post.message_id));
    expect(gone.description).toBe('Bad Request: message to delete not found');
  });

  it('reads chats and members: getChat, getChatMember, getChatAdministrators', async () => {
    const owner = await newUser(sandbox, 'Owner');
    const bot = await newBot(sandbox);
    const channel = await newChannel(sandbox, owner.phone, { username: 'sandboxchat2' });
    await addBotToChannel(sandbox, channel.id, bot.id);
    const tg = telegramFor(sandbox, bot.token);

    expect(await tg.getChat(channel.id)).toMatchObject({ id: channel.id, type: 'channel', title: 'News' });
    expect(await tg.getChatMember(channel.id, bot.id)).toMatchObject({
      status: 'administrator',
      user: { id: bot.id },
      can_post_messages: true,
    });
    expect(await tg.getChatMember(channel.id, owner.id)).toMatchObject({ status: 'creator', user: { id: owner.id } });
    const admins = await tg.getChatAdministrators('@sandboxchat2');
    expect(admins.map((a) => [a.user.id, a.status]).sort()).toEqual(
      [
        [owner.id, 'creator'],
        [bot.id, 'administrator'],
      ].sort(),
    );
  });

  it('stores commands with setMyCommands and answers them with getMyCommands', async () => {
    const bot = await newBot(sandbox);
    const tg = telegramFor(sandbox, bot.token);
    await tg.setMyCommands([{ command: 'start', description: 'Start the bot' }]);
    expect(await tg.getMyCommands()).toEqual([{ command: 'start', description: 'Start the bot' }]);
    const bad = await catchTelegramError(tg.setMyCommands([{ command: 'Bad Command', description: 'x' }]));
    expect(bad.description).toBe('Bad Request: BOT_COMMAND_INVALID');
    const query = await catchTelegramError(tg.answerCbQuery('12345'));
    expect(query.code).toBe(400);
  });

  it('applies parse_mode HTML: the channel sees plain text, the bot gets entities back', async () => {
    const owner = await newUser(sandbox);
    const bot = await newBot(sandbox);
    const channel = await newChannel(sandbox, owner.phone);
    await addBotToChannel(sandbox, channel.id, bot.id);
    const tg = telegramFor(sandbox, bot.token);
    const msg = await tg.sendMessage(channel.id, '<b>Sale</b> starts <a href="https://shop.test">now</a>', {
      parse_mode: 'HTML',
    });
    expect(msg.text).toBe('Sale starts now');
    expect(msg.entities).toEqual([
      { type: 'bold', offset: 0, length: 4 },
      { type: 'text_link', offset: 12, length: 3, url: 'https://shop.test' },
    ]);
    expect(sandbox.world.findChannel(channel.id)!.messages[0]?.text).toBe('Sale starts now');
    const bad = await catchTelegramError(tg.sendMessage(channel.id, '<blink>x</blink>', { parse_mode: 'HTML' }));
    expect(bad.description).toBe('Bad Request: can\'t parse entities: Unsupported start tag "blink" at byte offset 0');
  });

  it('takes parameters from a GET query string and from urlencoded bodies', async () => {
    const user = await newUser(sandbox);
    const bot = await newBot(sandbox);
    await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: 'hi' });
    const viaGet = await fetch(`${sandbox.httpUrl}/bot${bot.token}/sendMessage?chat_id=${user.id}&text=from%20GET`);
    expect(await viaGet.json()).toMatchObject({ ok: true, result: { text: 'from GET', chat: { id: user.id } } });
    const viaForm = await fetch(`${sandbox.httpUrl}/bot${bot.token}/sendmessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ chat_id: String(user.id), text: 'from form' }).toString(),
    });
    expect(await viaForm.json()).toMatchObject({ ok: true, result: { text: 'from form' } });
  });

  it('ends a waiting getUpdates with 409 when a second poller starts', async () => {
    const bot = await newBot(sandbox);
    const first = telegramFor(sandbox, bot.token).getUpdates(20, 100, 0, undefined);
    await waitForPoll(sandbox, bot.id);
    const second = telegramFor(sandbox, bot.token).getUpdates(0, 100, 0, undefined);
    const err = await catchTelegramError(first);
    expect(err.code).toBe(409);
    expect(err.description).toBe(
      'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    );
    expect(await second).toEqual([]);
  });

  it('serves injected faults: 429 with retry_after, FLOOD_WAIT_30, 500', async () => {
    const bot = await newBot(sandbox);
    const tg = telegramFor(sandbox, bot.token);
    await control(sandbox, 'POST', '/sandbox/faults', { door: 'bot', method: 'getMe', error: 429, times: 1 });
    await control(sandbox, 'POST', '/sandbox/faults', {
      door: 'bot',
      method: 'getMe',
      error: 'FLOOD_WAIT_30',
      times: 1,
    });
    await control(sandbox, 'POST', '/sandbox/faults', { door: 'bot', method: 'getMe', error: 500, times: 1 });
    await control(sandbox, 'POST', '/sandbox/faults', { door: 'bot', method: 'getMe', error: '429:5', times: 1 });

    const first = await catchTelegramError(tg.getMe());
    expect(first.response).toEqual({
      ok: false,
      error_code: 429,
      description: 'Too Many Requests: retry after 2',
      parameters: { retry_after: 2 },
    });
    expect((await catchTelegramError(tg.getMe())).response.parameters).toEqual({ retry_after: 30 });
    const serverError = await catchTelegramError(tg.getMe());
    expect(serverError.code).toBe(500);
    expect(serverError.description).toBe('Internal Server Error');
    expect((await catchTelegramError(tg.getMe())).response.parameters).toEqual({ retry_after: 5 });
    expect((await tg.getMe()).id).toBe(bot.id);
  });
});

describe('startSandbox lifecycle', () => {
  it('closes every socket it opened, including a pending long poll', async () => {
    const tcpHandles = (): number =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap').length;
    const before = tcpHandles();
    const sandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0 });
    const bot = await newBot(sandbox);
    const tg = telegramFor(sandbox, bot.token);
    await tg.getMe();
    const poll = tg.getUpdates(30, 100, 0, undefined).catch((err: unknown) => err);
    await waitForPoll(sandbox, bot.id);
    await sandbox.close();
    await poll;
    await eventually(() => (tcpHandles() <= before ? true : undefined));
    expect(tcpHandles()).toBeLessThanOrEqual(before);
  });
});
