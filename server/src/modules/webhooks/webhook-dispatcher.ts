import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { Coalescer } from '../../common/coalescer';
import { MAX_EVENTS_PER_READ } from '../events/events.service';
import { QueueName } from '../queue/queue-names';
import {
  type DispatchedAttempt,
  type DispatchedTenant,
  type PendingDelivery,
  WebhookDeliveriesRepository,
} from './webhook-deliveries.repository';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { DISPATCH_JOB, type DeliveryJob, deliveryJobId, type DispatchJob } from './webhook-jobs';

/** Reads of the event log one dispatch makes before it hands the rest to a next dispatch. */
const MAX_READS_PER_DISPATCH = 20;
/** A pending attempt due this long ago and still pending has lost its job: the sweep queues it again. */
const LOST_AFTER_MS = 60_000;
const SWEEP_BATCH = 500;

/** First attempts to one endpoint dispatched together go out in one delivery job, this many at most. */
const ATTEMPTS_PER_DELIVERY_JOB = 20;

/**
 * A dispatch's delivery jobs: each endpoint's first attempts, in event order, ATTEMPTS_PER_DELIVERY_JOB
 * to a job (one POST per event still); the job's id is its first attempt's.
 */
function deliveryJobs(tenantId: string, attempts: DispatchedAttempt[]): DeliveryJob[] {
  const byEndpoint = new Map<string, DispatchedAttempt[]>();
  for (const a of attempts) {
    const key = `${a.endpointId}.${a.generation}`;
    byEndpoint.set(key, [...(byEndpoint.get(key) ?? []), a]);
  }
  const jobs: DeliveryJob[] = [];
  for (const list of byEndpoint.values()) {
    for (let i = 0; i < list.length; i += ATTEMPTS_PER_DELIVERY_JOB) {
      const [first, ...rest] = list.slice(i, i + ATTEMPTS_PER_DELIVERY_JOB);
      if (!first) continue;
      jobs.push({
        tenantId,
        endpointId: first.endpointId,
        deliveryId: first.deliveryId,
        generation: first.generation,
        eventId: first.event.id,
        attempt: 1,
        event: first.event,
        ...(rest.length > 0
          ? { also: rest.map((a) => ({ deliveryId: a.deliveryId, eventId: a.event.id, event: a.event })) }
          : {}),
      });
    }
  }
  return jobs;
}

/** Delivery jobs retry themselves only for the platform's own failures (an endpoint's are new attempts). */
export const DELIVERY_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: 1000,
};

/** A first attempt made here that failed for the platform's own reasons goes to the queue this much later. */
const LOCAL_FAILURE_RETRY_MS = 1000;

/** Makes a delivery job's attempts in this process (WebhookDeliveryProcessor.deliverJob). */
export type LocalDelivery = (job: DeliveryJob) => Promise<unknown>;

/** How long whether a tenant has an enabled endpoint is taken as known (see wakeIfListening). */
const LISTENING_CACHE_MS = 5000;
const LISTENING_CACHE_SIZE = 100_000;

