import { DynamicModule, Module, OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { AuditModule } from '../audit/audit.module';
import { BotModule } from '../bot/bot.module';
import { CryptoModule } from '../crypto/crypto.module';
import { MetricsModule } from '../health/metrics.module';
import { EventsModule } from '../events/events.module';
import { EventsService } from '../events/events.service';
import { QueueModule } from '../queue/queue.module';
import { TenantsModule } from '../tenants/tenants.module';
import { AdminWebhooksController } from './admin-webhooks.controller';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookDeliveryProcessor, webhookDeliveryProcessor } from './webhook-delivery.processor';
import { WebhookDispatchProcessor } from './webhook-dispatch.processor';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEndpointsModule } from './webhook-endpoints.module';
import { WebhookHttpClient } from './webhook-http';
import { WebhookEndpointOwnershipGuard } from './webhook-endpoint-ownership.guard';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Tenants' webhook endpoints and the dispatch of their events (every role): wherever events are
 * recorded, the tenant's dispatch is woken.
 */
@Module({
  imports: [
    WebhookEndpointsModule,
    EventsModule,
    QueueModule,
    CryptoModule,
    AuditModule,
    BotModule,
    TenantsModule,
    MetricsModule,
  ],
  providers: [WebhookDeliveriesRepository, WebhookDispatcher, WebhooksService],
  exports: [WebhooksService, WebhookDispatcher],
})
export class WebhooksModule implements OnModuleInit {
  constructor(
    private readonly events: EventsService,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  onModuleInit(): void {
    this.events.onRecorded((tenantId) => this.dispatcher.wakeIfListening(tenantId));
  }
}

/** The tenant routes and the support console's (api role). */
@Module({
  imports: [WebhooksModule],
  controllers: [WebhooksController, AdminWebhooksController],
  providers: [WebhookEndpointOwnershipGuard],
})
export class WebhooksHttpModule {}

/** Dispatch, the sweep and deliveries (worker role); delivery concurrency from the config. */
@Module({})
export class WebhooksWorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WebhooksWorkerModule,
      imports: [WebhooksModule, EventsModule, QueueModule],
      providers: [
        WebhookHttpClient,
        WebhookDispatchProcessor,
        { provide: WebhookDeliveryProcessor, useClass: webhookDeliveryProcessor(config) },
      ],
    };
  }
}
