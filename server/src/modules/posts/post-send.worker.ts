import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { type Job, type Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { Clock } from '../../common/clock';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { redisConnectionOptions } from '../../common/redis';
import { QueueName } from '../queue/queue-names';
import { PostSender, type RoundWaitScope } from './post-sender.service';
import { PostsRepository } from './posts.repository';
import { SenderLock } from './sender-lock';
import type { DrainJob } from './posts.service';

const CONCURRENCY = 64;
const SWEEP_BATCH = 500;

/**
 * How long a sender waits in place for a limit. The bot-wide window and the
 * tenant's budget bind every channel of the tenant, so waiting for them in
 * place keeps the bot at its full rate without a queue round trip; a longer
 * wait (a chat's spacing with nothing else to send, a 429, a retry backoff)
 * hands the tenant back to the queue as a delayed job, so a worker slot never
 * sleeps through it.
 */
const inlineWaitMs = (scope: RoundWaitScope): number => (scope === 'bot' || scope === 'tenant' ? 1100 : 250);

/**
 * Drains tenants: a job names a tenant, takes its sender lock and sends its
 * due posts in rounds (see PostSender) until none is left or a limit says
 * wait (then a delayed job picks the tenant up again). A job that finds the
 * lock taken leaves: the holder looks once more after releasing it, so no
 * post is stranded. A sweep re-queues tenants with due posts that nobody is
 * draining (scheduled posts coming due, work of a worker that died).
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
    private readonly posts: PostsRepository,
    private readonly sender: PostSender,
    private readonly clock: Clock,
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

  private lockKey(tenantId: string): string {
    return `${this.config.redis.prefix}:send-lock:${tenantId}`;
  }

  async drain(job: Job<DrainJob>): Promise<string> {
    const { tenantId } = job.data;
    for (let pass = 0; pass < 1000; pass++) {
      const lock = await SenderLock.acquire(
        this.redis,
        this.lockKey(tenantId),
        this.config.sending.lockMs,
        !job.data.sweep,
      );
      if (!lock) return 'busy';
      let waitMs: number | undefined;
      let again = false;
      try {
        waitMs = await this.sendDue(tenantId);
      } finally {
        again = await lock.release();
      }
      // A post queued while the lock was held turned its sender away: look once more.
      if (again) continue;
      if (waitMs === undefined) return 'drained';
      await this.queue.add('drain', { tenantId }, { delay: waitMs, removeOnComplete: true, removeOnFail: 1000 });
      return 'waiting';
    }
    return 'drained';
  }

  /** Runs rounds until nothing is due (undefined) or a wait too long to sit through (its ms). */
  private async sendDue(tenantId: string): Promise<number | undefined> {
    const backoff = new Map<string, number>();
    for (;;) {
      const outcome = await this.sender.round(tenantId, backoff);
      if (outcome.kind === 'drained') return undefined;
      if (outcome.kind === 'progress') continue;
      if (outcome.ms > inlineWaitMs(outcome.scope)) return outcome.ms;
      await this.clock.sleep(outcome.ms);
    }
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const tenantIds = await this.posts.tenantsWithDuePosts(SWEEP_BATCH);
      if (tenantIds.length === 0) return;
      await this.queue.addBulk(
        tenantIds.map((tenantId) => ({
          name: 'drain',
          data: { tenantId, sweep: true },
          // One sweep job per tenant at a time, however often the sweep runs.
          opts: { jobId: `sweep-${tenantId}`, removeOnComplete: true, removeOnFail: true },
        })),
      );
    } catch (err) {
      this.logger.warn(`send sweep: ${(err as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }
}
