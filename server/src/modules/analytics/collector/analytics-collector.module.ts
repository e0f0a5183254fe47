import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { AppConfig, roleRunsWorkers, roleServesHttpApi } from '../../../config/app-config';
import { BotModule } from '../../bot/bot.module';
import { ChannelsModule } from '../../channels/channels.module';
import { CredentialsModule } from '../../credentials/credentials.module';
import { UserMtprotoModule } from '../../user-mtproto/user-mtproto.module';
import { AnalyticsModule } from '../analytics.module';
import { BotSampler } from './bot-sampler';
import { ChannelSampler } from './channel-sampler';
import { CollectionBudget } from './collection-budget';
import { CollectionController } from './collection.controller';
import { CollectionScheduleRepository } from './collection-schedule.repository';
import { CollectionScheduler } from './collection-scheduler';
import { CollectionService } from './collection.service';

/**
 * Channel analytics collection: the schedule (which channel and post is due when), the worker's tick that
 * samples due channels, the session operation that samples through a tenant's account in the worker holding
 * it, the bot fallback, and `POST /api/channels/:id/stats/refresh`. Samples are stored by AnalyticsService.
 */
@Module({})
export class AnalyticsCollectorModule {
  static forRoot(config: AppConfig): DynamicModule {
    const providers: Provider[] = [CollectionScheduleRepository, BotSampler, CollectionService];
    if (roleRunsWorkers(config.role)) providers.push(CollectionBudget, ChannelSampler, CollectionScheduler);
    const controllers: Type<unknown>[] = roleServesHttpApi(config.role) ? [CollectionController] : [];
    return {
      module: AnalyticsCollectorModule,
      imports: [AnalyticsModule, UserMtprotoModule.forRoot(config), ChannelsModule, CredentialsModule, BotModule],
      controllers,
      providers,
      exports: [CollectionService],
    };
  }
}
