import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import type { Queue } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import { redisConnectionOptions } from '../redis/redis-connection';
import { QueueErrorLog } from './queue-error-log';
import { QueueName } from './queue-names';

const queues = BullModule.registerQueue(...Object.values(QueueName).map((name) => ({ name })));

/**
 * The product's queues, for modules that add jobs (`@InjectQueue(QueueName.X)`); processors register
 * with `@Processor(QueueName.X)`. Imported where used; the connection comes from QueueConnectionModule.
 */
@Module({
  imports: [queues, DiscoveryModule],
  providers: [
    {
      // One per app (this module is imported by value): the queues' and workers' connection errors.
      provide: QueueErrorLog,
      useFactory: (discovery: DiscoveryService, ...all: Queue[]) => new QueueErrorLog(discovery, all),
      inject: [DiscoveryService, ...Object.values(QueueName).map((name) => getQueueToken(name))],
    },
  ],
  exports: [queues],
})
export class QueueModule {}

/**
 * BullMQ's connection on the shared Redis, under the deployment's key prefix (tests give each file
 * its own). Imported once, by the app module.
 */
@Module({})
export class QueueConnectionModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: QueueConnectionModule,
      imports: [
        BullModule.forRoot({
          connection: redisConnectionOptions(config.redis.url, { maxRetriesPerRequest: null }),
          prefix: `${config.redis.prefix}:bull`,
          defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
          // A job carries the trace of whatever queued it to the worker that runs it.
          ...(config.tracing.enabled ? { telemetry: new BullMQOtel('tenantgram') } : {}),
        }),
      ],
    };
  }
}
