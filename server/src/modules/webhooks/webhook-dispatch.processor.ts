import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { QueueName } from '../queue/queue-names';
import { scheduleRepeatingJob } from '../queue/repeating-job';
import { WebhookDispatcher } from './webhook-dispatcher';
import { DISPATCH_JOB, type DispatchJob, SWEEP_JOB } from './webhook-jobs';

/**
 * The dispatch queue's worker: a tenant's dispatch (see WebhookDispatcher), and the sweep, a BullMQ
 * job scheduler running every WEBHOOK_SWEEP_SECONDS once for the whole deployment. Its process
 * dispatches its own wake-ups at once (WebhookDispatcher.dispatchInProcess); other processes' come
 * as jobs.
 */
@Processor(QueueName.WebhookDispatch, { concurrency: 8 })
export class WebhookDispatchProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookDispatchProcessor.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.WebhookDispatch) private readonly queue: Queue,
    private readonly dispatcher: WebhookDispatcher,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.dispatcher.dispatchInProcess();
    scheduleRepeatingJob(this.queue, SWEEP_JOB, this.config.webhooks.sweepSeconds * 1000, (err) =>
      this.logger.warn(`could not schedule the webhook sweep: ${err.message}`),
    );
  }

  async process(job: Job<DispatchJob>): Promise<unknown> {
    switch (job.name) {
      case DISPATCH_JOB:
        // From here on, events recorded for the tenant queue a dispatch of their own.
        await job.removeDeduplicationKey();
        return { queued: await this.dispatcher.dispatch(job.data.tenantId) };
      case SWEEP_JOB:
        return this.dispatcher.sweep();
      default:
        throw new Error(`No webhook dispatch task named ${job.name}.`);
    }
  }
}
