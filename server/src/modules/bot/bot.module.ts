import { Module } from '@nestjs/common';
import { BotClients } from './bot-clients.service';
import { BotOwnerLookup } from './bot-owner.lookup';
import { BotRegistry } from './bot-registry.service';
import { BotUpdatesProcessor } from './bot-updates.processor';
import { BotUpdateEvents } from './bot-update-events';
import { NotificationsService } from './notifications.service';
import { TelegramBotApi } from './telegram-bot-api';
import { TenantBotHandlers } from './tenant-bot-handlers';
import { UserBotController } from './user-bot.controller';
import { UserBotService } from './user-bot.service';
import { WebhookController } from './webhook.controller';
import { WebhookIngestService } from './webhook-ingest.service';
import { CredentialsModule } from '../credentials/credentials.module';
import { QueueModule } from '../queue/queue.module';
import { EventsModule } from '../events/events.module';
import { RedisModule } from '../redis/redis.module';
import { MetricsModule } from '../health/metrics.module';

/**
 * Tenant bots and notifications, for every role: the Bot API adapter, the
 * runtime bot registry with its update handlers, and the notifications service.
 * HTTP routes live in BotHttpModule, the update processor in BotWorkerModule;
 * the system bot delivers the notifications (system-bot/).
 */
@Module({
  imports: [CredentialsModule, QueueModule, RedisModule, EventsModule, MetricsModule],
  providers: [
    TelegramBotApi,
    BotUpdateEvents,
    BotOwnerLookup,
    BotClients,
    BotRegistry,
    TenantBotHandlers,
    NotificationsService,
    WebhookIngestService,
    UserBotService,
  ],
  exports: [
    TelegramBotApi,
    BotUpdateEvents,
    BotOwnerLookup,
    BotClients,
    BotRegistry,
    TenantBotHandlers,
    NotificationsService,
    WebhookIngestService,
    UserBotService,
  ],
})
export class BotModule {}

/** The tenant bot routes: /api/user-bot and the webhook (api role). */
@Module({
  imports: [BotModule],
  controllers: [UserBotController, WebhookController],
})
export class BotHttpModule {}

@Module({ imports: [BotModule, RedisModule, EventsModule, MetricsModule], providers: [BotUpdatesProcessor] })
export class BotWorkerModule {}
