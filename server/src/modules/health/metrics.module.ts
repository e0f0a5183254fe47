import { getQueueToken } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueModule } from '../queue/queue.module';
import { QueueName } from '../queue/queue-names';
import { RedisModule } from '../redis/redis.module';
import { DomainMetrics } from './domain-metrics';
import { HourlyCounters } from './hourly-counters';
import { MetricsService } from './metrics.service';

/**
 * The app's Prometheus registry (MetricsService), the product's metrics on it (DomainMetrics) and
 * their shared per-hour counts in Redis (HourlyCounters), one of each per app: imported by value
 * wherever something is counted.
 */
@Module({
  imports: [QueueModule, RedisModule],
  providers: [
    MetricsService,
    HourlyCounters,
    {
      provide: DomainMetrics,
      useFactory: (metrics: MetricsService, hourly: HourlyCounters, ...queues: Queue[]) =>
        new DomainMetrics(metrics, queues, hourly),
      inject: [MetricsService, HourlyCounters, ...Object.values(QueueName).map((name) => getQueueToken(name))],
    },
  ],
  exports: [MetricsService, DomainMetrics, HourlyCounters],
})
export class MetricsModule {}
