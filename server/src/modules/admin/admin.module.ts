import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { AuthModule } from '../auth/auth.module';
import { TelegramBotApi } from '../bot/telegram-bot-api';
import { UserMtprotoModule } from '../user-mtproto/user-mtproto.module';
import { AdminController } from './admin.controller';
import { AdminOverviewService } from './admin-overview.service';
import { AdminQueuesService } from './admin-queues.service';
import { AdminReadModel } from './admin-read-model';
import { AdminService } from './admin.service';
import { WebhookHealthCheck } from './webhook-health';
import { AuditModule } from '../audit/audit.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { MetricsModule } from '../health/metrics.module';
import { QueueModule } from '../queue/queue.module';
import { TenantsModule } from '../tenants/tenants.module';

/** The support console's API (api role). Built from the config for the MTProto module it imports. */
@Module({})
export class AdminModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AdminModule,
      imports: [
        AuthModule,
        AuditModule,
        TenantsModule,
        CredentialsModule,
        QueueModule,
        MetricsModule,
        UserMtprotoModule.forRoot(config),
      ],
      controllers: [AdminController],
      providers: [
        AdminService,
        AdminQueuesService,
        AdminOverviewService,
        AdminReadModel,
        WebhookHealthCheck,
        TelegramBotApi,
      ],
    };
  }
}
