import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { QueueName } from '../queue/queue-names';
import { DomainMetrics } from '../health/domain-metrics';
import { InjectRedis, RedisClientName } from '../redis/redis-client-name';
import type { RedisClient } from '../redis/redis-connection';
import { BotRegistry } from './bot-registry.service';
import { BotUpdateEvents } from './bot-update-events';
import type { BotUpdatesBatch } from './webhook-ingest.service';
import { safeErrorMessage } from './telegram-bot-api.failure';

const HANDLED_TTL_SECONDS = 24 * 3600;

/**
 * Runs queued tenant bot updates through each tenant's Telegraf instance. A
 * batch marks its updates as started together (one Redis round trip) before
 * handling them in order; a batch that runs again (a worker died in the
 * middle) skips the updates marked before, so no update is handled twice; one
 * update's failure is logged and does not replay the others.
 */
@Processor(QueueName.BotUpdates, { concurrency: 16 })
export class BotUpdatesProcessor extends WorkerHost {
  private readonly logger = new Logger(BotUpdatesProcessor.name);
  private readonly prefix: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly registry: BotRegistry,
    @InjectRedis(RedisClientName.Commands) private readonly redis: RedisClient,
    private readonly updateEvents: BotUpdateEvents,
    private readonly metrics: DomainMetrics,
  ) {
    super();
    this.prefix = `${config.redis.prefix}:handled-update`;
  }

  async process(job: Job<BotUpdatesBatch>): Promise<{ handled: number }> {
    // Recorded as events before any is handled; a failure fails the job, which BullMQ retries: no event is lost.
    await this.updateEvents.record(job.data.updates);
    const updates = job.data.updates;
    const marks = this.redis.pipeline();
    for (const { botId, update } of updates) {
      marks.set(`${this.prefix}:${botId}:${update.update_id}`, '1', 'EX', HANDLED_TTL_SECONDS, 'NX');
    }
    const firsts = await marks.exec();
    // Marks not answered: the job fails (BullMQ retries it) rather than take the updates as handled.
    if (!firsts || firsts.length !== updates.length) throw new Error('the handled-update marks were not answered');
    let handled = 0;
    for (const [i, { tenantId, botId, update }] of updates.entries()) {
      const [err, first] = firsts[i] ?? [null, null];
      if (err) throw err;
      if (!first) continue;
      this.metrics.botUpdate();
      try {
        if (await this.registry.handleUpdate(tenantId, update)) handled++;
      } catch (err) {
        this.logger.warn(`update ${update.update_id} of bot ${botId}: ${safeErrorMessage(err)}`);
      }
    }
    return { handled };
  }
}
