import { Module } from '@nestjs/common';
import { BotModule } from '../bot/bot.module';
import { ChannelsController } from './channels.controller';
import { ChannelsModule } from './channels.module';

/** The /api/channels routes (api role). */
@Module({ imports: [ChannelsModule, BotModule], controllers: [ChannelsController] })
export class ChannelsHttpModule {}
