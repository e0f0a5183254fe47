import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { QueueName } from '../queue/queue-names';
import { scheduleRepeatingJob } from '../queue/repeating-job';
import type { EventsMaintenanceResult } from './events.repository';
import { EventsService } from './events.service';

/** The repeatable job (and its scheduler's id) on the events maintenance queue. */
export const EVENTS_MAINTAIN_JOB = 'events:maintain';

/** Daily partitions made ahead of time, so the default partition stays empty. */
const DAYS_AHEAD = 3;

/**
 * Keeps the events table's daily partitions: creates the coming days' and drops those wholly older
 * than EVENTS_RETENTION_DAYS, through the SQL function `events_maintain` (events/sql), which also
 * purges old dedupe keys. A BullMQ job scheduler runs it every EVENTS_MAINTENANCE_SECONDS, one job per
 * period for the whole deployment. Its own queue: the maintenance queue's worker refuses jobs it does
 * not know. It crosses tenants: the repository runs it on the admin pool.
 */
@Processor(QueueName.EventsMaintenance)
export class EventsHousekeeping extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(EventsHousekeeping.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.EventsMaintenance) private readonly queue: Queue,
    private readonly events: EventsService,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    scheduleRepeatingJob(this.queue, EVENTS_MAINTAIN_JOB, this.config.events.maintenanceSeconds * 1000, (err) =>
      this.logger.warn(`could not schedule events maintenance: ${err.message}`),
    );
  }

  async process(job: Job): Promise<EventsMaintenanceResult> {
    if (job.name !== EVENTS_MAINTAIN_JOB) throw new Error(`No events maintenance task named ${job.name}.`);
    return this.maintain();
  }

  /** One pass, as of `now` (a parameter so a test can stand at any moment). */
  async maintain(now: Date = new Date()): Promise<EventsMaintenanceResult> {
    const result = await this.events.maintainPartitions(this.config.events.retentionDays, DAYS_AHEAD, now);
    if (result.created.length > 0 || result.dropped.length > 0) {
      this.logger.log(`event partitions: created ${result.created.length}, dropped ${result.dropped.length}`);
    }
    return result;
  }
}
