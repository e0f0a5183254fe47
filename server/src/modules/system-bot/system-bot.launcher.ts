import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { InjectBot } from 'nestjs-telegraf';
import type { Telegraf } from 'telegraf';
import type { Update } from 'telegraf/types';
import { type AppConfig, BotUpdatesMode, TelegramMode } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { SystemBotToken } from './system-bot-token';
import { safeErrorMessage } from '../bot/telegram-bot-api.failure';
import { TelegramBotApi } from '../bot/telegram-bot-api';
import { BotPoller } from '../bot/bot-poller';

export const SYSTEM_BOT_NAME = 'system';
export const SYSTEM_WEBHOOK_PATH = '/telegram/system-webhook';

/**
 * Starts the system bot once the app is up: long polling in sandbox mode (and
 * with BOT_UPDATES_MODE=polling), otherwise a webhook at PUBLIC_URL whose
 * secret derives from the token. A failure to start is logged, not fatal: the
 * API works without the system bot, only its chat features wait.
 */
@Injectable()
export class SystemBotLauncher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SystemBotLauncher.name);
  private poller?: BotPoller;
  private token: string | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectBot(SYSTEM_BOT_NAME) private readonly bot: Telegraf,
    private readonly systemBot: SystemBotToken,
    api: TelegramBotApi,
  ) {
    api.bound(bot.telegram);
    // The bot polls through BotPoller, never telegraf's launch(): nestjs-telegraf's stop() at shutdown, which
    // telegraf would refuse for a bot it never launched, stops the poller instead.
    bot.stop = () => void this.poller?.stop();
    // A failed handler's error goes to whoever handed the update over (the poller logs it, the webhook route
    // answers it); telegraf's default handler would also set the process's exit code to 1.
    bot.catch((err) => {
      throw err;
    });
  }

  get webhookSecret(): string | null {
    return this.token ? createHmac('sha256', this.token).update('system-webhook').digest('base64url') : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.token = await this.systemBot.token();
    if (!this.token) return;
    const polling =
      this.config.telegram.mode === TelegramMode.Sandbox || this.config.bots.updatesMode === BotUpdatesMode.Polling;
    if (polling) {
      this.poller = new BotPoller(this.bot, {
        allowedUpdates: ['message'],
        onHandlerError: (err, update) =>
          this.logger.warn(`system bot update ${update.update_id} not handled: ${safeErrorMessage(err)}`),
        onRetry: (reason, waitMs) =>
          this.logger.warn(`system bot polling: ${reason}; asking again in ${Math.ceil(waitMs / 1000)} s`),
        onEnded: (reason) => this.logger.warn(`system bot polling stopped: ${reason}`),
      });
      return;
    }
    try {
      await this.bot.telegram.setWebhook(`${this.config.http.publicUrl}${SYSTEM_WEBHOOK_PATH}`, {
        secret_token: this.webhookSecret ?? undefined,
        allowed_updates: ['message'],
      });
    } catch (err) {
      this.logger.warn(`system bot webhook not set: ${safeErrorMessage(err)}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.poller?.stop();
  }

  /** Handles an update delivered to the system bot's webhook. */
  async handleUpdate(update: Update): Promise<void> {
    if (this.token) await this.bot.handleUpdate(update);
  }
}
