import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Bot, webhookCallback } from 'grammy';
import { Api, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import { Telegraf } from 'telegraf';
import { eventually } from '../helpers/eventually';
import {
  addBotToChannel,
  control,
  newBot,
  newChannel,
  newUser,
  nextPhone,
  rawBotCall,
  telegramFor,
} from './bot-helpers';
import { type MtprotoKit, signedInClient, startMtprotoKit } from './mtproto-kit';

jest.setTimeout(30_000);

type Update = Record<string, any>;

/** A bot program on a real client library, recording every update it handles and answering every button press. */
interface Receiver {
  updates: Update[];
  close(): Promise<void>;
}

type StartReceiver = (apiRoot: string, token: string, allowedUpdates?: string[]) => Promise<Receiver>;

async function listen(
  handler: (...args: Parameters<RequestListener>) => Promise<unknown>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** Waits until the sandbox holds the bot's allowed_updates, so a poller's first getUpdates has landed. */
async function allowedUpdatesSet(apiRoot: string, token: string, allowed: string[] | undefined): Promise<void> {
  if (!allowed?.length) return;
  await eventually(async () => {
    const info = await rawBotCall({ httpUrl: apiRoot }, token, 'getWebhookInfo');
    return JSON.stringify(info.body.result.allowed_updates) === JSON.stringify(allowed) ? true : undefined;
  });
}

function telegrafBot(apiRoot: string, token: string, updates: Update[]): Telegraf {
  const app = new Telegraf(token, { telegram: { apiRoot, webhookReply: false } });
  app.use((ctx, next) => {
    updates.push(ctx.update);
    return next();
  });
  app.on('callback_query', (ctx) =>
    ctx.answerCbQuery(`got ${'data' in ctx.callbackQuery ? ctx.callbackQuery.data : ''}`),
  );
  return app;
}

function grammyBot(apiRoot: string, token: string, updates: Update[]): Bot {
  const bot = new Bot(token, { client: { apiRoot } });
  bot.use((ctx, next) => {
    updates.push(ctx.update);
    return next();
  });
  bot.on('callback_query:data', (ctx) => ctx.answerCallbackQuery({ text: `got ${ctx.callbackQuery.data}` }));
  return bot;
}

const RECEIVERS: [string, StartReceiver][] = [
  [
    'telegraf by webhook',
    async (apiRoot, token, allowedUpdates) => {
      const updates: Update[] = [];
      const app = telegrafBot(apiRoot, token, updates);
      const secret = randomBytes(16).toString('hex');
      // telegraf answers 403 to a delivery without this secret header, so nothing would be recorded.
      const server = await listen(app.webhookCallback('/hook', { secretToken: secret }));
      await app.telegram.setWebhook(server.url, {
        secret_token: secret,
        ...(allowedUpdates ? { allowed_updates: allowedUpdates as never } : {}),
      });
      return { updates, close: () => server.close() };
    },
  ],
  [
    'grammY by getUpdates long polling',
    async (apiRoot, token, allowedUpdates) => {
      const updates: Update[] = [];
      const bot = grammyBot(apiRoot, token, updates);
      const running = bot.start({ allowed_updates: allowedUpdates as never, timeout: 20 });
      await allowedUpdatesSet(apiRoot, token, allowedUpdates);
      return {
        updates,
        close: async () => {
          await bot.stop();
          await running;
        },
      };
    },
  ],
  [
    'grammY by webhook',
    async (apiRoot, token, allowedUpdates) => {
      const updates: Update[] = [];
      const bot = grammyBot(apiRoot, token, updates);
      const secret = randomBytes(16).toString('hex');
      const server = await listen(webhookCallback(bot, 'http', { secretToken: secret }));
      await bot.api.setWebhook(server.url, { secret_token: secret, allowed_updates: allowedUpdates as never });
      return { updates, close: () => server.close() };
    },
  ],
  [
    'telegraf by getUpdates long polling',
    async (apiRoot, token, allowedUpdates) => {
      const updates: Update[] = [];
      const app = telegrafBot(apiRoot, token, updates);
      const running = app.launch({ allowedUpdates: allowedUpdates as never });
      await allowedUpdatesSet(apiRoot, token, allowedUpdates);
      return {
        updates,
        close: async () => {
          app.stop('test done');
          await running;
        },
      };
    },
  ],
];

const of = (updates: Update[], type: string): Update[] =>
  updates.filter((u) => u[type] !== undefined).map((u) => u[type]);
const textsOf = (updates: Update[], type: string): string[] => of(updates, type).map((m) => m.text as string);

describe('sandbox Bot API door: every update kind, through telegraf and grammY', () => {
  let kit: MtprotoKit;
  let sandbox: MtprotoKit['sandbox'];
  /** A channel owner signed in over MTProto, to post as a Telegram app does. */
  let owner: { id: number; phone: string };
  let ownerApp: TelegramClient;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    kit = await startMtprotoKit();
    sandbox = kit.sandbox;
    owner = await newUser(sandbox, 'Olga');
    ownerApp = await signedInClient(kit, owner);
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(async () => {
    await kit.close();
  });

  const postOverMtproto = (channel: { channel_id: number; access_hash: string }, text: string) =>
    ownerApp.invoke(
      new Api.messages.SendMessage({
        peer: new Api.InputPeerChannel({
          channelId: returnBigInt(channel.channel_id),
          accessHash: returnBigInt(channel.access_hash),
        }),
        message: text,
        randomId: returnBigInt(randomBytes(6).readUIntBE(0, 6)),
      }),
    );

  describe.each(RECEIVERS)('%s', (_name, start) => {
    const receive = async (token: string, allowed?: string[]): Promise<Receiver> => {
      const r = await start(sandbox.httpUrl, token, allowed);
      receivers.push(r);
      return r;
    };

    it("delivers channel_post to an admin bot for posts by a user, another bot and an MTProto app, never for the bot's own", async () => {
      const bot = await newBot(sandbox);
      const other = await newBot(sandbox);
      const channel = await newChannel(sandbox, owner.phone);
      await addBotToChannel(sandbox, channel.id, bot.id);
      await addBotToChannel(sandbox, channel.id, other.id);
      const r = await receive(bot.token);

      await control(sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, { text: 'by the owner' });
      await telegramFor(sandbox, other.token).sendMessage(channel.id, 'by another bot');
      await telegramFor(sandbox, bot.token).sendMessage(channel.id, 'by the bot itself');
      await postOverMtproto(channel, 'over MTProto');
      await control(sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, { text: 'last' });

      await eventually(() => (textsOf(r.updates, 'channel_post').includes('last') ? true : undefined));
      expect(textsOf(r.updates, 'channel_post')).toEqual(['by the owner', 'by another bot', 'over MTProto', 'last']);
      expect(of(r.updates, 'channel_post')[0]).toMatchObject({
        chat: { id: channel.id, type: 'channel' },
        sender_chat: { id: channel.id, type: 'channel' },
        message_id: expect.any(Number),
        date: expect.any(Number),
      });
      expect(of(r.updates, 'message')).toEqual([]);
    });

    it("delivers edited_channel_post for edits by the owner and by another bot, never for the bot's own", async () => {
      const bot = await newBot(sandbox);
      const other = await newBot(sandbox);
      const channel = await newChannel(sandbox, owner.phone);
      await addBotToChannel(sandbox, channel.id, bot.id);
      await addBotToChannel(sandbox, channel.id, other.id);
      const r = await receive(bot.token);

      const draft = await control(sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, { text: 'draft' });
      const edit = await control(
        sandbox,
        'PATCH',
        `/sandbox/channels/${channel.id}/messages/${draft.body.message_id}`,
        {
          text: 'edited by the owner',
        },
      );
      expect(edit).toMatchObject({ status: 200, body: { message_id: draft.body.message_id } });
      const otherTg = telegramFor(sandbox, other.token);
      const byOther = await otherTg.sendMessage(channel.id, 'other bot draft');
      await otherTg.editMessageText(channel.id, byOther.message_id, undefined, 'edited by another bot');
      const botTg = telegramFor(sandbox, bot.token);
      const own = await botTg.sendMessage(channel.id, 'own draft');
      await botTg.editMessageText(channel.id, own.message_id, undefined, 'own edit');
      await control(sandbox, 'PATCH', `/sandbox/channels/${channel.id}/messages/${draft.body.message_id}`, {
        text: 'final',
      });

      await eventually(() => (textsOf(r.updates, 'edited_channel_post').includes('final') ? true : undefined));
      expect(textsOf(r.updates, 'edited_channel_post')).toEqual([
        'edited by the owner',
        'edited by another bot',
        'final',
      ]);
      expect(of(r.updates, 'edited_channel_post')[0]).toMatchObject({
        message_id: draft.body.message_id,
        chat: { id: channel.id },
        edit_date: expect.any(Number),
      });
    });

    it('delivers edited_message when a user edits a message sent to the bot or in its group', async () => {
      const user = await newUser(sandbox, 'Eve');
      const bot = await newBot(sandbox);
      const group = await newChannel(sandbox, owner.phone, { megagroup: true });
      await control(sandbox, 'POST', `/sandbox/channels/${group.id}/members`, { phone: user.phone });
      await addBotToChannel(sandbox, group.id, bot.id, { admin: true });
      const r = await receive(bot.token);

      const sent = await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, {
        from_phone: user.phone,
        text: 'helo',
      });
      const edited = await control(sandbox, 'PATCH', `/sandbox/bots/${bot.id}/messages/${sent.body.message_id}`, {
        text: 'hello',
      });
      expect(edited).toMatchObject({ status: 200, body: { message_id: sent.body.message_id } });
      const inGroup = await control(sandbox, 'POST', `/sandbox/channels/${group.id}/messages`, {
        from_phone: user.phone,
        text: 'hi all',
      });
      await control(sandbox, 'PATCH', `/sandbox/channels/${group.id}/messages/${inGroup.body.message_id}`, {
        text: 'hi everyone',
      });

      await eventually(() => (of(r.updates, 'edited_message').length === 2 ? true : undefined));
      expect(textsOf(r.updates, 'message')).toEqual(['helo', 'hi all']);
      const [privateEdit, groupEdit] = of(r.updates, 'edited_message');
      expect(privateEdit).toMatchObject({
        message_id: sent.body.message_id,
        text: 'hello',
        from: { id: user.id },
        chat: { id: user.id, type: 'private' },
        edit_date: expect.any(Number),
      });
      expect(groupEdit).toMatchObject({
        message_id: inGroup.body.message_id,
        text: 'hi everyone',
        from: { id: user.id },
        chat: { id: group.id, type: 'supergroup' },
        edit_date: expect.any(Number),
      });
    });

    it('delivers callback_query when a user presses an inline button, and records the answer', async () => {
      const user = await newUser(sandbox, 'Finn');
      const bot = await newBot(sandbox);
      await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: '/start' });
      const r = await receive(bot.token);
      const asked = await telegramFor(sandbox, bot.token).sendMessage(user.id, 'Ready?', {
        reply_markup: {
          inline_keyboard: [
            [
              { text: 'Yes', callback_data: 'yes' },
              { text: 'No', callback_data: 'no' },
            ],
          ],
        },
      });
      expect(asked.reply_markup?.inline_keyboard[0]?.[1]).toEqual({ text: 'No', callback_data: 'no' });

      const press = await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/callback`, {
        from_phone: user.phone,
        message_id: asked.message_id,
        callback_data: 'yes',
      });
      expect(press.status).toBe(200);
      const queryId = press.body.callback_query_id as string;
      const seen = await eventually(async () => {
        const q = await control(sandbox, 'GET', `/sandbox/bots/${bot.id}/callbacks/${queryId}`);
        return q.body.answered ? q.body : undefined;
      });
      expect(seen).toMatchObject({ data: 'yes', answer: { text: 'got yes', show_alert: false } });
      const [query] = of(r.updates, 'callback_query');
      expect(query).toMatchObject({
        id: queryId,
        from: { id: user.id, first_name: 'Finn' },
        data: 'yes',
        chat_instance: expect.any(String),
        message: { message_id: asked.message_id, chat: { id: user.id }, text: 'Ready?' },
      });

      const byText = await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/callback`, {
        from_phone: user.phone,
        message_id: asked.message_id,
        button_text: 'No',
      });
      await eventually(() => (of(r.updates, 'callback_query').length === 2 ? true : undefined));
      expect(of(r.updates, 'callback_query')[1]).toMatchObject({ id: byText.body.callback_query_id, data: 'no' });
    });

    it('delivers chat_member only to a bot that asked for it in allowed_updates', async () => {
      const member = await newUser(sandbox, 'Gus');
      const asking = await newBot(sandbox);
      const silent = await newBot(sandbox);
      const channel = await newChannel(sandbox, owner.phone);
      await addBotToChannel(sandbox, channel.id, asking.id);
      await addBotToChannel(sandbox, channel.id, silent.id);
      const withChatMember = await receive(asking.token, ['chat_member', 'channel_post']);
      const byDefault = await receive(silent.token);

      await control(sandbox, 'POST', `/sandbox/channels/${channel.id}/members`, { phone: member.phone });
      await control(sandbox, 'POST', `/sandbox/channels/${channel.id}/members`, { phone: member.phone, admin: true });
      await control(sandbox, 'DELETE', `/sandbox/channels/${channel.id}/members/user/${member.phone}`);
      await control(sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, { text: 'after the changes' });

      for (const r of [withChatMember, byDefault]) {
        await eventually(() => (textsOf(r.updates, 'channel_post').includes('after the changes') ? true : undefined));
      }
      const changes = of(withChatMember.updates, 'chat_member');
      expect(changes.map((c) => [c.old_chat_member.status, c.new_chat_member.status])).toEqual([
        ['left', 'member'],
        ['member', 'administrator'],
        ['administrator', 'left'],
      ]);
      expect(changes[0]).toMatchObject({
        chat: { id: channel.id },
        from: { id: owner.id },
        new_chat_member: { user: { id: member.id, is_bot: false } },
      });
      expect(of(byDefault.updates, 'chat_member')).toEqual([]);
    });

    it('honours allowed_updates: a bot asking only for messages gets no channel_post', async () => {
      const user = await newUser(sandbox, 'Hana');
      const bot = await newBot(sandbox);
      const channel = await newChannel(sandbox, owner.phone);
      await addBotToChannel(sandbox, channel.id, bot.id);
      const r = await receive(bot.token, ['message']);

      await control(sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, { text: 'filtered out' });
      await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: 'marker' });

      await eventually(() => (textsOf(r.updates, 'message').includes('marker') ? true : undefined));
      expect(of(r.updates, 'channel_post')).toEqual([]);
    });
  });

  it('keeps the last allowed_updates given to getUpdates or setWebhook, as Telegram does', async () => {
    const user = await newUser(sandbox, 'Ivan');
    const bot = await newBot(sandbox);
    const channel = await newChannel(sandbox, owner.phone);
    await addBotToChannel(sandbox, channel.id, bot.id);
    const call = (method: string, params: Record<string, unknown> = {}) =>
      rawBotCall(sandbox, bot.token, method, params);
    const drain = async (): Promise<Update[]> => {
      const got = (await call('getUpdates', { timeout: 0 })).body.result as Update[];
      const last = got.at(-1);
      if (last !== undefined) await call('getUpdates', { offset: last.update_id + 1, timeout: 0 });
      return got;
    };
    await call('getUpdates', { allowed_updates: ['message'], timeout: 0 });
    await drain();

    await control(sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, { text: 'not wanted' });
    await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: 'wanted' });
    // No list on this call: the last one still applies.
    expect((await drain()).map((u) => Object.keys(u)[1])).toEqual(['message']);

    await call('setWebhook', { url: 'http://127.0.0.1:9/unused', allowed_updates: ['channel_post'] });
    expect((await call('getWebhookInfo')).body.result.allowed_updates).toEqual(['channel_post']);
    await call('deleteWebhook');
    await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, {
      from_phone: user.phone,
      text: 'now filtered',
    });
    await control(sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, { text: 'now wanted' });
    const after = await drain();
    expect(after.map((u) => u.channel_post?.text ?? u.message?.text)).toEqual(['now wanted']);

    // An empty list returns to Telegram's default, which leaves out chat_member.
    await call('getUpdates', { allowed_updates: [], timeout: 0 });
    expect((await call('getWebhookInfo')).body.result.allowed_updates).toBeUndefined();
  });

  it("answers answerCallbackQuery and button presses with Telegram's errors", async () => {
    const user = await newUser(sandbox, 'Jo');
    const bot = await newBot(sandbox);
    await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: '/start' });
    const tooOld = {
      ok: false,
      error_code: 400,
      description: 'Bad Request: query is too old and response timeout expired or query ID is invalid',
    };
    expect(await rawBotCall(sandbox, bot.token, 'answerCallbackQuery', { callback_query_id: '12345' })).toEqual({
      status: 400,
      body: tooOld,
    });

    const asked = await rawBotCall(sandbox, bot.token, 'sendMessage', {
      chat_id: user.id,
      text: 'Pick',
      reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] },
    });
    const messageId = asked.body.result.message_id as number;
    const notOnKeyboard = await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/callback`, {
      from_phone: user.phone,
      message_id: messageId,
      callback_data: 'z',
    });
    expect(notOnKeyboard.status).toBe(400);
    expect(notOnKeyboard.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('DATA_INVALID'),
    });
    const otherMessage = await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/callback`, {
      from_phone: user.phone,
      message_id: messageId + 1000,
      callback_data: 'a',
    });
    expect(otherMessage).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });

    const press = await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/callback`, {
      from_phone: user.phone,
      message_id: messageId,
      callback_data: 'a',
    });
    const id = press.body.callback_query_id as string;
    const unanswered = await control(sandbox, 'GET', `/sandbox/bots/${bot.id}/callbacks/${id}`);
    expect(unanswered.body).toMatchObject({ answered: false, data: 'a', message_id: messageId });
    const tooLong = await rawBotCall(sandbox, bot.token, 'answerCallbackQuery', {
      callback_query_id: id,
      text: 'x'.repeat(201),
    });
    expect(tooLong.body).toMatchObject({ ok: false, error_code: 400, description: 'Bad Request: MESSAGE_TOO_LONG' });
    expect(
      await rawBotCall(sandbox, bot.token, 'answerCallbackQuery', {
        callback_query_id: id,
        text: 'Done',
        show_alert: true,
      }),
    ).toEqual({ status: 200, body: { ok: true, result: true } });
    expect((await control(sandbox, 'GET', `/sandbox/bots/${bot.id}/callbacks/${id}`)).body).toMatchObject({
      answered: true,
      answer: { text: 'Done', show_alert: true },
    });
    // One answer per press.
    expect((await rawBotCall(sandbox, bot.token, 'answerCallbackQuery', { callback_query_id: id })).body).toEqual(
      tooOld,
    );
  });

  it("delivers callback_query for a button under the bot's channel post, pressed by a member of the channel", async () => {
    const reader = await newUser(sandbox, 'Nia');
    const outsider = await newUser(sandbox, 'Oz');
    const bot = await newBot(sandbox);
    const channel = await newChannel(sandbox, owner.phone);
    await addBotToChannel(sandbox, channel.id, bot.id);
    await control(sandbox, 'POST', `/sandbox/channels/${channel.id}/members`, { phone: reader.phone });
    const post = await telegramFor(sandbox, bot.token).sendMessage(channel.id, 'Poll', {
      reply_markup: { inline_keyboard: [[{ text: 'Like', callback_data: 'like' }]] },
    });
    const press = (phone: string) =>
      control(sandbox, 'POST', `/sandbox/bots/${bot.id}/callback`, {
        from_phone: phone,
        chat_id: channel.id,
        message_id: post.message_id,
        button_text: 'Like',
      });

    expect((await press(outsider.phone)).status).toBe(400);
    const pressed = await press(reader.phone);
    expect(pressed.status).toBe(200);
    const updates = (await rawBotCall(sandbox, bot.token, 'getUpdates', {})).body.result as Update[];
    expect(of(updates, 'callback_query')).toEqual([
      expect.objectContaining({
        id: pressed.body.callback_query_id,
        from: expect.objectContaining({ id: reader.id }),
        data: 'like',
        message: expect.objectContaining({
          message_id: post.message_id,
          chat: expect.objectContaining({ id: channel.id }),
        }),
      }),
    ]);
  });

  it('refuses inline keyboards Telegram refuses: a text-only button, callback_data over 64 bytes', async () => {
    const user = await newUser(sandbox, 'Kai');
    const bot = await newBot(sandbox);
    await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: '/start' });
    const send = (keyboard: unknown) =>
      rawBotCall(sandbox, bot.token, 'sendMessage', {
        chat_id: user.id,
        text: 'x',
        reply_markup: { inline_keyboard: keyboard },
      });
    expect((await send([[{ text: 'plain' }]])).body).toEqual({
      ok: false,
      error_code: 400,
      description: "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
    });
    expect((await send([[{ text: 'big', callback_data: 'é'.repeat(33) }]])).body.description).toBe(
      'Bad Request: BUTTON_DATA_INVALID',
    );
    const hundredAndOne = Array.from({ length: 101 }, (_, i) => [{ text: `b${i}`, callback_data: `${i}` }]);
    expect((await send(hundredAndOne)).body.description).toBe('Bad Request: reply markup is too long');
    const kept = await send([[{ text: 'ok', callback_data: 'd'.repeat(64), extra: { junk: true } }]]);
    expect(kept.body.result.reply_markup).toEqual({
      inline_keyboard: [[{ text: 'ok', callback_data: 'd'.repeat(64) }]],
    });
    // Nothing refused reached the chat.
    expect(sandbox.world.privateMessagesOf('bot', bot.id).filter((m) => m.fromKind === 'bot')).toHaveLength(1);
  });

  it('lets the bot replace its message text and keyboard with editMessageText, and drop the keyboard with editMessageReplyMarkup', async () => {
    const user = await newUser(sandbox, 'Lea');
    const bot = await newBot(sandbox);
    await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: '/start' });
    const tg = telegramFor(sandbox, bot.token);
    const asked = await tg.sendMessage(user.id, 'Vote', {
      reply_markup: { inline_keyboard: [[{ text: 'Up', callback_data: 'up' }]] },
    });
    const edited = (await tg.editMessageText(user.id, asked.message_id, undefined, 'Voted', {
      reply_markup: { inline_keyboard: [[{ text: 'Undo', callback_data: 'undo' }]] },
    })) as Update;
    expect(edited).toMatchObject({ text: 'Voted', edit_date: expect.any(Number) });
    expect(edited.reply_markup.inline_keyboard[0][0]).toEqual({ text: 'Undo', callback_data: 'undo' });
    const stale = await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/callback`, {
      from_phone: user.phone,
      message_id: asked.message_id,
      callback_data: 'up',
    });
    expect(stale.status).toBe(400);

    const bare = (await tg.editMessageReplyMarkup(user.id, asked.message_id, undefined, undefined)) as Update;
    expect(bare.reply_markup).toBeUndefined();
    const gone = await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/callback`, {
      from_phone: user.phone,
      message_id: asked.message_id,
      callback_data: 'undo',
    });
    expect(gone.status).toBe(400);
    await expect(tg.editMessageReplyMarkup(user.id, asked.message_id, undefined, undefined)).rejects.toMatchObject({
      response: { error_code: 400, description: expect.stringContaining('message is not modified') },
    });
  });

  it('in a supergroup a plain member bot hears only commands for it, and no bot hears another bot', async () => {
    const user = await newUser(sandbox, 'Max');
    const plain = await newBot(sandbox);
    const admin = await newBot(sandbox);
    const group = await newChannel(sandbox, owner.phone, { megagroup: true });
    await control(sandbox, 'POST', `/sandbox/channels/${group.id}/members`, { phone: user.phone });
    await addBotToChannel(sandbox, group.id, plain.id, { admin: false });
    await addBotToChannel(sandbox, group.id, admin.id, { admin: true });
    const say = (text: string) =>
      control(sandbox, 'POST', `/sandbox/channels/${group.id}/messages`, { from_phone: user.phone, text });

    await say('just chatting');
    await say('/help');
    await say(`/stats@${admin.username}`);
    await say(`/stats@${plain.username}`);
    await telegramFor(sandbox, admin.token).sendMessage(group.id, '/help from a bot');
    await say('/done');

    const texts = async (token: string): Promise<string[]> =>
      ((await rawBotCall(sandbox, token, 'getUpdates', { timeout: 0 })).body.result as Update[])
        .filter((u) => u.message)
        .map((u) => u.message.text as string);
    expect(await texts(plain.token)).toEqual(['/help', `/stats@${plain.username}`, '/done']);
    expect(await texts(admin.token)).toEqual([
      'just chatting',
      '/help',
      `/stats@${admin.username}`,
      `/stats@${plain.username}`,
      '/done',
    ]);
  });

  it('in a supergroup a bot in privacy mode also hears mentions of it and replies to it; one with privacy off hears all', async () => {
    const user = await newUser(sandbox, 'Max');
    const quiet = await newBot(sandbox);
    const open = await newBot(sandbox);
    expect((await control(sandbox, 'POST', `/sandbox/bots/${open.id}/privacy`, { enabled: false })).status).toBe(200);
    const group = await newChannel(sandbox, owner.phone, { megagroup: true });
    await control(sandbox, 'POST', `/sandbox/channels/${group.id}/members`, { phone: user.phone });
    await addBotToChannel(sandbox, group.id, quiet.id, { admin: false });
    await addBotToChannel(sandbox, group.id, open.id, { admin: false });
    const fromBot = await telegramFor(sandbox, quiet.token).sendMessage(group.id, 'ask me');
    const say = (text: string) =>
      control(sandbox, 'POST', `/sandbox/channels/${group.id}/messages`, { from_phone: user.phone, text });

    await say('just chatting');
    await say(`hi @${quiet.username}`);
    sandbox.world.postToChannel(group.id, { text: 'an answer', fromUserId: user.id, replyToId: fromBot.message_id });

    const texts = async (token: string): Promise<string[]> =>
      ((await rawBotCall(sandbox, token, 'getUpdates', { timeout: 0 })).body.result as Update[])
        .filter((u) => u.message)
        .map((u) => u.message.text as string);
    expect(await texts(quiet.token)).toEqual([`hi @${quiet.username}`, 'an answer']);
    expect(await texts(open.token)).toEqual(['just chatting', `hi @${quiet.username}`, 'an answer']);
  });

  it("refuses usernames outside Telegram's rule for users, bots and channels", async () => {
    const stamp = String(Date.now() % 100000).padStart(5, '0');
    const user = (username: string) =>
      control(sandbox, 'POST', '/sandbox/users', { phone: nextPhone(), first_name: 'U', username });
    const refused = {
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('5-32') } },
    };

    expect(await user('abcd')).toMatchObject(refused);
    expect((await user(`u${stamp}`)).status).toBe(201);
    for (const bad of ['9lives', '_under', 'trail_', 'two__under', 'dash-ed', 'x'.repeat(33)]) {
      expect(await user(bad)).toMatchObject(refused);
    }
    expect(await control(sandbox, 'POST', '/sandbox/bots', { username: 'abot' })).toMatchObject(refused);
    expect((await control(sandbox, 'POST', '/sandbox/bots', { username: `b${stamp}bot` })).status).toBe(201);
    expect((await control(sandbox, 'POST', '/sandbox/bots', { username: `c${stamp}` })).body.error.message).toContain(
      "end with 'bot'",
    );
    const channel = (username: string) =>
      control(sandbox, 'POST', '/sandbox/channels', { title: 'T', owner_phone: owner.phone, username });
    expect(await channel('news')).toMatchObject(refused);
    expect((await channel(`n${stamp}`)).status).toBe(201);
  });
});
