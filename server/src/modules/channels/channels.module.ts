import { Module } from '@nestjs/common';
import { BotModule } from '../bot/bot.module';
import { ChannelAdminModule } from './channel-admin.module';
import { ChannelOwnershipGuard } from './channel-ownership.guard';
import { ChannelsController } from './channels.controller';
import { ChannelsService } from './channels.service';

@Module({
  imports: [BotModule, ChannelAdminModule],
  controllers: [ChannelsController],
  providers: [ChannelsService, ChannelOwnershipGuard],
  exports: [ChannelsService, ChannelOwnershipGuard],
})
export class ChannelsModule {}
