import { WorkerHost } from '@nestjs/bullmq';
import type { Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { scheduleRepeatingJob } from './repeating-job';

/** One housekeeping pass: its job, how often it runs, and what it is called in logs and errors. */
export interface HousekeepingSchedule {
  /** The repeatable job's name, also its job scheduler's id. */
  job: string;
  everyMs: number;
  /** For logs and errors, e.g. "events maintenance". */
  what: string;
}

/**
 * The shape every module's housekeeping shares. One repeating job on a queue of its own, run by a
 * BullMQ job scheduler: one job per period for the whole deployment, however many workers there are.
 * The worker refuses any other job name (a stray job fails loudly instead of running a pass it was
 * not meant for). The pass itself, `runPass(now)`, takes the moment as a parameter so a test can stand
 * at any date. A subclass declares `@Processor` with its queue, injects that queue and what the pass
 * needs, and writes `runPass`.
 */
export abstract class HousekeepingHost<R> extends WorkerHost implements OnApplicationBootstrap {
  protected abstract readonly logger: Logger;

  protected constructor(
    private readonly queue: Queue,
    private readonly schedule: HousekeepingSchedule,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    scheduleRepeatingJob(this.queue, this.schedule.job, this.schedule.everyMs, (err) =>
      this.logger.warn(`could not schedule ${this.schedule.what}: ${err.message}`),
    );
  }

  async process(job: Job): Promise<R> {
    if (job.name !== this.schedule.job) throw new Error(`No ${this.schedule.what} task named ${job.name}.`);
    return this.runPass();
  }

  /** One pass, as of `now`. */
  abstract runPass(now?: Date): Promise<R>;
}