/**
 * Hands a tenant's new events to its endpoints, never losing one: each endpoint's dispatch cursor
 * (the last event id handed to delivery) moves in the same statement that records the attempts
 * (tenant_webhook_dispatch: an endpoint takes its event types, all when none, and pings naming it),
 * with the endpoints locked (a second dispatch, or a replay, waits and reads on from there). Jobs
 * are queued after it under deterministic ids; an attempt whose job never made it is found
 * pending by the sweep and queued again. Woken when events are recorded (EventsService.onRecorded:
 * one deduplicated job per tenant) and by the sweep, so a lost wake-up only delays.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleDestroy {
  private readonly logger = new Logger(WebhookDispatcher.name);
  /** Whether each tenant has an enabled endpoint: the lookup, until when it holds, and its answer once in. */
  private readonly listening = new Map<string, { answer: Promise<boolean>; until: number; known?: boolean }>();
  /** Whether wake-ups dispatch in this process (it runs the dispatch worker). */
  private inProcess = false;
  /** Tenants being dispatched in this process, and whether they were woken again meanwhile. */
  private readonly running = new Map<string, boolean>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Makes first attempts here, when this process runs the delivery worker, up to `capacity` jobs at once. */
  private local: { deliver: LocalDelivery; capacity: number; running: Set<Promise<void>> } | null = null;
  /** Reads of the dispatch functions made at the same time share a statement (group commit). */
  private readonly reads = new Coalescer<string, DispatchedTenant>((tenants) => this.readBatch(tenants), {
    maxBatch: 100,
    maxInFlight: 2,
  });

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    @InjectQueue(QueueName.WebhookDispatch) private readonly dispatchQueue: Queue<DispatchJob>,
    @InjectQueue(QueueName.WebhookDelivery) private readonly deliveryQueue: Queue<DeliveryJob>,
  ) {}

  /**
   * Wakes dispatch for events just recorded, unless the tenant is known to have no enabled endpoint:
   * most tenants' events (posts sent, bot updates) have no endpoint to go to, and a dispatch job with
   * its transaction for each would cost more than the recording. What a tenant's endpoints are is
   * kept for LISTENING_CACHE_MS here (forgotten at once when they change in this process), so an
   * endpoint created through another pod is woken for within that time, and the sweep covers the rest:
   * dispatch reads from each endpoint's cursor, so no event is skipped, only later.
   */
  wakeIfListening(tenantId: string): void {
    const now = Date.now();
    let entry = this.listening.get(tenantId);
    if (!entry || entry.until <= now) {
      const previous = entry;
      if (this.listening.size >= LISTENING_CACHE_SIZE) this.listening.clear();
      // On a failed lookup, wake anyway: a dispatch that finds nothing costs less than a late event.
      const answer = this.endpoints.hasEnabled(tenantId).catch(() => true);
      const fresh: { answer: Promise<boolean>; until: number; known?: boolean } = {
        answer,
        until: now + LISTENING_CACHE_MS,
      };
      void answer.then((yes) => (fresh.known = yes));
      this.listening.set(tenantId, fresh);
      entry = fresh;
      // Listening when last looked: woken at once, while the lookup runs for the next recordings (a
      // dispatch for a tenant whose endpoints went meanwhile finds nothing to do).
      if (previous?.known) {
        this.wake(tenantId);
        return;
      }
    }
    void entry.answer.then((yes) => {
      if (yes) this.wake(tenantId);
    });
  }

  /** The tenant's endpoints changed in this process: the next recording looks again. */
  forgetListening(tenantId: string): void {
    this.listening.delete(tenantId);
  }

  /**
   * This process runs the dispatch worker: from now on a wake-up dispatches here at once instead of
   * through a queued job (one hop less between an event and its delivery). Nothing is lost if the
   * process dies meanwhile: the events stay after the endpoints' cursors, and the sweep wakes every
   * tenant with an endpoint.
   */
  dispatchInProcess(): void {
    this.inProcess = true;
  }

  /**
   * This process runs the delivery worker: from now on the first attempts it dispatches are made here
   * at once, up to `capacity` jobs at a time, instead of going through the delivery queue (three Redis
   * scripts and a hop less per job); the rest are queued as before. Nothing is lost if the process
   * dies meanwhile: the attempts were recorded pending by the dispatch, and the sweep queues those
   * still pending LOST_AFTER_MS after they were due. An attempt that fails for the platform's own
   * reasons (not the endpoint's answer, which is recorded) is queued, and its job retries it.
   */
  deliverInProcess(deliver: LocalDelivery, capacity: number): void {
    this.local = { deliver, capacity, running: new Set() };
  }

  /** Shutting down the delivery worker: no new attempt here, and those running finish. */
  async stopDeliveringInProcess(): Promise<void> {
    const local = this.local;
    this.local = null;
    if (local) await Promise.allSettled([...local.running]);
  }

  /** Starts here the jobs this process has room for; answers the others. */
  private deliverHere(jobs: DeliveryJob[]): DeliveryJob[] {
    const local = this.local;
    if (!local) return jobs;
    const room = Math.max(0, local.capacity - local.running.size);
    for (const job of jobs.slice(0, room)) {
      const run = local.deliver(job).then(
        () => undefined,
        (err: unknown) => {
          this.logger.warn(`webhook delivery ${deliveryJobId(job)} failed here, queued: ${(err as Error).message}`);
          return this.queueDeliveries([job], LOCAL_FAILURE_RETRY_MS).catch((queueErr: unknown) =>
            // Still pending in the database: the sweep queues it.
            this.logger.warn(`webhook delivery ${deliveryJobId(job)} not queued: ${(queueErr as Error).message}`),
          );
        },
      );
      local.running.add(run);
      void run.finally(() => local.running.delete(run));
    }
    return jobs.slice(room);
  }

  /**
   * Dispatches the tenant's new events: here at once when this process runs the dispatch worker
   * (one dispatch per tenant at a time; a wake-up meanwhile makes it read once more), else through
   * a queued job.
   */
  wake(tenantId: string): void {
    if (!this.inProcess) {
      this.queueWake(tenantId);
      return;
    }
    if (this.running.has(tenantId)) {
      this.running.set(tenantId, true);
      return;
    }
    this.running.set(tenantId, false);
    const run = (async () => {
      try {
        do {
          this.running.set(tenantId, false);
          await this.dispatch(tenantId);
        } while (this.running.get(tenantId) && this.inProcess);
      } catch (err) {
        if (!this.inProcess) return;
        this.logger.warn(`webhook dispatch of tenant ${tenantId} failed, queued: ${(err as Error).message}`);
        this.queueWake(tenantId);
      } finally {
        this.running.delete(tenantId);
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /** Shutting down: no new dispatch here, and those running finish before the connections close. */
  async onModuleDestroy(): Promise<void> {
    this.inProcess = false;
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Asks a worker to dispatch the tenant's new events. One waiting job per tenant: the job drops its
   * deduplication key as it starts, so events recorded while it runs get a job of their own.
   */
  queueWake(tenantId: string): void {
    this.dispatchQueue
      .add(
        DISPATCH_JOB,
        { tenantId },
        { deduplication: { id: `dispatch.${tenantId}` }, removeOnComplete: true, removeOnFail: 100 },
      )
      .catch((err: unknown) =>
        this.logger.warn(`webhook dispatch of tenant ${tenantId} not queued: ${(err as Error).message}`),
      );
  }

  /**
   * Dispatches the tenant's new events to its enabled endpoints: each read of the log is one statement
   * (tenant_webhook_dispatch: the endpoints locked, the events after their lowest cursor read, the
   * attempts recorded and the cursors moved), shared with the dispatches of other tenants running at
   * the same time; the jobs are started here (deliverInProcess) or queued after it. Answers how many
   * attempts it handed on.
   */
  async dispatch(tenantId: string): Promise<number> {
    let queued = 0;
    for (let read = 0; read < MAX_READS_PER_DISPATCH; read++) {
      const { attempts, more } = await this.reads.call(tenantId);
      await this.queueDeliveries(this.deliverHere(deliveryJobs(tenantId, attempts)));
      queued += attempts.length;
      if (!more) return queued;
    }
    // A long backlog: the rest goes to the next job, so one tenant does not hold a worker.
    this.queueWake(tenantId);
    return queued;
  }

  /** One read for each tenant of the batch (each once), in one statement. */
  private async readBatch(tenantIds: string[]): Promise<DispatchedTenant[]> {
    const unique = [...new Set(tenantIds)];
    const byTenant = await this.deliveries.dispatch(unique, MAX_EVENTS_PER_READ);
    // A tenant asked twice in one batch reads once: its second caller reads again (finding what is left).
    const seen = new Set<string>();
    return tenantIds.map((t) => {
      if (seen.has(t)) return { attempts: [], more: true };
      seen.add(t);
      return byTenant.get(t) ?? { attempts: [], more: false };
    });
  }

  /** Queues attempts (a retry with its delay); an attempt queued twice is one job. */
  async queueDeliveries(jobs: DeliveryJob[], delayMs = 0): Promise<void> {
    if (jobs.length === 0) return;
    await this.deliveryQueue.addBulk(
      jobs.map((data) => ({
        name: 'deliver',
        data,
        opts: { ...DELIVERY_JOB_OPTIONS, jobId: deliveryJobId(data), ...(delayMs > 0 ? { delay: delayMs } : {}) },
      })),
    );
  }

  /** Queues again the endpoint's attempts not made yet (it was enabled again); answers how many. */
  async requeuePending(tenantId: string, endpointId: string): Promise<number> {
    const pending = await this.deliveries.pending(tenantId, endpointId, SWEEP_BATCH);
    await this.requeue(
      pending.map((d) => ({ ...d, user_id: tenantId, next_attempt_at: d.next_attempt_at ?? new Date() })),
    );
    return pending.length;
  }

  /**
   * The sweep (every WEBHOOK_SWEEP_SECONDS, one worker): wakes the dispatch of every tenant with an
   * enabled endpoint, queues again the attempts whose job was lost, and deletes attempts older than
   * the events' retention.
   */
  async sweep(now = new Date()): Promise<{ woken: number; requeued: number; purged: number }> {
    const tenants = await this.endpoints.tenantsWithEnabledEndpoints();
    // Through the queue: every worker takes a share.
    for (const tenantId of tenants) this.queueWake(tenantId);
    const lost = await this.deliveries.stalePending(new Date(now.getTime() - LOST_AFTER_MS), SWEEP_BATCH);
    await this.requeue(lost);
    const purged = await this.deliveries.purgeBefore(
      new Date(now.getTime() - this.config.events.retentionDays * 86_400_000),
    );
    return { woken: tenants.length, requeued: lost.length, purged };
  }

  private async requeue(rows: PendingDelivery[]): Promise<void> {
    for (const d of rows) {
      const data: DeliveryJob = {
        tenantId: d.user_id,
        endpointId: d.endpoint_id,
        deliveryId: d.id,
        generation: d.generation,
        eventId: d.event_id,
        attempt: d.attempt,
      };
      // A job that ended without recording (it failed for good) keeps its id: it goes, so the attempt is queued anew.
      const old = await this.deliveryQueue.getJob(deliveryJobId(data));
      if (old && ((await old.isFailed()) || (await old.isCompleted()))) await old.remove();
      await this.queueDeliveries([data], Math.max(0, d.next_attempt_at.getTime() - Date.now()));
    }
  }
}
