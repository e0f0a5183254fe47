import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { BotModule } from '../bot/bot.module';
import { ChannelsModule } from '../channels/channels.module';
import { OutboxStore } from './outbox-store';
import { PostMediaStore } from './post-media.store';
import { PostSendWorker, postSendProcessor } from './post-send.worker';
import { PostSender } from './post-sender.service';
import { PostsController } from './posts.controller';
import { PostsService } from './posts.service';

/** Creating, listing and cancelling posts (api role). */
@Module({
  imports: [ChannelsModule, BotModule],
  controllers: [PostsController],
  providers: [PostsService, PostMediaStore],
  exports: [PostsService],
})
export class PostsHttpModule {}

/** Sending posts (worker role). */
@Module({})
export class PostsWorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: PostsWorkerModule,
      imports: [BotModule],
      providers: [
        PostSender,
        { provide: PostSendWorker, useClass: postSendProcessor(config) },
        PostMediaStore,
        OutboxStore,
      ],
    };
  }
}
