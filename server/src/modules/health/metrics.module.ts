import { getQueueToken } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueModule } from '../queue/queue.module';
import { QueueName } from '../queue/queue-names';
import { DomainMetrics } from './domain-metrics';
import { MetricsService } from './metrics.service';

/**
 * The app's Prometheus registry (MetricsService) and the product's metrics on it (DomainMetrics),
 * one of each per app: imported by value wherever something is counted.
 */
@Module({
  imports: [QueueModule],
  providers: [
    MetricsService,
    {
      provide: DomainMetrics,
      useFactory: (metrics: MetricsService, ...queues: Queue[]) => new DomainMetrics(metrics, queues),
      inject: [MetricsService, ...Object.values(QueueName).map((name) => getQueueToken(name))],
    },
  ],
  exports: [MetricsService, DomainMetrics],
})
export class MetricsModule {}
