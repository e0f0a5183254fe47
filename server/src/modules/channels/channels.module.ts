import { Module } from '@nestjs/common';
import { ChannelOwnershipGuard } from './channel-ownership.guard';
import { ChannelsController } from './channels.controller';
import { ChannelsService } from './channels.service';

@Module({
  controllers: [ChannelsController],
  providers: [ChannelsService, ChannelOwnershipGuard],
  exports: [ChannelsService, ChannelOwnershipGuard],
})
export class ChannelsModule {}
