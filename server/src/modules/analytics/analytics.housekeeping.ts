import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { HousekeepingHost } from '../queue/housekeeping-host';
import { QueueName } from '../queue/queue-names';
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
 * period for the whole deployment (see HousekeepingHost), on a queue of its own like the events' upkeep. It crosses tenants:
 * the repository runs it on the admin pool.
 */
@Processor(QueueName.AnalyticsMaintenance)
export class AnalyticsHousekeeping extends HousekeepingHost<AnalyticsMaintenanceResult> {
  protected readonly logger = new Logger(AnalyticsHousekeeping.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.AnalyticsMaintenance) queue: Queue,
    private readonly analytics: AnalyticsService,
  ) {
    super(queue, {
      job: ANALYTICS_MAINTAIN_JOB,
      everyMs: config.analyticsStorage.maintenanceSeconds * 1000,
      what: 'analytics maintenance',
    });
  }

  async runPass(now: Date = new Date()): Promise<AnalyticsMaintenanceResult> {
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
