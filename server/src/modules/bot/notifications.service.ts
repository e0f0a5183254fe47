import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueName } from '../queue/queue-names';

export type TenantNotification =
  | { kind: 'post_failed'; post_id: string; channel_title: string; error: string }
  | { kind: 'session_revoked' }
  | { kind: 'bot_admin_lost'; channel_title: string }
  | { kind: 'bot_token_revoked' }
  | { kind: 'webhook_endpoint_disabled'; endpoint_id: string; url: string; reason: string };

export interface NotificationJob {
  tenantId: string;
  notification: TenantNotification;
}

/** The text the system bot sends for each notification. */
export function notificationText(n: TenantNotification): string {
  switch (n.kind) {
    case 'post_failed':
      return `⚠️ A post to "${n.channel_title}" could not be sent: ${n.error}\nPost id: ${n.post_id}`;
    case 'session_revoked':
      return '⚠️ Your Telegram account session was ended (revoked or logged out). Connect your account again to keep reading history and analytics.';
    case 'bot_admin_lost':
      return `⚠️ Your bot can no longer post in "${n.channel_title}": it lost its administrator rights. Make it an administrator with "Post messages" again.`;
    case 'bot_token_revoked':
      return '⚠️ Telegram no longer accepts your bot token (revoked or the bot was deleted). Set a new token to keep posting.';
    case 'webhook_endpoint_disabled':
      return `⚠️ Your webhook endpoint ${n.url} was disabled: ${n.reason}\nFix it, enable it again (PATCH /api/webhook-endpoints/${n.endpoint_id} {"status":"enabled"}), and the events since then are delivered.`;
  }
}

/**
 * Tells tenants what matters, through the system bot, on their linked Telegram
 * account. Queued, so callers in any role never wait for (or fail with) delivery.
 */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(@InjectQueue(QueueName.Notifications) private readonly queue: Queue<NotificationJob>) {}

  /** Queues a message from the system bot to the tenant's linked Telegram account (users.telegram_user_id); no-op (logged) when none is linked. Never throws to the caller for delivery problems. */
  async notify(tenantId: string, n: TenantNotification): Promise<void> {
    try {
      await this.queue.add(
        n.kind,
        { tenantId, notification: n },
        { attempts: 5, backoff: { type: 'exponential', delay: 2000 } },
      );
    } catch (err) {
      this.logger.warn(`notification ${n.kind} for tenant ${tenantId} not queued: ${(err as Error).message}`);
    }
  }
}
