import { Telegraf } from 'telegraf';
import { message } from 'telegraf/filters';
import type { Message } from 'telegraf/types';
import { Api } from 'telegram';
import { Raw } from 'telegram/events';
import { returnBigInt } from 'telegram/Helpers';
import { eventually } from '../helpers/eventually';
import { type BotChat, botChatOf, sandboxForSuite } from './bot-chats';
import { control, newBot, telegramFor } from './bot-helpers';
import { errorOf } from './mtproto-kit';

jest.setTimeout(60000);

const inputBot = (chat: BotChat): Api.InputUser => {
  const { userId, accessHash } = chat.peer as Api.InputPeerUser;
  return new Api.InputUser({ userId, accessHash });
};

/** What a telegraf call was refused with (the official server's description). */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return (e as { description?: string }).description ?? String(e);
  }
  throw new Error('expected the call to be refused');
}

describe('sandbox: a bot answers its Mini App with answerWebAppQuery (real telegraf and gramjs)', () => {
  const suite = sandboxForSuite();
  const webApp = { type: 'web_app' as const, text: 'Shop', web_app: { url: 'https://shop.example/app' } };
  const order = {
    type: 'article' as const,
    id: '1',
    title: 'Done',
    input_message_content: { message_text: 'Order placed' },
  };

  /** A user's chat with a bot whose menu button (set by the bot) opens a web app, and the app's pushed updates. */
  async function chatWithMenuApp(): Promise<{ chat: BotChat; pushed: unknown[] }> {
    const chat = await botChatOf(suite.kit, 'private');
    expect(await chat.tg.setChatMenuButton({ menuButton: webApp })).toBe(true);
    const pushed: unknown[] = [];
    chat.app.addEventHandler((u: unknown) => pushed.push(u), new Raw({}));
    return { chat, pushed };
  }

  /** The user opens the menu button's web app: the MTProto query id, and the initData `query_id` the bot is given. */
  async function openWebView(chat: BotChat): Promise<{ queryId: bigint; webAppQueryId: string }> {
    const result = await chat.app.invoke(
      new Api.messages.RequestWebView({ peer: chat.peer, bot: inputBot(chat), fromBotMenu: true, platform: 'web' }),
    );
    expect(result).toBeInstanceOf(Api.WebViewResultUrl);
    const initData = new URLSearchParams(new URL(result.url).hash.slice(1)).get('tgWebAppData') ?? '';
    const webAppQueryId = new URLSearchParams(initData).get('query_id') ?? '';
    expect(webAppQueryId).not.toBe('');
    return { queryId: BigInt(String(result.queryId)), webAppQueryId };
  }

  it("sends the bot's result as the user's message via the bot, once; the app is told the web view was answered", async () => {
    const { chat, pushed } = await chatWithMenuApp();
    const heard: Message.TextMessage[] = [];
    const bot = new Telegraf(chat.bot.token, { telegram: { apiRoot: suite.kit.sandbox.httpUrl, webhookReply: false } });
    // The user's /start (written when the chat began) is a command; the result the bot sent is not.
    bot.command('start', () => undefined);
    bot.on(message('text'), (ctx) => void heard.push(ctx.message));
    const running = bot.launch();
    try {
      const { queryId, webAppQueryId } = await openWebView(chat);
      // The Mini App hands query_id to the bot's backend, which answers it.
      expect(await bot.telegram.answerWebAppQuery(webAppQueryId, order)).toEqual({});

      const resultSent = await eventually(
        () => pushed.find((u): u is Api.UpdateWebViewResultSent => u instanceof Api.UpdateWebViewResultSent),
        { what: 'updateWebViewResultSent pushed to the app' },
      );
      expect(BigInt(String(resultSent.queryId))).toBe(queryId);
      // A private message comes as updateShortMessage, or whole in updateNewMessage.
      const sent = await eventually(
        () =>
          pushed
            .map((u) => (u instanceof Api.UpdateNewMessage ? u.message : u))
            .find(
              (m): m is Api.Message | Api.UpdateShortMessage =>
                (m instanceof Api.Message || m instanceof Api.UpdateShortMessage) && m.message === 'Order placed',
            ),
        { what: 'the message via the bot pushed to the app' },
      );
      expect(sent.out).toBe(true);
      expect(String(sent.viaBotId)).toBe(String(chat.bot.id));
      const [latest] = await chat.history();
      expect(latest).toMatchObject({ message: 'Order placed', out: true });
      expect(String(latest?.viaBotId)).toBe(String(chat.bot.id));

      // The bot reads it as the user's message via itself (as a sent inline result), not as a command.
      await eventually(() => heard.length === 1, { what: 'the bot hears the message via itself' });
      expect(heard[0]).toMatchObject({
        text: 'Order placed',
        from: { id: chat.chatId },
        via_bot: { id: chat.bot.id, is_bot: true },
      });
      expect(heard[0]?.entities).toBeUndefined();

      // A query is answered once.
      expect(await refusal(bot.telegram.answerWebAppQuery(webAppQueryId, order))).toBe('Bad Request: QUERY_ID_INVALID');
      // And the app can no longer prolong the web view: it closes it.
      expect(
        await errorOf(
          chat.app.invoke(
            new Api.messages.ProlongWebView({
              peer: chat.peer,
              bot: inputBot(chat),
              queryId: returnBigInt(String(queryId)),
            }),
          ),
        ),
      ).toBe('QUERY_ID_INVALID');
    } finally {
      bot.stop('test done');
      await running;
    }
  });

  it('keeps an open web view with prolongWebView; only its bot may answer it, with an inline keyboard to edit', async () => {
    const { chat } = await chatWithMenuApp();
    const { queryId, webAppQueryId } = await openWebView(chat);
    expect(
      await chat.app.invoke(
        new Api.messages.ProlongWebView({
          peer: chat.peer,
          bot: inputBot(chat),
          queryId: returnBigInt(String(queryId)),
        }),
      ),
    ).toBe(true);

    const other = telegramFor(suite.kit.sandbox, (await newBot(suite.kit.sandbox)).token);
    expect(await refusal(other.answerWebAppQuery(webAppQueryId, order))).toBe('Bad Request: QUERY_ID_INVALID');
    expect(await refusal(chat.tg.answerWebAppQuery('AAEunknown', order))).toBe('Bad Request: QUERY_ID_INVALID');
    // The result is read as answerInlineQuery reads one, without that method's prefix.
    expect(
      await refusal(
        chat.tg.answerWebAppQuery(webAppQueryId, { ...order, title: undefined } as unknown as typeof order),
      ),
    ).toBe('Bad Request: can\'t find field "title"');

    const answer = await chat.tg.answerWebAppQuery(webAppQueryId, {
      ...order,
      reply_markup: { inline_keyboard: [[{ text: 'Track', callback_data: 'track' }]] },
    });
    expect(answer.inline_message_id).toEqual(expect.any(String));
    expect(await chat.tg.editMessageText(undefined, undefined, answer.inline_message_id, 'Order shipped')).toBe(true);
    await eventually(async () => (await chat.history())[0]?.message === 'Order shipped', {
      what: 'the edited message in the chat',
    });
  });

  it('forgets a web view left without prolongWebView for 5 minutes of the world clock; a prolonged one lives on', async () => {
    const { chat } = await chatWithMenuApp();
    const left = await openWebView(chat);
    const kept = await openWebView(chat);
    const prolong = (queryId: bigint) =>
      chat.app.invoke(
        new Api.messages.ProlongWebView({
          peer: chat.peer,
          bot: inputBot(chat),
          queryId: returnBigInt(String(queryId)),
        }),
      );
    await control(suite.kit.sandbox, 'POST', '/sandbox/clock', { advance_seconds: 4 * 60 });
    expect(await prolong(kept.queryId)).toBe(true);
    await control(suite.kit.sandbox, 'POST', '/sandbox/clock', { advance_seconds: 2 * 60 });
    expect(await refusal(chat.tg.answerWebAppQuery(left.webAppQueryId, order))).toBe('Bad Request: QUERY_ID_INVALID');
    expect(await errorOf(prolong(left.queryId))).toBe('QUERY_ID_INVALID');
    expect(await chat.tg.answerWebAppQuery(kept.webAppQueryId, order)).toEqual({});
  });
});
