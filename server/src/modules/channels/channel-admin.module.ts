import { Module } from '@nestjs/common';
import { BotModule } from '../bot/bot.module';
import { ChannelAdminService } from './channel-admin.service';
import { ChannelsModule } from './channels.module';
import { EventsModule } from '../events/events.module';

/**
 * The bot's rights in the tenant's channels, for every role: checked on request (api) and kept
 * current from the bots' member updates (wherever tenant bots handle updates).
 */
@Module({
  imports: [BotModule, ChannelsModule, EventsModule],
  providers: [ChannelAdminService],
  exports: [ChannelAdminService],
})
export class ChannelAdminModule {}
