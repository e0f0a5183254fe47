import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { BotModule } from '../bot/bot.module';
import { ChannelsModule } from '../channels/channels.module';
import { OutboxStore } from './outbox-store';
import { PostMediaStore } from './post-media.store';
import { PostMediaRepository } from './post-media.repository';
import { PostSendWorker, postSendProcessor } from './post-send.worker';
import { PostSender } from './post-sender.service';
import { PostsController } from './posts.controller';
import { PostsRepository } from './posts.repository';
import { PostsService } from './posts.service';
import { CredentialsModule } from '../credentials/credentials.module';
import { EventsModule } from '../events/events.module';
import { QueueModule } from '../queue/queue.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { RedisModule } from '../redis/redis.module';
import { SendPathFunctions } from './send-path-functions';
import { MetricsModule } from '../health/metrics.module';

/**
 * A tenant's posts and their waiting uploads, for every role: PostsService is what other modules
 * call; the repository and the media store are exported for the sending module beside this one.
 */
@Module({
  imports: [QueueModule, RateLimitModule],
  providers: [PostsRepository, PostMediaRepository, PostMediaStore, PostsService],
  exports: [PostsService, PostsRepository, PostMediaStore],
})
export class PostsModule {}

/** Creating, listing and cancelling posts (api role). */
@Module({
  imports: [PostsModule, ChannelsModule, BotModule],
  controllers: [PostsController],
})
export class PostsHttpModule {}

/** Sending posts (worker role). */
@Module({})
export class PostsWorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: PostsWorkerModule,
      imports: [
        PostsModule,
        ChannelsModule,
        BotModule,
        CredentialsModule,
        EventsModule,
        QueueModule,
        RateLimitModule,
        RedisModule,
        MetricsModule,
      ],
      providers: [
        PostSender,
        { provide: PostSendWorker, useClass: postSendProcessor(config) },
        SendPathFunctions,
        OutboxStore,
      ],
    };
  }
}
