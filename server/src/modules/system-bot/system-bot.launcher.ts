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
  private polling = false;
  private token: string | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectBot(SYSTEM_BOT_NAME) private readonly bot: Telegraf,
    private readonly systemBot: SystemBotToken,
    api: TelegramBotApi,
  ) {
    api.bound(bot.telegram);
    // nestjs-telegraf stops the bot at shutdown and telegraf throws when it never ran (webhook mode, no system bot).
    const stop = bot.stop.bind(bot);
    bot.stop = (reason?: string) => {
      if (!this.polling) return;
      this.polling = false;
      stop(reason);
    };
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
      this.polling = true;
      this.bot.launch({ dropPendingUpdates: false, allowedUpdates: ['message'] }).catch((err: unknown) => {
        this.polling = false;
        this.logger.warn(`system bot polling stopped: ${safeErrorMessage(err)}`);
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

  onApplicationShutdown(): void {
    this.bot.stop('shutdown');
  }

  /** Handles an update delivered to the system bot's webhook. */
  async handleUpdate(update: Update): Promise<void> {
    if (this.token) await this.bot.handleUpdate(update);
  }
}
