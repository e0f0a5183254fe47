import { Injectable } from '@nestjs/common';
import { TelegramBotApi } from '../bot/telegram-bot-api';
import { telegramAnswer } from '../bot/telegram-bot-api.failure';

/** More updates than this waiting at Telegram means the webhook is not keeping up. */
const PENDING_UPDATES_HEALTHY_MAX = 100;
const CHECK_TIMEOUT_MS = 4000;

export interface WebhookHealth {
  checked: boolean;
  healthy: boolean;
  url: string | null;
  pending_update_count: number | null;
  last_error_at: Date | null;
  last_error_message: string | null;
  check_error: string | null;
}

const unchecked = (reason: string): WebhookHealth => ({
  checked: false,
  healthy: false,
  url: null,
  pending_update_count: null,
  last_error_at: null,
  last_error_message: null,
  check_error: reason,
});

/**
 * A tenant bot's webhook as Telegram itself sees it (getWebhookInfo): the only source that knows
 * about deliveries that never reached us. Errors are described without the request URL, which
 * carries the bot token.
 */
@Injectable()
export class WebhookHealthCheck {
  constructor(private readonly botApi: TelegramBotApi) {}

  async check(botToken: string): Promise<WebhookHealth> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
    });
    try {
      const info = await Promise.race([this.botApi.client(botToken).getWebhookInfo(), timeout]);
      const url = info.url || null;
      const lastErrorAt = info.last_error_date ? new Date(info.last_error_date * 1000) : null;
      return {
        checked: true,
        healthy: url !== null && !info.last_error_message && info.pending_update_count <= PENDING_UPDATES_HEALTHY_MAX,
        url,
        pending_update_count: info.pending_update_count,
        last_error_at: lastErrorAt,
        last_error_message: info.last_error_message ?? null,
        check_error: null,
      };
    } catch (err) {
      const answer = telegramAnswer(err);
      if (answer) return unchecked(`Telegram answered ${answer.code}: ${answer.description}`);
      if (err instanceof Error && err.message === 'timeout') {
        return unchecked(`Telegram did not answer within ${CHECK_TIMEOUT_MS / 1000} s.`);
      }
      return unchecked('Telegram could not be reached.');
    } finally {
      clearTimeout(timer);
    }
  }
}
