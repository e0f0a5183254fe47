import { Module } from '@nestjs/common';
import { ChannelsModule } from '../channels/channels.module';
import { AnalyticsRepository } from './analytics.repository';
import { AnalyticsService } from './analytics.service';

/** A tenant's channel analytics, for every role: the service the collector records through and the routes read. */
@Module({
  imports: [ChannelsModule],
  providers: [AnalyticsRepository, AnalyticsService],
  exports: [AnalyticsService],
})
export class AnalyticsModule {}
