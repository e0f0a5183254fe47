import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { present } from '../../common/present';
import { ADMIN_DATA_SOURCE } from '../database/admin-data-source';
import { QueueName } from '../queue/queue-names';

/** The repeatable job (and its scheduler's id) on the events maintenance queue. */
export const EVENTS_MAINTAIN_JOB = 'events:maintain';

/** Daily partitions made ahead of time, so the default partition stays empty. */
const DAYS_AHEAD = 3;

export interface EventsMaintenanceResult {
  created: string[];
  dropped: string[];
}

/**
 * Keeps the events table's daily partitions: creates the coming days' and drops those wholly older
 * than EVENTS_RETENTION_DAYS, through the SQL function `events_maintain` (events/sql), which also
 * purges old dedupe keys. A BullMQ job scheduler runs it every EVENTS_MAINTENANCE_SECONDS, one job per
 * period for the whole deployment. Its own queue: the maintenance queue's worker refuses jobs it does
 * not know. It crosses tenants, so it runs on the admin pool.
 */
@Processor(QueueName.EventsMaintenance)
export class EventsHousekeeping extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(EventsHousekeeping.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.EventsMaintenance) private readonly queue: Queue,
    @InjectDataSource(ADMIN_DATA_SOURCE) private readonly adminDs: DataSource,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // Not awaited: with Redis down the queue waits for it, and start-up must not (readiness says so).
    void this.schedule();
  }

  private async schedule(): Promise<void> {
    try {
      // Upsert: a changed period replaces the old schedule instead of adding a second one.
      await this.queue.upsertJobScheduler(
        EVENTS_MAINTAIN_JOB,
        { every: this.config.events.maintenanceSeconds * 1000 },
        { name: EVENTS_MAINTAIN_JOB, opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
    } catch (err) {
      this.logger.warn(`could not schedule events maintenance: ${(err as Error).message}`);
    }
  }

  async process(job: Job): Promise<EventsMaintenanceResult> {
    if (job.name !== EVENTS_MAINTAIN_JOB) throw new Error(`No events maintenance task named ${job.name}.`);
    return this.maintain();
  }

  /** One pass, as of `now` (a parameter so a test can stand at any moment). */
  async maintain(now: Date = new Date()): Promise<EventsMaintenanceResult> {
    const rows: EventsMaintenanceResult[] = await this.adminDs.query(
      `SELECT created, dropped FROM events_maintain($1, $2, $3)`,
      [this.config.events.retentionDays, DAYS_AHEAD, now],
    );
    const result = present(rows[0], 'events_maintain answers one row');
    if (result.created.length > 0 || result.dropped.length > 0) {
      this.logger.log(`event partitions: created ${result.created.length}, dropped ${result.dropped.length}`);
    }
    return result;
  }
}
