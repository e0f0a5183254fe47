import { Module } from '@nestjs/common';
import { BotModule } from '../bot/bot.module';
import { ChannelsModule } from '../channels/channels.module';
import { FilesController } from './files.controller';
import { FilesRepository } from './files.repository';
import { FilesService } from './files.service';
import { CredentialsModule } from '../credentials/credentials.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';

/** Channel-backed file storage (api role). */
@Module({
  imports: [ChannelsModule, BotModule, CredentialsModule, RateLimitModule],
  controllers: [FilesController],
  providers: [FilesRepository, FilesService],
})
export class FilesModule {}
