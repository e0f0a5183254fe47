import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { TelegramBotApi } from '../bot/telegram-bot-api';
import { AdminController } from './admin.controller';
import { AdminQueuesService } from './admin-queues.service';
import { AdminService } from './admin.service';
import { WebhookHealthCheck } from './webhook-health';
import { AuditModule } from '../audit/audit.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { QueueModule } from '../queue/queue.module';
import { TenantsModule } from '../tenants/tenants.module';

@Module({
  imports: [AuthModule, AuditModule, TenantsModule, CredentialsModule, QueueModule],
  controllers: [AdminController],
  providers: [AdminService, AdminQueuesService, WebhookHealthCheck, TelegramBotApi],
})
export class AdminModule {}
