import { Module } from '@nestjs/common';
import { BotClients } from './bot-clients.service';
import { BotOwnerLookup } from './bot-owner.lookup';
import { BotRegistry } from './bot-registry.service';
import { BotUpdatesProcessor } from './bot-updates.processor';
import { ChannelAdminService } from './channel-admin.service';
import { NotificationsProcessor } from './notifications.processor';
import { NotificationsService } from './notifications.service';
import { SystemBotToken } from './system-bot-token';
import { TelegramBotApi } from './telegram-bot-api';
import { TenantBotHandlers } from './tenant-bot-handlers';
import { UserBotController } from './user-bot.controller';
import { UserBotService } from './user-bot.service';
import { WebhookController } from './webhook.controller';
import { WebhookIngestService } from './webhook-ingest.service';
import { WebhookFastPath } from './webhook.fast-path';
import { CredentialsModule } from '../credentials/credentials.module';
import { QueueModule } from '../queue/queue.module';
import { EventsModule } from '../events/events.module';

/**
 * Tenant bots and notifications, for every role: the Bot API adapter, the
 * runtime bot registry, channel admin checks and the notifications service.
 * HTTP routes live in BotHttpModule, queue processors in BotWorkerModule.
 */
@Module({
  imports: [CredentialsModule, QueueModule],
  providers: [
    TelegramBotApi,
    BotOwnerLookup,
    BotClients,
    BotRegistry,
    TenantBotHandlers,
    ChannelAdminService,
    NotificationsService,
    WebhookIngestService,
    UserBotService,
    SystemBotToken,
  ],
  exports: [
    TelegramBotApi,
    BotOwnerLookup,
    BotClients,
    BotRegistry,
    ChannelAdminService,
    NotificationsService,
    WebhookIngestService,
    UserBotService,
    SystemBotToken,
  ],
})
export class BotModule {}

/** The tenant bot routes: /api/user-bot and the webhook (api role). */
@Module({ imports: [BotModule], controllers: [UserBotController, WebhookController], providers: [WebhookFastPath] })
export class BotHttpModule {}

/** Tenant bot updates and notifications, processed by workers. */
@Module({ imports: [BotModule, EventsModule], providers: [BotUpdatesProcessor, NotificationsProcessor] })
export class BotWorkerModule {}
