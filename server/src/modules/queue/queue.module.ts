import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { AppConfig } from '../../config/app-config';
import { redisConnectionOptions } from '../redis/redis-connection';
import { QueueErrorLog } from './queue-error-log';
import { QueueName } from './queue-names';

/**
 * BullMQ on the shared Redis, under the deployment's key prefix (tests give each
 * file its own). Feature modules register processors with `@Processor(QueueName.X)`.
 */
@Global()
@Module({})
export class QueueModule {
  static forRoot(config: AppConfig): DynamicModule {
    const queues = BullModule.registerQueue(...Object.values(QueueName).map((name) => ({ name })));
    return {
      module: QueueModule,
      imports: [
        BullModule.forRoot({
          connection: redisConnectionOptions(config.redis.url, { maxRetriesPerRequest: null }),
          prefix: `${config.redis.prefix}:bull`,
          defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
        }),
        queues,
        DiscoveryModule,
      ],
      providers: [QueueErrorLog],
      exports: [queues],
    };
  }
}
