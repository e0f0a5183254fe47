import { Module } from '@nestjs/common';
import { ChannelOwnershipGuard } from './channel-ownership.guard';
import { ChannelsRepository } from './channels.repository';
import { ChannelsService } from './channels.service';

/** A tenant's channels, for every role: the service other modules call, and the ownership guard. */
@Module({
  providers: [ChannelsRepository, ChannelsService, ChannelOwnershipGuard],
  exports: [ChannelsService, ChannelOwnershipGuard],
})
export class ChannelsModule {}
