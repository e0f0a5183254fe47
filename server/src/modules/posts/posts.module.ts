import { Module } from '@nestjs/common';
import { BotModule } from '../bot/bot.module';
import { ChannelsModule } from '../channels/channels.module';
import { OutboxStore } from './outbox-store';
import { PostMediaStore } from './post-media.store';
import { PostSendWorker } from './post-send.worker';
import { PostSender } from './post-sender.service';
import { PostsController } from './posts.controller';
import { PostsService } from './posts.service';
import { CredentialsModule } from '../credentials/credentials.module';
import { EventsModule } from '../events/events.module';
import { QueueModule } from '../queue/queue.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';

/** Creating, listing and cancelling posts (api role). */
@Module({
  imports: [ChannelsModule, BotModule, QueueModule, RateLimitModule],
  controllers: [PostsController],
  providers: [PostsService, PostMediaStore],
  exports: [PostsService],
})
export class PostsHttpModule {}

/** Sending posts (worker role). */
@Module({
  imports: [BotModule, CredentialsModule, EventsModule, QueueModule, RateLimitModule],
  providers: [PostSender, PostSendWorker, PostMediaStore, OutboxStore],
})
export class PostsWorkerModule {}
