import { loadConfig } from '../../src/config/app-config';
import { TelegramBotApi } from '../../src/modules/bot/telegram-bot-api';
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { newBot } from './bot-helpers';

describe('TelegramBotApi adapter', () => {
  let sandbox: SandboxHandle;
  beforeAll(async () => {
    sandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0 });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('points telegraf at the sandbox in sandbox mode', async () => {
    const api = new TelegramBotApi(
      loadConfig({ NODE_ENV: 'test', TELEGRAM_MODE: 'sandbox', SANDBOX_HTTP_PORT: String(sandbox.httpPort) }),
    );
    expect(api.apiRoot).toBe(sandbox.httpUrl);
    const bot = await newBot(sandbox);
    const me = await api.client(bot.token).getMe();
    expect(me).toMatchObject({ id: bot.id, username: bot.username });

    const app = api.createBot(bot.token, me);
    expect(app.botInfo).toEqual(me);
    expect(app.telegram.options.webhookReply).toBe(false);
    expect((await app.telegram.getMe()).id).toBe(bot.id);
  });

  it('points telegraf at the configured Bot API server in real mode', () => {
    const api = new TelegramBotApi(
      loadConfig({ NODE_ENV: 'test', TELEGRAM_MODE: 'real', TELEGRAM_BOT_API_URL: 'https://bots.example.test/' }),
    );
    expect(api.apiRoot).toBe('https://bots.example.test');
  });
});
