import { Telegraf } from 'telegraf';
import type { InlineQueryResult } from 'telegraf/types';
import { Api, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import { eventually } from '../helpers/eventually';
import { control, newBot, rawBotCall, telegramFor } from './bot-helpers';
import { errorOf, type MtprotoKit, namedUser, signedInClient, startMtprotoKit } from './mtproto-kit';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * Inline mode through both doors: a real telegraf bot answers inline queries (`bot.on('inline_query')`) that a real
 * gramjs app asks (messages.getInlineBotResults), and the app sends a result "via @bot" (messages.sendInlineBotResult).
 */
describe('inline mode', () => {
  let kit: MtprotoKit;
  /** The wait for a bot's answer, short so a silent bot fails fast (but long enough for telegraf on a busy machine). */
  const ANSWER_WAIT_MS = 1500;

  beforeAll(async () => {
    kit = await startMtprotoKit({ callbackAnswerTimeoutMs: ANSWER_WAIT_MS });
  });
  afterAll(async () => {
    await kit.close();
  });

  type Bot = { id: number; token: string; username: string };

  async function inlineBot(placeholder = 'Search...'): Promise<Bot> {
    const bot = await newBot(kit.sandbox);
    const res = await control(kit.sandbox, 'POST', `/sandbox/bots/${bot.id}/inline`, { placeholder });
    expect(res).toEqual({ status: 200, body: { enabled: true, placeholder, feedback: true } });
    return bot;
  }

  interface RunningBot {
    queries: { id: string; from: number; query: string; offset: string; chatType: string | undefined }[];
    chosen: { resultId: string; from: number; query: string }[];
    messages: { text: string | undefined; viaBot: number | undefined; photo: boolean }[];
    stop(): Promise<void>;
  }

  /** A telegraf bot answering every query but "silent" with `results(query)`; it records what it hears. */
  function runBot(bot: Bot, results: (query: string) => InlineQueryResult[], cacheTime = 0): RunningBot {
    const app = new Telegraf(bot.token, { telegram: { apiRoot: kit.sandbox.httpUrl, webhookReply: false } });
    const running: Omit<RunningBot, 'stop'> = { queries: [], chosen: [], messages: [] };
    app.on('inline_query', async (ctx) => {
      const q = ctx.inlineQuery;
      running.queries.push({ id: q.id, from: q.from.id, query: q.query, offset: q.offset, chatType: q.chat_type });
      if (q.query === 'silent') return;
      await ctx.answerInlineQuery(results(q.query), {
        cache_time: cacheTime,
        next_offset: q.offset ? '' : 'page2',
        button: { text: 'Open the bot', start_parameter: 'from_inline' },
      });
    });
    app.on('chosen_inline_result', (ctx) => {
      const c = ctx.chosenInlineResult;
      running.chosen.push({ resultId: c.result_id, from: c.from.id, query: c.query });
    });
    app.on('message', (ctx) => {
      const m = ctx.message;
      running.messages.push({
        text: 'text' in m ? m.text : 'caption' in m ? m.caption : undefined,
        viaBot: 'via_bot' in m ? (m.via_bot as { id: number } | undefined)?.id : undefined,
        photo: 'photo' in m,
      });
    });
    const launched = app.launch();
    return {
      ...running,
      async stop() {
        app.stop('test done');
        await launched;
      },
    };
  }

  const ask = (client: TelegramClient, bot: Api.TypeInputPeer, peer: Api.TypeInputPeer, query: string, offset = '') =>
    client.invoke(new Api.messages.GetInlineBotResults({ bot, peer, query, offset }));

  let randomSeq = 0;
  const sendResult = (client: TelegramClient, peer: Api.TypeInputPeer, queryId: Api.long, id: string) =>
    client.invoke(
      new Api.messages.SendInlineBotResult({
        peer,
        queryId,
        id,
        randomId: returnBigInt(Date.now() * 1000 + ++randomSeq),
      }),
    );

  it("turns inline mode on and off through the control API: getMe and the app's view of the bot follow", async () => {
    const bot = await newBot(kit.sandbox);
    const telegram = telegramFor(kit.sandbox, bot.token);
    expect((await telegram.getMe()).supports_inline_queries).toBe(false);
    const user = await namedUser(kit, 'Ina');
    const client = await signedInClient(kit, user);
    const before = (await client.getEntity(bot.username)) as Api.User;
    expect(before.botInlinePlaceholder).toBeFalsy();

    await control(kit.sandbox, 'POST', `/sandbox/bots/${bot.id}/inline`, {
      placeholder: 'Find a GIF',
      feedback: false,
    });
    expect((await telegram.getMe()).supports_inline_queries).toBe(true);
    const [after] = await client.invoke(new Api.users.GetUsers({ id: [await client.getInputEntity(bot.username)] }));
    expect((after as Api.User).botInlinePlaceholder).toBe('Find a GIF');

    const off = await control(kit.sandbox, 'POST', `/sandbox/bots/${bot.id}/inline`, { placeholder: null });
    expect(off.body).toEqual({ enabled: false, placeholder: null, feedback: false });
    expect((await telegram.getMe()).supports_inline_queries).toBe(false);

    // A bot may be made with inline mode on.
    const made = await control(kit.sandbox, 'POST', '/sandbox/bots', {
      username: `made_${Date.now() % 100000}_bot`,
      inline_placeholder: 'Ask me',
    });
    expect((await telegramFor(kit.sandbox, made.body.token).getMe()).supports_inline_queries).toBe(true);
  });

  it("answers an app's query with the bot's results and sends the chosen one via the bot", async () => {
    const bot = await inlineBot();
    // A photo and a document the bot has sent before, to offer again by file_id.
    const owner = await namedUser(kit, 'Ola');
    const ownerApp = await signedInClient(kit, owner);
    const botPeer = await ownerApp.getInputEntity(bot.username);
    await ownerApp.sendMessage(botPeer, { message: '/start' });
    const telegram = telegramFor(kit.sandbox, bot.token);
    await eventually(async () => (await telegram.getUpdates(0, 10, 0, undefined)).length > 0, {
      what: 'the /start reaching the bot',
    });
    const photo = await telegram.sendPhoto(owner.id, { source: PNG, filename: 'cat.png' });
    const doc = await telegram.sendDocument(owner.id, { source: Buffer.from('hello'), filename: 'notes.txt' });
    const photoId = photo.photo.at(-1)?.file_id ?? '';
    const docId = doc.document.file_id;
    const docUrl = (await telegram.getFileLink(docId)).href;

    const running = runBot(bot, (query) => [
      {
        type: 'article',
        id: 'art-1',
        title: `About ${query}`,
        description: 'a short text',
        input_message_content: { message_text: `<b>${query}</b> are great`, parse_mode: 'HTML' },
      },
      { type: 'photo', id: 'pic-1', photo_file_id: photoId, caption: 'a cat' },
      { type: 'document', id: 'doc-1', title: 'Notes', document_file_id: docId },
      // A file by URL: the sandbox fetches it (here, from its own file server) when the bot answers.
      { type: 'document', id: 'doc-url', title: 'By URL', document_url: docUrl, mime_type: 'application/zip' },
    ]);
    try {
      const friend = await namedUser(kit, 'Fay');
      const friendPeer = await ownerApp.getInputEntity(friend.username);
      const results = await ask(ownerApp, botPeer, friendPeer, 'cats');
      expect(results).toBeInstanceOf(Api.messages.BotResults);
      expect(results.nextOffset).toBe('page2');
      expect(results.switchPm).toMatchObject({ text: 'Open the bot', startParam: 'from_inline' });
      expect(results.cacheTime).toBe(0);
      expect(results.users.map((u) => Number(u.id))).toEqual([bot.id]);
      const [article, pic, file] = results.results;
      expect(article).toBeInstanceOf(Api.BotInlineResult);
      expect(article).toMatchObject({ id: 'art-1', type: 'article', title: 'About cats', description: 'a short text' });
      expect((article as Api.BotInlineResult).sendMessage).toBeInstanceOf(Api.BotInlineMessageText);
      expect((article as Api.BotInlineResult).sendMessage).toMatchObject({ message: 'cats are great' });
      expect(pic).toBeInstanceOf(Api.BotInlineMediaResult);
      expect(pic).toMatchObject({ id: 'pic-1', type: 'photo' });
      expect((pic as Api.BotInlineMediaResult).photo).toBeInstanceOf(Api.Photo);
      expect((pic as Api.BotInlineMediaResult).sendMessage).toBeInstanceOf(Api.BotInlineMessageMediaAuto);
      expect(file).toMatchObject({ id: 'doc-1', type: 'file', title: 'Notes' });
      expect((file as Api.BotInlineMediaResult).document).toBeInstanceOf(Api.Document);
      const byUrl = results.results[3] as Api.BotInlineMediaResult;
      expect(byUrl).toMatchObject({ id: 'doc-url', type: 'file', title: 'By URL' });
      expect(Number((byUrl.document as Api.Document).size)).toBe('hello'.length);
      expect(running.queries).toEqual([
        { id: results.queryId.toString(), from: owner.id, query: 'cats', offset: '', chatType: 'private' },
      ]);

      // The article goes to the friend as the user's message, "via @bot", formatted as the bot wrote it.
      const sent = (await sendResult(ownerApp, friendPeer, results.queryId, 'art-1')) as Api.Updates;
      const message = sent.updates
        .map((u) => (u instanceof Api.UpdateNewMessage ? u.message : undefined))
        .find((m): m is Api.Message => m instanceof Api.Message);
      expect(message).toMatchObject({ message: 'cats are great', out: true });
      expect(Number(message?.viaBotId)).toBe(bot.id);
      expect(message?.entities?.[0]).toBeInstanceOf(Api.MessageEntityBold);
      expect(sent.users.map((u) => Number(u.id))).toContain(bot.id);
      const friendApp = await signedInClient(kit, friend);
      const [received] = await friendApp.getMessages(await friendApp.getInputEntity(owner.username), { limit: 1 });
      expect(received?.message).toBe('cats are great');
      expect(Number(received?.viaBotId)).toBe(bot.id);
      await eventually(() => running.chosen.length === 1, { what: 'chosen_inline_result' });
      expect(running.chosen).toEqual([{ resultId: 'art-1', from: owner.id, query: 'cats' }]);

      // The photo, sent in the bot's own chat: the bot reads it with via_bot.
      const inBotChat = await ask(ownerApp, botPeer, botPeer, 'cats', 'page2');
      expect(running.queries[1]).toMatchObject({ chatType: 'sender', offset: 'page2' });
      await sendResult(ownerApp, botPeer, inBotChat.queryId, 'pic-1');
      const heard = await eventually(() => running.messages.find((m) => m.photo), { what: 'the photo via the bot' });
      expect(heard).toEqual({ text: 'a cat', viaBot: bot.id, photo: true });
      await eventually(() => running.chosen.length === 2, { what: 'the second chosen_inline_result' });
    } finally {
      await running.stop();
    }
  });

  it('refuses a bot without inline mode, a silent bot, and results the query never had', async () => {
    const plain = await newBot(kit.sandbox);
    const user = await namedUser(kit, 'Rex');
    const client = await signedInClient(kit, user);
    const self = new Api.InputPeerSelf();
    const plainPeer = await client.getInputEntity(plain.username);
    expect(await errorOf(ask(client, plainPeer, self, 'x'))).toBe('BOT_INLINE_DISABLED');
    const person = await client.getInputEntity((await namedUser(kit, 'Pat')).username);
    expect(await errorOf(ask(client, person, self, 'x'))).toBe('BOT_INVALID');

    const bot = await inlineBot();
    const running = runBot(bot, () => [
      { type: 'article', id: 'a', title: 'A', input_message_content: { message_text: 'a' } },
    ]);
    try {
      const botPeer = await client.getInputEntity(bot.username);
      expect(await errorOf(ask(client, botPeer, self, 'silent'))).toBe('BOT_RESPONSE_TIMEOUT');
      // The bot did hear it, it just never answered.
      expect(running.queries.map((q) => q.query)).toEqual(['silent']);
      const results = await ask(client, botPeer, self, 'ok');
      expect(await errorOf(sendResult(client, self, results.queryId, 'nope'))).toBe('RESULT_ID_INVALID');
      expect(await errorOf(sendResult(client, self, returnBigInt(12345), 'a'))).toBe('INLINE_RESULT_EXPIRED');
      // Another user cannot send this user's results.
      const other = await signedInClient(kit, await namedUser(kit, 'Oz'));
      expect(await errorOf(sendResult(other, new Api.InputPeerSelf(), results.queryId, 'a'))).toBe(
        'INLINE_RESULT_EXPIRED',
      );
      expect(running.chosen).toEqual([]);
    } finally {
      await running.stop();
    }
  });

  it('keeps a cached answer for the same query (for anyone: not personal), and tells no choice when feedback is off', async () => {
    const bot = await inlineBot();
    await control(kit.sandbox, 'POST', `/sandbox/bots/${bot.id}/inline`, { feedback: false });
    const running = runBot(
      bot,
      (query) => [{ type: 'article', id: 'r', title: query, input_message_content: { message_text: query } }],
      60,
    );
    try {
      const user = await namedUser(kit, 'Cy');
      const client = await signedInClient(kit, user);
      const botPeer = await client.getInputEntity(bot.username);
      const first = await ask(client, botPeer, botPeer, 'dogs');
      const again = await ask(client, botPeer, botPeer, 'dogs');
      expect(again.queryId.toString()).toBe(first.queryId.toString());
      expect(again.cacheTime).toBe(60);
      await ask(client, botPeer, botPeer, 'birds');
      // The repeat never reached the bot; a new query did.
      expect(running.queries.map((q) => q.query)).toEqual(['dogs', 'birds']);

      await sendResult(client, botPeer, first.queryId, 'r');
      await client.sendMessage(botPeer, { message: 'after' });
      await eventually(() => running.messages.some((m) => m.text === 'after'), { what: 'the message after' });
      expect(running.messages.map((m) => [m.text, m.viaBot])).toEqual([
        ['dogs', bot.id],
        ['after', undefined],
      ]);
      // Updates come in order: with feedback off, none told of the choice before the next message.
      expect(running.chosen).toEqual([]);

      // Not personal: another user asking the same gets the same answer, and may send its results.
      const other = await signedInClient(kit, await namedUser(kit, 'Di'));
      const otherBotPeer = await other.getInputEntity(bot.username);
      const shared = await ask(other, otherBotPeer, otherBotPeer, 'dogs');
      expect(shared.queryId.toString()).toBe(first.queryId.toString());
      expect(running.queries.map((q) => q.query)).toEqual(['dogs', 'birds']);
      await sendResult(other, otherBotPeer, shared.queryId, 'r');
      await eventually(() => running.messages.length === 3, { what: "the other user's result reaching the bot" });
      expect(running.messages[2]).toEqual({ text: 'dogs', viaBot: bot.id, photo: false });
    } finally {
      await running.stop();
    }
  });

  it("gives a result's inline keyboard an inline_message_id whose presses reach the bot, which edits the message", async () => {
    const bot = await inlineBot();
    const app = new Telegraf(bot.token, { telegram: { apiRoot: kit.sandbox.httpUrl, webhookReply: false } });
    const chosen: (string | undefined)[] = [];
    const presses: { inlineMessageId: string | undefined; data: string | undefined; from: number }[] = [];
    app.on('inline_query', (ctx) =>
      ctx.answerInlineQuery(
        [
          {
            type: 'article',
            id: 'vote',
            title: 'Vote',
            input_message_content: { message_text: 'Do you like it?' },
            reply_markup: { inline_keyboard: [[{ text: 'Like', callback_data: 'like' }]] },
          },
        ],
        { cache_time: 0 },
      ),
    );
    app.on('chosen_inline_result', (ctx) => {
      chosen.push(ctx.chosenInlineResult.inline_message_id);
    });
    app.on('callback_query', async (ctx) => {
      const q = ctx.callbackQuery;
      presses.push({ inlineMessageId: q.inline_message_id, data: 'data' in q ? q.data : undefined, from: q.from.id });
      await ctx.answerCbQuery('Thanks!');
      // telegraf edits the pressed message by its inline_message_id.
      await ctx.editMessageText(`Liked by ${q.from.first_name}`);
    });
    const launched = app.launch();
    try {
      const ann = await namedUser(kit, 'Ann');
      const ben = await namedUser(kit, 'Ben');
      const annApp = await signedInClient(kit, ann);
      const botPeer = await annApp.getInputEntity(bot.username);
      const benPeer = await annApp.getInputEntity(ben.username);
      const results = await ask(annApp, botPeer, benPeer, 'poll');
      const sent = (await sendResult(annApp, benPeer, results.queryId, 'vote')) as Api.Updates;
      const message = sent.updates
        .map((u) => (u instanceof Api.UpdateNewMessage ? u.message : undefined))
        .find((m): m is Api.Message => m instanceof Api.Message);
      const inlineMessageId = await eventually(() => chosen[0], { what: 'chosen_inline_result' });
      expect(inlineMessageId).toMatch(/^[A-Za-z0-9_-]{20,}$/);

      // Ben presses the button on the message he received from Ann: the bot, in no chat with him, hears it.
      const benApp = await signedInClient(kit, ben);
      const annPeer = await benApp.getInputEntity(ann.username);
      const press = (data: string) =>
        benApp.invoke(
          new Api.messages.GetBotCallbackAnswer({ peer: annPeer, msgId: message?.id ?? 0, data: Buffer.from(data) }),
        );
      expect(await press('like')).toMatchObject({ message: 'Thanks!' });
      expect(presses).toEqual([{ inlineMessageId, data: 'like', from: ben.id }]);
      expect(await errorOf(press('other'))).toBe('DATA_INVALID');
      // The bot's edit reaches both sides of the chat.
      await eventually(
        async () => (await benApp.getMessages(annPeer, { ids: [message?.id ?? 0] }))[0]?.message === 'Liked by Ben',
        { what: "the bot's edit in Ben's chat" },
      );
      const [annSees] = await annApp.getMessages(benPeer, { ids: [message?.id ?? 0] });
      expect(annSees?.message).toBe('Liked by Ben');
      expect(annSees?.editDate).toBeTruthy();
      const telegram = telegramFor(kit.sandbox, bot.token);
      const notModified = await rawBotCall(kit.sandbox, bot.token, 'editMessageText', {
        inline_message_id: inlineMessageId,
        text: 'Liked by Ben',
      });
      expect(notModified.body.description).toMatch(/^Bad Request: message is not modified/);
      expect(
        (await rawBotCall(kit.sandbox, bot.token, 'editMessageText', { inline_message_id: 'nope', text: 'x' })).body,
      ).toMatchObject({ ok: false, description: 'Bad Request: MESSAGE_ID_INVALID' });
      expect(await telegram.editMessageText(undefined, undefined, inlineMessageId, 'Closed')).toBe(true);
      // A new keyboard: its buttons are the ones that can be pressed now.
      const keyboard = { inline_keyboard: [[{ text: 'Reopen', callback_data: 'reopen' }]] };
      expect(await telegram.editMessageReplyMarkup(undefined, undefined, inlineMessageId, keyboard)).toBe(true);
      expect(await errorOf(press('like'))).toBe('DATA_INVALID');
      expect(await press('reopen')).toMatchObject({ message: 'Thanks!' });
      expect(presses.map((p) => p.data)).toEqual(['like', 'reopen']);
    } finally {
      app.stop('test done');
      await launched;
    }
  });

  it("checks answerInlineQuery's parameters in the official server's words", async () => {
    const bot = await inlineBot();
    const user = await namedUser(kit, 'Val');
    const client = await signedInClient(kit, user);
    const botPeer = await client.getInputEntity(bot.username);
    // No bot polls: the query stays unanswered, and the test answers it by hand.
    const asked = errorOf(ask(client, botPeer, new Api.InputPeerSelf(), 'q'));
    const telegram = telegramFor(kit.sandbox, bot.token);
    const [update] = await eventually(async () => {
      const updates = await telegram.getUpdates(0, 10, 0, undefined);
      return updates.length ? updates : undefined;
    });
    const query = (update as { inline_query?: { id: string; query: string; chat_type?: string } }).inline_query;
    // Typed in Saved Messages: a private chat, not the bot's own ("sender").
    expect(query).toMatchObject({ query: 'q', chat_type: 'private' });
    const id = query?.id ?? '';
    expect(await asked).toBe('BOT_RESPONSE_TIMEOUT');
    const answer = (results: unknown[], extra: Record<string, unknown> = {}) =>
      rawBotCall(kit.sandbox, bot.token, 'answerInlineQuery', { inline_query_id: id, results, ...extra });
    const article = (rid: string) => ({
      type: 'article',
      id: rid,
      title: 'T',
      input_message_content: { message_text: 'x' },
    });
    const refusal = async (p: Promise<{ status: number; body: any }>) => (await p).body.description as string;

    expect(await refusal(answer([article('a'), article('a')]))).toBe('Bad Request: RESULT_ID_DUPLICATE');
    expect(await refusal(answer([article('x'.repeat(65))]))).toBe('Bad Request: RESULT_ID_INVALID');
    expect(await refusal(answer(Array.from({ length: 51 }, (_, i) => article(`r${i}`))))).toBe(
      'Bad Request: too many inline query results specified',
    );
    expect(await refusal(answer([{ type: 'article', id: 'a', input_message_content: { message_text: 'x' } }]))).toBe(
      'Bad Request: can\'t parse inline query result: Can\'t find field "title"',
    );
    expect(await refusal(answer([{ type: 'article', id: 'a', title: 'T' }]))).toBe(
      'Bad Request: can\'t parse inline query result: Can\'t find field "message_text"',
    );
    expect(await refusal(answer([{ type: 'photo', id: 'p', photo_file_id: 'no-such-file' }]))).toBe(
      "Bad Request: can't parse inline query result: wrong file identifier/HTTP URL specified",
    );
    expect(await refusal(answer([{ type: 'game', id: 'g', game_short_name: 'g' }]))).toBe(
      'Bad Request: can\'t parse inline query result: type "game" is unsupported for the inline query result',
    );
    expect(await answer([article('ok')])).toEqual({ status: 200, body: { ok: true, result: true } });
    // One answer per query.
    expect(await refusal(answer([article('ok')]))).toBe(
      'Bad Request: query is too old and response timeout expired or query ID is invalid',
    );
    expect(
      await refusal(
        rawBotCall(kit.sandbox, bot.token, 'answerInlineQuery', { inline_query_id: '42', results: [article('a')] }),
      ),
    ).toBe('Bad Request: query is too old and response timeout expired or query ID is invalid');
  });
});
