import { InjectQueue, OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, type Type } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { Clock } from '../../common/clock';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { configuredProcessor } from '../queue/configured-processor';
import { QueueName } from '../queue/queue-names';
import { InjectRedis, RedisClientName } from '../redis/redis-client-name';
import type { RedisClient } from '../redis/redis-connection';
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
 * Its lock and stall timings come from the config: the module registers it
 * through `postSendProcessor(config)`.
 */
@Injectable()
export class PostSendWorker extends WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PostSendWorker.name);
  private sweepTimer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.PostSend) private readonly queue: Queue<DrainJob>,
    private readonly posts: PostsRepository,
    private readonly sender: PostSender,
    private readonly clock: Clock,
    @InjectRedis(RedisClientName.Commands) private readonly redis: RedisClient,
  ) {
    super();
  }

  /** Takes jobs once the whole app is up (the worker is made with the modules, not started). */
  onApplicationBootstrap(): void {
    this.worker.run().catch((err: Error) => this.logger.warn(`send worker: ${err.message}`));
    this.sweepTimer = setInterval(() => void this.sweep(), this.config.sending.sweepMs);
    this.sweepTimer.unref();
  }

  /** Stops sweeping and lets the runs in progress finish while Redis and Postgres are still there. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweepTimer);
    await this.worker.close();
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.warn(`send worker: ${err.message}`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<DrainJob> | undefined, err: Error): void {
    this.logger.warn(`send run ${job?.id ?? '?'} failed: ${err.message}`);
  }

  process(job: Job<DrainJob>): Promise<string> {
    return this.drain(job);
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

/** The send worker with the config's lock and stall timings. */
export const postSendProcessor = (config: AppConfig): Type<PostSendWorker> =>
  configuredProcessor(PostSendWorker, QueueName.PostSend, {
    concurrency: CONCURRENCY,
    lockDuration: config.sending.lockMs,
    stalledInterval: config.sending.lockMs,
    maxStalledCount: 5,
    autorun: false,
  });
