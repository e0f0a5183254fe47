import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import * as http from 'node:http';
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
export class TelegramBotApi implements OnModuleDestroy {
  readonly apiRoot: string;
  /**
   * telegraf keeps connections alive over https (its own shared agent) but
   * drops its agent for an http:// apiRoot (the sandbox, a local Bot API
   * server), and its HTTP client then closes the connection after every call.
   * One shared keep-alive agent for those roots spares a TCP handshake per call.
   */
  private readonly plainAgent?: http.Agent;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.apiRoot =
      config.telegram.mode === TelegramMode.Sandbox
        ? `http://127.0.0.1:${config.telegram.sandbox.httpPort}`
        : config.telegram.botApiUrl;
    if (this.apiRoot.startsWith('http://')) this.plainAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  }

  /**
   * A bot instance for handling updates. With `botInfo` known (stored at registration) telegraf
   * skips the getMe it would otherwise make before the first update. `webhookReply` is off so
   * every call gets a real answer (and errors) instead of riding on the webhook response.
   */
  createBot(token: string, botInfo?: UserFromGetMe): Telegraf {
    const bot = new Telegraf(token, { telegram: { apiRoot: this.apiRoot, webhookReply: false } });
    if (botInfo) bot.botInfo = botInfo;
    this.keepAlive(bot.telegram);
    return bot;
  }

  /** A bare API client, for calls outside update handling (verification, sending, admin checks). */
  createTelegram(token: string): Telegram {
    return this.keepAlive(new Telegram(token, { apiRoot: this.apiRoot, webhookReply: false }));
  }

  onModuleDestroy(): void {
    this.plainAgent?.destroy();
  }

  private keepAlive(telegram: Telegram): Telegram {
    if (this.plainAgent) telegram.options.agent = this.plainAgent;
    return telegram;
  }
}
