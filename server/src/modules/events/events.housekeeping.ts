import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { HousekeepingHost } from '../queue/housekeeping-host';
import { QueueName } from '../queue/queue-names';
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
 * period for the whole deployment (see HousekeepingHost). Its own queue: each housekeeping worker
 * refuses jobs it does not know. It crosses tenants: the repository runs it on the admin pool.
 */
@Processor(QueueName.EventsMaintenance)
export class EventsHousekeeping extends HousekeepingHost<EventsMaintenanceResult> {
  protected readonly logger = new Logger(EventsHousekeeping.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.EventsMaintenance) queue: Queue,
    private readonly events: EventsService,
  ) {
    super(queue, {
      job: EVENTS_MAINTAIN_JOB,
      everyMs: config.events.maintenanceSeconds * 1000,
      what: 'events maintenance',
    });
  }

  async runPass(now: Date = new Date()): Promise<EventsMaintenanceResult> {
    const result = await this.events.maintainPartitions(this.config.events.retentionDays, DAYS_AHEAD, now);
    if (result.created.length > 0 || result.dropped.length > 0) {
      this.logger.log(`event partitions: created ${result.created.length}, dropped ${result.dropped.length}`);
    }
    return result;
  }
}
