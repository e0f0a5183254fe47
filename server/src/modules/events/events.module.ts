import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { RedisModule } from '../redis/redis.module';
import { EventsController } from './events.controller';
import { EventsHousekeeping } from './events.housekeeping';
import { EventsNotifier } from './events-notifier';
import { EventsRepository } from './events.repository';
import { EventsService } from './events.service';

/** A tenant's events: recording and reading them (every role; other modules emit through EventsService). */
@Module({
  imports: [RedisModule],
  providers: [EventsRepository, EventsNotifier, EventsService],
  exports: [EventsService],
})
export class EventsModule {}

/** GET /api/events and its stream (api role). */
@Module({ imports: [EventsModule], controllers: [EventsController] })
export class EventsHttpModule {}

/** Partition upkeep and retention (worker role). */
@Module({ imports: [QueueModule, EventsModule], providers: [EventsHousekeeping] })
export class EventsWorkerModule {}
