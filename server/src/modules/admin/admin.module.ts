import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { TelegramBotApi } from '../bot/telegram-bot-api';
import { AdminController } from './admin.controller';
import { AdminQueuesService } from './admin-queues.service';
import { AdminService } from './admin.service';
import { WebhookHealthCheck } from './webhook-health';

@Module({
  imports: [AuthModule],
  controllers: [AdminController],
  providers: [AdminService, AdminQueuesService, WebhookHealthCheck, TelegramBotApi],
})
export class AdminModule {}
