import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { QueueName } from '../queue/queue-names';
import { UsersService } from '../tenants/users.service';
import { type NotificationJob, notificationText } from '../bot/notifications.service';
import { SystemBotToken } from './system-bot-token';
import { classifyTelegramFailure, describeFailure } from '../bot/telegram-bot-api.failure';
import { TelegramBotApi } from '../bot/telegram-bot-api';

/** Sends queued notifications from the system bot. */
@Processor(QueueName.Notifications, { concurrency: 4 })
export class NotificationsProcessor extends WorkerHost {
  private readonly logger = new Logger(NotificationsProcessor.name);

  constructor(
    private readonly users: UsersService,
    private readonly systemBot: SystemBotToken,
    private readonly api: TelegramBotApi,
  ) {
    super();
  }

  async process(job: Job<NotificationJob>): Promise<void> {
    const { tenantId, notification } = job.data;
    const telegramUserId = await this.users.findTelegramUserId(tenantId);
    if (!telegramUserId) {
      this.logger.log(`notification ${notification.kind} for tenant ${tenantId} skipped: no linked Telegram account`);
      return;
    }
    const token = await this.systemBot.token();
    if (!token) {
      this.logger.warn(`notification ${notification.kind} for tenant ${tenantId} skipped: no system bot`);
      return;
    }
    try {
      await this.api.client(token).sendText(Number(telegramUserId), notificationText(notification));
    } catch (err) {
      const failure = classifyTelegramFailure(err);
      if (failure.kind === 'refused' || failure.kind === 'unauthorized') {
        // The tenant never opened the system bot, or blocked it: retrying cannot help.
        this.logger.warn(
          `notification ${notification.kind} for tenant ${tenantId} refused: ${describeFailure(failure)}`,
        );
        return;
      }
      throw new Error(describeFailure(failure));
    }
  }
}
