import { Module } from '@nestjs/common';
import { BotModule } from '../bot/bot.module';
import { ChannelAdminModule } from './channel-admin.module';
import { ChannelsController } from './channels.controller';
import { ChannelsModule } from './channels.module';

/** The /api/channels routes (api role). */
@Module({ imports: [ChannelsModule, ChannelAdminModule, BotModule], controllers: [ChannelsController] })
export class ChannelsHttpModule {}
