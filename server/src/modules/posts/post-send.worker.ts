import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type Job, type Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { redisConnectionOptions } from '../../common/redis';
import { QueueName } from '../queue/queue-names';
import { ChannelLock } from './channel-lock';
import { PostSender } from './post-sender.service';
import type { DrainJob } from './posts.service';

const CONCURRENCY = 64;
const SWEEP_BATCH = 500;

/**
 * Drains channels: a job names a channel, takes its lock and sends its due
 * posts oldest first until none is left or a limit says wait (then a delayed
 * job picks the channel up again). A job that finds the lock taken leaves:
 * the holder looks once more after releasing it, so no post is stranded.
 * A sweep re-queues channels with due posts that nobody is draining
 * (scheduled posts coming due, work of a worker that died).
 * The BullMQ worker is built here, not by decorator, so its lock and stall
 * timings come from the config.
 */
@Injectable()
export class PostSendWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PostSendWorker.name);
  private worker?: Worker<DrainJob>;
  private readonly redis: Redis;
  private sweepTimer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.PostSend) private readonly queue: Queue<DrainJob>,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly sender: PostSender,
  ) {
    this.redis = new Redis(redisConnectionOptions(config.redis.url, { maxRetriesPerRequest: 3 }));
    // Outages surface on the commands that fail (and in readiness); the event itself needs no handling.
    this.redis.on('error', () => undefined);
  }

  onApplicationBootstrap(): void {
    const { lockMs, sweepMs } = this.config.sending;
    this.worker = new Worker<DrainJob>(QueueName.PostSend, (job) => this.drain(job), {
      connection: redisConnectionOptions(this.config.redis.url, { maxRetriesPerRequest: null }),
      prefix: `${this.config.redis.prefix}:bull`,
      concurrency: CONCURRENCY,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: 5,
    });
    this.worker.on('error', (err) => this.logger.warn(`send worker: ${err.message}`));
    this.worker.on('failed', (job, err) => this.logger.warn(`send run ${job?.id ?? '?'} failed: ${err.message}`));
    this.sweepTimer = setInterval(() => void this.sweep(), sweepMs);
    this.sweepTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.worker?.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private lockKey(channelId: string): string {
    return `${this.config.redis.prefix}:send-lock:${channelId}`;
  }

  async drain(job: Job<DrainJob>): Promise<string> {
    const { tenantId, channelId } = job.data;
    for (let round = 0; round < 1000; round++) {
      const lock = await ChannelLock.acquire(this.redis, this.lockKey(channelId), this.config.sending.lockMs);
      if (!lock) return 'busy';
      let waitMs: number | undefined;
      try {
        waitMs = await this.sendDue(tenantId, channelId);
      } finally {
        await lock.release();
      }
      if (waitMs !== undefined) {
        await this.queue.add('drain', job.data, { delay: waitMs, removeOnComplete: true, removeOnFail: 1000 });
        return 'waiting';
      }
      // A post queued while the lock was held may have been turned away by it: look once more.
      if (!(await this.sender.nextDue(tenantId, channelId))) return 'drained';
    }
    return 'drained';
  }

  /** Sends due posts in order; answers how long to wait when a limit stops it, undefined when none is left. */
  private async sendDue(tenantId: string, channelId: string): Promise<number | undefined> {
    for (;;) {
      const post = await this.sender.nextDue(tenantId, channelId);
      if (!post) return undefined;
      const outcome = await this.sender.send(post);
      if (outcome.kind === 'wait') return outcome.ms;
    }
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const rows: { user_id: string; channel_id: string }[] = await this.ds.query(
        'SELECT user_id, channel_id FROM tg_due_post_channels($1)',
        [SWEEP_BATCH],
      );
      if (rows.length === 0) return;
      await this.queue.addBulk(
        rows.map((r) => ({
          name: 'drain',
          data: { tenantId: r.user_id, channelId: r.channel_id },
          // One sweep job per channel at a time, however often the sweep runs.
          opts: { jobId: `sweep-${r.channel_id}`, removeOnComplete: true, removeOnFail: true },
        })),
      );
    } catch (err) {
      this.logger.warn(`send sweep: ${(err as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }
}
