import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ChannelsModule } from '../channels/channels.module';
import { PostsModule } from '../posts/posts.module';
import { QueueModule } from '../queue/queue.module';
import { AnalyticsAdminController } from './analytics-admin.controller';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsHousekeeping } from './analytics.housekeeping';
import { AnalyticsRepository } from './analytics.repository';
import { AnalyticsService } from './analytics.service';

/** A tenant's channel analytics, for every role: the service the collector records through and the routes read. */
@Module({
  imports: [ChannelsModule, PostsModule],
  providers: [AnalyticsRepository, AnalyticsService],
  exports: [AnalyticsService],
})
export class AnalyticsModule {}

/** Partition upkeep and retention (worker role). */
@Module({ imports: [QueueModule, AnalyticsModule], providers: [AnalyticsHousekeeping] })
export class AnalyticsWorkerModule {}

/** The stats routes, the tenant's and support's mirror (api role). */
@Module({
  imports: [AnalyticsModule, AuditModule, ChannelsModule],
  controllers: [AnalyticsController, AnalyticsAdminController],
})
export class AnalyticsHttpModule {}
