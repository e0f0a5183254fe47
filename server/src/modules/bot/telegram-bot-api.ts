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
  private readonly timeoutMs: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.timeoutMs = config.telegram.botApiTimeoutMs;
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

  /**
   * telegraf gives every call node-fetch's 500 s (fixed in its client), so a Telegram that accepts
   * the connection and never answers would hold a sender that long. Each call without a signal of
   * its own (long polling brings one) gets TELEGRAM_BOT_API_TIMEOUT_SECONDS and then fails like a
   * network error, which callers treat as Telegram being unavailable.
   */
  bound(telegram: Telegram): Telegram {
    const timeoutMs = this.timeoutMs;
    const call = telegram.callApi.bind(telegram);
    const bounded = async (
      method: Parameters<typeof call>[0],
      payload: Parameters<typeof call>[1],
      options: Parameters<typeof call>[2] = {},
    ): Promise<unknown> => {
      if (options.signal) return call(method, payload, options);
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        // telegraf types its option with the abort-controller shim; node-fetch takes the standard signal.
        return await call(method, payload, { signal: signal as NonNullable<typeof options.signal> });
      } catch (err) {
        if (signal.aborted) throw new Error(`Telegram did not answer ${method} within ${timeoutMs / 1000} s`);
        throw err;
      }
    };
    telegram.callApi = bounded as Telegram['callApi'];
    return telegram;
  }

  private keepAlive(telegram: Telegram): Telegram {
    if (this.plainAgent) telegram.options.agent = this.plainAgent;
    return this.bound(telegram);
  }
}
