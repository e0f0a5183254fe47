import { Inject, Injectable } from '@nestjs/common';
import { Telegraf, Telegram } from 'telegraf';
import type { UserFromGetMe } from 'telegraf/types';
import { type AppConfig, TelegramMode } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';

/**
 * The one place that builds telegraf clients. In sandbox mode they talk to the local sandbox's
 * Bot API door; otherwise to the configured Bot API server. Also usable outside Nest: construct
 * it with a config object.
 */
@Injectable()
export class TelegramBotApi {
  readonly apiRoot: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.apiRoot =
      config.telegram.mode === TelegramMode.Sandbox
        ? `http://127.0.0.1:${config.telegram.sandbox.httpPort}`
        : config.telegram.botApiUrl;
  }

  /**
   * A bot instance for handling updates. With `botInfo` known (stored at registration) telegraf
   * skips the getMe it would otherwise make before the first update. `webhookReply` is off so
   * every call gets a real answer (and errors) instead of riding on the webhook response.
   */
  createBot(token: string, botInfo?: UserFromGetMe): Telegraf {
    const bot = new Telegraf(token, { telegram: { apiRoot: this.apiRoot, webhookReply: false } });
    if (botInfo) bot.botInfo = botInfo;
    return bot;
  }

  /** A bare API client, for calls outside update handling (verification, sending, admin checks). */
  createTelegram(token: string): Telegram {
    return new Telegram(token, { apiRoot: this.apiRoot, webhookReply: false });
  }
}
