import { Telegraf } from 'telegraf';
import { message } from 'telegraf/filters';
import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import { eventually } from '../helpers/eventually';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { type BotChat, botChatOf, sandboxForSuite } from './bot-chats';
import { control } from './bot-helpers';
import { errorOf } from './mtproto-kit';

jest.setTimeout(60000);

/** The initData a web view address carries after `#`, and the other fragment parameters. */
function fragmentOf(url: string): URLSearchParams {
  return new URLSearchParams(new URL(url).hash.slice(1));
}

const inputBot = (chat: BotChat): Api.InputUser => {
  const { userId, accessHash } = chat.peer as Api.InputPeerUser;
  return new Api.InputUser({ userId, accessHash });
};

describe('sandbox: Mini Apps and their signed initData (real telegraf, gramjs and the product)', () => {
  const suite = sandboxForSuite();
  const webApp = { type: 'web_app' as const, text: 'Open console', web_app: { url: 'https://console.example/app' } };

  /** A user's private chat with a bot whose menu button (set by the bot with setChatMenuButton) opens a web app. */
  async function chatWithMenuApp(): Promise<BotChat> {
    const chat = await botChatOf(suite.kit, 'private');
    expect(await chat.tg.setChatMenuButton({ menuButton: webApp })).toBe(true);
    return chat;
  }

  describe('the product logs a tenant in with the initData of a web view', () => {
    let chat: BotChat;
    let product: TestApp;
    beforeAll(async () => {
      chat = await chatWithMenuApp();
      const key = await control(suite.kit.sandbox, 'GET', '/sandbox/web-apps/public-key');
      expect(key.body.public_key).toMatch(/^[0-9a-f]{64}$/);
      product = await startTestApp({
        env: { SYSTEM_BOT_TOKEN: chat.bot.token, TELEGRAM_WEBAPP_PUBLIC_KEY: key.body.public_key },
      });
    });
    afterAll(async () => product?.close());

    const logIn = (initData: string) =>
      request(product.url).post('/api/auth/telegram-webapp').send({ init_data: initData });

    it("opens the menu button's web app with requestWebView; the product accepts its initData", async () => {
      const result = await chat.app.invoke(
        new Api.messages.RequestWebView({
          peer: chat.peer,
          bot: inputBot(chat),
          fromBotMenu: true,
          platform: 'android',
          themeParams: new Api.DataJSON({ data: '{"bg_color":"#ffffff"}' }),
        }),
      );
      expect(result).toBeInstanceOf(Api.WebViewResultUrl);
      const { url, queryId } = result;
      expect(queryId).toBeDefined();
      expect(url.startsWith('https://console.example/app#tgWebAppData=')).toBe(true);
      const fragment = fragmentOf(url);
      expect(fragment.get('tgWebAppPlatform')).toBe('android');
      expect(fragment.get('tgWebAppVersion')).toMatch(/^\d+\.\d+$/);
      expect(fragment.get('tgWebAppThemeParams')).toBe('{"bg_color":"#ffffff"}');
      const initData = fragment.get('tgWebAppData') ?? '';
      const fields = new URLSearchParams(initData);
      expect([...fields.keys()]).toEqual(['query_id', 'user', 'auth_date', 'signature', 'hash']);
      const me = await chat.app.getMe();
      expect(JSON.parse(fields.get('user') ?? '{}')).toMatchObject({ id: Number(me.id), first_name: 'Ann' });

      const login = await logIn(initData).expect(200);
      const profile = await request(product.url)
        .get('/api/me')
        .set('Authorization', `Bearer ${login.body.access_token}`)
        .expect(200);
      expect(profile.body).toMatchObject({ telegram_user_id: String(me.id), role: 'tenant' });
    });

    it("refuses the initData once a field is changed; without hash the sandbox's Ed25519 signature still passes", async () => {
      const result = await chat.app.invoke(
        new Api.messages.RequestSimpleWebView({
          bot: inputBot(chat),
          url: 'https://console.example/kb',
          platform: 'ios',
        }),
      );
      const initData = fragmentOf(result.url).get('tgWebAppData') ?? '';
      expect(new URLSearchParams(initData).has('query_id')).toBe(false);

      const fields = new URLSearchParams(initData);
      const user = JSON.parse(fields.get('user') ?? '{}') as { id: number };
      fields.set('user', JSON.stringify({ ...user, id: user.id + 1 }));
      const tampered = await logIn(fields.toString()).expect(401);
      expect(tampered.body.error.code).toBe('INIT_DATA_INVALID');

      // Third-party validation: the product checks `signature` with TELEGRAM_WEBAPP_PUBLIC_KEY.
      const unhashed = new URLSearchParams(initData);
      unhashed.delete('hash');
      await logIn(unhashed.toString()).expect(200);
    });

    it('signs initData for the control API, for developers without an MTProto client', async () => {
      const { sandbox } = suite.kit;
      const path = `/sandbox/bots/${chat.bot.id}/web-app`;
      const phone = await chat.app.getMe();
      const issued = await control(sandbox, 'POST', path, { phone: phone.phone, start_param: 'tenant_7' });
      expect(issued.status).toBe(200);
      expect(issued.body.url.startsWith('https://console.example/app#tgWebAppData=')).toBe(true);
      expect(new URLSearchParams(issued.body.init_data).get('start_param')).toBe('tenant_7');
      await logIn(issued.body.init_data).expect(200);

      expect(await control(sandbox, 'POST', path, { phone: phone.phone, start_param: 'no spaces' })).toMatchObject({
        status: 400,
        body: { error: { message: expect.stringContaining('start_param') } },
      });
      expect(await control(sandbox, 'POST', path, { phone: phone.phone, url: 'ftp://x' })).toMatchObject({
        status: 400,
      });
      expect((await control(sandbox, 'POST', path, {})).status).toBe(400);
    });
  });

  it('refuses a web view of a bot whose menu button opens no web app (no url given)', async () => {
    const chat = await botChatOf(suite.kit, 'private');
    expect(
      await errorOf(
        chat.app.invoke(
          new Api.messages.RequestWebView({ peer: chat.peer, bot: inputBot(chat), fromBotMenu: true, platform: 'web' }),
        ),
      ),
    ).toBe('URL_INVALID');
    const main = await errorOf(
      chat.app.invoke(new Api.messages.RequestMainWebView({ peer: chat.peer, bot: inputBot(chat), platform: 'web' })),
    );
    expect(main).toBe('URL_INVALID');
    // A user is no bot.
    expect(
      await errorOf(
        chat.app.invoke(
          new Api.messages.RequestSimpleWebView({
            bot: new Api.InputUserSelf(),
            url: 'https://x.example',
            platform: 'web',
          }),
        ),
      ),
    ).toBe('BOT_INVALID');
  });
  it("sends a keyboard button's Mini App data to the bot: a telegraf bot hears web_app_data", async () => {
    const chat = await botChatOf(suite.kit, 'private');
    const heard: { from: number; web_app_data: { data: string; button_text: string } }[] = [];
    const bot = new Telegraf(chat.bot.token, { telegram: { apiRoot: suite.kit.sandbox.httpUrl, webhookReply: false } });
    bot.on(message('web_app_data'), (ctx) => {
      heard.push({ from: ctx.from.id, web_app_data: { ...ctx.message.web_app_data } });
    });
    const running = bot.launch();
    try {
      await chat.tg.sendMessage(chat.chatId, 'Pick your pizza', {
        reply_markup: { keyboard: [[{ text: 'Order', web_app: { url: 'https://pizza.example/menu' } }]] },
      });
      const view = await chat.app.invoke(
        new Api.messages.RequestSimpleWebView({
          bot: inputBot(chat),
          url: 'https://pizza.example/menu',
          platform: 'web',
        }),
      );
      expect(fragmentOf(view.url).get('tgWebAppData')).toContain('hash=');

      const answer = await chat.app.invoke(
        new Api.messages.SendWebViewData({
          bot: inputBot(chat),
          randomId: returnBigInt(424242),
          buttonText: 'Order',
          data: '{"pizza":"margherita","count":2}',
        }),
      );
      expect(answer).toBeInstanceOf(Api.Updates);
      const updates = (answer as Api.Updates).updates;
      expect(updates.find((u) => u instanceof Api.UpdateMessageID)).toMatchObject({ randomId: returnBigInt(424242) });
      const sent = updates.find((u): u is Api.UpdateNewMessage => u instanceof Api.UpdateNewMessage)?.message;
      expect(sent).toBeInstanceOf(Api.MessageService);
      expect((sent as Api.MessageService).action).toEqual(new Api.MessageActionWebViewDataSent({ text: 'Order' }));

      await eventually(() => heard.length === 1, { what: 'the bot hears web_app_data' });
      expect(heard[0]).toEqual({
        from: chat.chatId,
        web_app_data: { data: '{"pizza":"margherita","count":2}', button_text: 'Order' },
      });
      // The user's app reads it back in the chat's history.
      const history = await chat.history();
      expect(history[0]).toBeInstanceOf(Api.MessageService);

      expect(
        await errorOf(
          chat.app.invoke(
            new Api.messages.SendWebViewData({
              bot: inputBot(chat),
              randomId: returnBigInt(424243),
              buttonText: 'Order',
              data: 'x'.repeat(4097),
            }),
          ),
        ),
      ).toBe('DATA_INVALID');
    } finally {
      bot.stop('test done');
      await running;
    }
  });
});
