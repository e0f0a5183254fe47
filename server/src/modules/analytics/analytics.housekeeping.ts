import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { QueueName } from '../queue/queue-names';
import { scheduleRepeatingJob } from '../queue/repeating-job';
import { AnalyticsService } from './analytics.service';
import type { AnalyticsMaintenanceResult } from './analytics.types';

/** The repeatable job (and its scheduler's id) on the analytics maintenance queue. */
export const ANALYTICS_MAINTAIN_JOB = 'analytics:maintain';

/** Monthly partitions made ahead of time (beyond the current month), so the default partitions stay empty. */
export const ANALYTICS_MONTHS_AHEAD = 3;

/**
 * Keeps the analytics tables' monthly partitions: creates this month's and the coming months' and
 * drops those wholly older than ANALYTICS_RETENTION_DAYS, through the SQL function `analytics_maintain`
 * (analytics/sql). A BullMQ job scheduler runs it every ANALYTICS_MAINTENANCE_SECONDS, one job per
 * period for the whole deployment, on a queue of its own like the events' upkeep. It crosses tenants:
 * the repository runs it on the admin pool.
 */
@Processor(QueueName.AnalyticsMaintenance)
export class AnalyticsHousekeeping extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(AnalyticsHousekeeping.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.AnalyticsMaintenance) private readonly queue: Queue,
    private readonly analytics: AnalyticsService,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    scheduleRepeatingJob(
      this.queue,
      ANALYTICS_MAINTAIN_JOB,
      this.config.analyticsStorage.maintenanceSeconds * 1000,
      (err) => this.logger.warn(`could not schedule analytics maintenance: ${err.message}`),
    );
  }

  async process(job: Job): Promise<AnalyticsMaintenanceResult> {
    if (job.name !== ANALYTICS_MAINTAIN_JOB) throw new Error(`No analytics maintenance task named ${job.name}.`);
    return this.maintain();
  }

  /** One pass, as of `now` (a parameter so a test can stand at any moment). */
  async maintain(now: Date = new Date()): Promise<AnalyticsMaintenanceResult> {
    const result = await this.analytics.maintainPartitions(
      this.config.analyticsStorage.retentionDays,
      ANALYTICS_MONTHS_AHEAD,
      now,
    );
    if (result.created.length > 0 || result.dropped.length > 0) {
      this.logger.log(`analytics partitions: created ${result.created.length}, dropped ${result.dropped.length}`);
    }
    return result;
  }
}
