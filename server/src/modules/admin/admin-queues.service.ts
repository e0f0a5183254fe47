import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { AuditAction, AuditActor } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { QueueName } from '../queue/queue-names';
import { AdminError, AdminErrorCode } from './admin.errors';
import { QueueFailureDto, QueuesDto, QueueStatsDto, RetriedJobDto } from './dtos/admin.dto';

const LATEST_FAILURES = 10;

const isQueueName = (name: string): name is QueueName => (Object.values(QueueName) as string[]).includes(name);
/** Failure reasons can quote whole payloads; the console needs the gist. */
const ERROR_MAX_CHARS = 500;

const failureOf = (job: Job): QueueFailureDto => ({
  id: String(job.id),
  name: job.name,
  error: (job.failedReason || 'Failed without a reason.').slice(0, ERROR_MAX_CHARS),
  attempts_made: job.attemptsMade,
  created_at: new Date(job.timestamp),
  failed_at: job.finishedOn ? new Date(job.finishedOn) : null,
});

/** The BullMQ queues as support sees them: counts, recent failures, and retrying one. */
@Injectable()
export class AdminQueuesService {
  /** Every queue the product declares: a queue added to QueueName and not here fails to compile. */
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QueueName.Maintenance) maintenance: Queue,
    @InjectQueue(QueueName.BotUpdates) botUpdates: Queue,
    @InjectQueue(QueueName.PostSend) postSend: Queue,
    @InjectQueue(QueueName.Notifications) notifications: Queue,
    @InjectQueue(QueueName.EventsMaintenance) eventsMaintenance: Queue,
    @InjectQueue(QueueName.AnalyticsMaintenance) analyticsMaintenance: Queue,
    @InjectQueue(QueueName.WebhookDispatch) webhookDispatch: Queue,
    @InjectQueue(QueueName.WebhookDelivery) webhookDelivery: Queue,
    private readonly audit: AuditService,
  ) {
    this.queues = {
      [QueueName.Maintenance]: maintenance,
      [QueueName.BotUpdates]: botUpdates,
      [QueueName.PostSend]: postSend,
      [QueueName.Notifications]: notifications,
      [QueueName.EventsMaintenance]: eventsMaintenance,
      [QueueName.AnalyticsMaintenance]: analyticsMaintenance,
      [QueueName.WebhookDispatch]: webhookDispatch,
      [QueueName.WebhookDelivery]: webhookDelivery,
    };
  }

  private queue(name: string): Queue {
    if (!isQueueName(name)) {
      throw new AdminError(AdminErrorCode.QueueNotFound, `There is no queue named ${name}.`);
    }
    return this.queues[name];
  }

  async overview(): Promise<QueuesDto> {
    const queues = await Promise.all(Object.values(QueueName).map((name) => this.stats(name)));
    return { queues, checked_at: new Date() };
  }

  private async stats(name: QueueName): Promise<QueueStatsDto> {
    const queue = this.queue(name);
    const [counts, failed] = await Promise.all([
      queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
      queue.getFailed(0, LATEST_FAILURES - 1),
    ]);
    return {
      name,
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      latest_failures: failed.filter((j): j is Job => Boolean(j)).map(failureOf),
    };
  }

  async retry(actor: AuditActor, name: string, id: string): Promise<RetriedJobDto> {
    const queue = this.queue(name);
    const job: Job | undefined = await queue.getJob(id);
    if (!job) throw new AdminError(AdminErrorCode.JobNotFound, `Queue ${name} has no job ${id}.`);
    const before = await job.getState();
    if (before !== 'failed') {
      throw new AdminError(AdminErrorCode.JobNotFailed, `Job ${id} is ${before}, not failed; only failed jobs retry.`);
    }
    await job.retry('failed');
    await this.audit.record({
      action: AuditAction.QueueJobRetried,
      actor,
      target: `job:${name}/${id}`,
      meta: { queue: name, job_id: id, job_name: job.name, attempts_made: job.attemptsMade },
    });
    return { queue: name, id, state: await job.getState() };
  }
}
