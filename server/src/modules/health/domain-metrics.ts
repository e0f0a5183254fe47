import { Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { HourlyCounters } from './hourly-counters';
import type { MetricsService } from './metrics.service';

/** How one step of an MTProto login ended. */
export type MtprotoLoginResult =
  'sent_code' | 'signed_in' | 'password_needed' | 'invalid_code' | 'expired' | 'flood_wait' | 'error';

/** The sessions one worker holds: with a live connection, and under its lease (connected or not). */
export interface MtprotoSessionCounts {
  connected: number;
  leased: number;
}

/** The queue states reported, as BullMQ names them. */
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children'] as const;
/** A scrape reuses the queues' figures this long: each read is a few Redis calls per queue. */
const QUEUE_CACHE_MS = 5_000;
/** A scrape never waits longer than this for Redis (with Redis away, BullMQ's calls would wait for it). */
const QUEUE_READ_TIMEOUT_MS = 2_000;

/**
 * A Telegram error name as a label: trailing numbers (a data centre, a wait) dropped, anything
 * else than an upper-case name reported as OTHER, so the label's values stay a small, fixed set.
 */
export function errorCodeLabel(name: string): string {
  const trimmed = name.replace(/(_\d+)+$/, '');
  return /^[A-Z][A-Z0-9_]{0,63}$/.test(trimmed) ? trimmed : 'OTHER';
}

interface QueueFigures {
  counts: Record<string, number>;
  oldestWaitingSeconds: number;
}

/** Login steps that count as failed in the hourly figures. */
const FAILED_LOGINS: ReadonlySet<MtprotoLoginResult> = new Set(['invalid_code', 'expired', 'flood_wait', 'error']);

/**
 * The product's own metrics (logins, sessions, Telegram errors, posts, queues, updates, webhook
 * deliveries), declared once here on the app's registry. Code counts through the methods, at the
 * one place each thing happens; no label ever carries a tenant id. With an hourly store, the same
 * calls also add to the shared per-hour counts the console's overview reads.
 */
export class DomainMetrics {
  private readonly log = new Logger('DomainMetrics');
  private sessionSource?: () => MtprotoSessionCounts;
  private queueFigures?: { at: number; figures: Promise<Map<string, QueueFigures>> };

  private readonly mtprotoLogins: Counter<'flow' | 'result'>;
  private readonly mtprotoSessionsRevoked: Counter;
  private readonly mtprotoFloodWaitSeconds: Counter;
  private readonly telegramErrors: Counter<'door' | 'code'>;
  private readonly posts: Counter<'result'>;
  private readonly postDelay: Histogram;
  private readonly botUpdates: Counter;
  private readonly webhookDeliveries: Counter<'result'>;
  private readonly webhookDeliverySeconds: Histogram;
  private readonly eventsLagSeconds: Gauge;

  constructor(
    metrics: MetricsService,
    private readonly queues: readonly Queue[],
    private readonly hourly?: HourlyCounters,
  ) {
    const registers = [metrics.registry];
    this.mtprotoLogins = new Counter({
      name: 'tenantgram_mtproto_logins_total',
      help: 'MTProto login steps by flow (code, qr) and how they ended (sent_code, signed_in, password_needed, invalid_code, expired, flood_wait, error).',
      labelNames: ['flow', 'result'] as const,
      registers,
    });
    const sessions: Gauge<'state'> = new Gauge({
      name: 'tenantgram_mtproto_sessions',
      help: "Tenants' MTProto sessions held by this pod: under its lease (leased), and of those with a live connection (connected).",
      labelNames: ['state'] as const,
      registers,
      collect: () => {
        const counts = this.sessionSource?.() ?? { connected: 0, leased: 0 };
        sessions.set({ state: 'connected' }, counts.connected);
        sessions.set({ state: 'leased' }, counts.leased);
      },
    });
    this.mtprotoSessionsRevoked = new Counter({
      name: 'tenantgram_mtproto_sessions_revoked_total',
      help: "Tenants' MTProto sessions Telegram declared dead (revoked, expired, account deactivated) and the product cleared.",
      registers,
    });
    this.mtprotoFloodWaitSeconds = new Counter({
      name: 'tenantgram_mtproto_flood_wait_seconds_total',
      help: 'Seconds of FLOOD_WAIT Telegram imposed on MTProto calls, slept through by the client or answered to the caller.',
      registers,
    });
    this.telegramErrors = new Counter({
      name: 'tenantgram_telegram_errors_total',
      help: 'Telegram calls that failed, by door (bot: Bot API, mtproto: user sessions) and code (Bot API status or network/timeout; MTProto error name or NETWORK).',
      labelNames: ['door', 'code'] as const,
      registers,
    });
    this.posts = new Counter({
      name: 'tenantgram_posts_total',
      help: 'Post send outcomes: sent, failed (for good, the tenant is told) and retried (put back after a transient error or a 429).',
      labelNames: ['result'] as const,
      registers,
    });
    this.postDelay = new Histogram({
      name: 'tenantgram_post_delay_seconds',
      help: 'From the moment a post was due (created, or its scheduled time) to Telegram accepting it.',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    this.botUpdates = new Counter({
      name: 'tenantgram_bot_updates_total',
      help: "Tenant bots' updates handled by the workers (each update once, redeliveries not counted).",
      registers,
    });
    this.webhookDeliveries = new Counter({
      name: 'tenantgram_webhook_deliveries_total',
      help: "Deliveries of events to tenants' webhooks by result (delivered: 2xx answer; failed: an attempt that will be retried; gave_up: retries exhausted).",
      labelNames: ['result'] as const,
      registers,
    });
    this.webhookDeliverySeconds = new Histogram({
      name: 'tenantgram_webhook_delivery_seconds',
      help: "One webhook delivery attempt, from sending the request to the tenant's endpoint answering (or timing out).",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.eventsLagSeconds = new Gauge({
      name: 'tenantgram_events_lag_seconds',
      help: 'Age of the last event delivered to a webhook when it was delivered: how far delivery is behind.',
      registers,
    });
    const jobs: Gauge<'queue' | 'state'> = new Gauge({
      name: 'tenantgram_queue_jobs',
      help: 'Jobs in each queue by state (waiting, active, delayed, failed, prioritized, waiting-children).',
      labelNames: ['queue', 'state'] as const,
      registers,
      collect: async () => {
        const figures = await this.readQueues();
        jobs.reset();
        for (const [queue, f] of figures) {
          for (const state of QUEUE_STATES) jobs.set({ queue, state }, f.counts[state] ?? 0);
        }
      },
    });
    const oldest: Gauge<'queue'> = new Gauge({
      name: 'tenantgram_queue_oldest_waiting_seconds',
      help: 'How long the oldest job ready to run has waited in each queue (0 when none waits).',
      labelNames: ['queue'] as const,
      registers,
      collect: async () => {
        const figures = await this.readQueues();
        oldest.reset();
        for (const [queue, f] of figures) oldest.set({ queue }, f.oldestWaitingSeconds);
      },
    });
  }

  mtprotoLogin(flow: 'code' | 'qr', result: MtprotoLoginResult): void {
    this.mtprotoLogins.inc({ flow, result });
    if (result === 'signed_in') this.hourly?.add('logins_ok');
    else if (FAILED_LOGINS.has(result)) this.hourly?.add('logins_failed');
  }

  /** The worker's session pool reports its counts through this when scraped. */
  reportSessions(source: () => MtprotoSessionCounts): void {
    this.sessionSource = source;
    this.hourly?.reportSessions(() => source().connected);
  }

  sessionRevoked(): void {
    this.mtprotoSessionsRevoked.inc();
    this.hourly?.add('revocations');
  }

  /** A failed MTProto call (its error name); a FLOOD_WAIT adds its seconds. */
  mtprotoError(name: string, floodWaitSeconds?: number): void {
    this.telegramErrors.inc({ door: 'mtproto', code: errorCodeLabel(name) });
    this.hourly?.add('telegram_errors');
    if (name === 'FLOOD_WAIT') {
      const seconds = Math.max(0, floodWaitSeconds ?? 0);
      this.mtprotoFloodWaitSeconds.inc(seconds);
      this.hourly?.add('flood_waits');
      this.hourly?.add('flood_wait_seconds', seconds);
    }
  }

  /** A failed Bot API call: Telegram's status code, or `network` / `timeout` when no answer came. */
  botApiError(code: string): void {
    this.telegramErrors.inc({ door: 'bot', code });
    this.hourly?.add('telegram_errors');
  }

  /** Posts Telegram accepted, with when each was due (epoch ms). */
  postsSent(dueAt: readonly number[], now = Date.now()): void {
    if (dueAt.length === 0) return;
    this.posts.inc({ result: 'sent' }, dueAt.length);
    this.hourly?.add('posts_sent', dueAt.length);
    for (const due of dueAt) this.postDelay.observe(Math.max(0, now - due) / 1000);
  }

  postFailed(): void {
    this.posts.inc({ result: 'failed' });
    this.hourly?.add('posts_failed');
  }

  postRetried(): void {
    this.posts.inc({ result: 'retried' });
    this.hourly?.add('posts_retried');
  }

  botUpdate(): void {
    this.botUpdates.inc();
    this.hourly?.add('bot_updates');
  }

  /** One webhook delivery attempt: `delivered` (2xx), `failed` (to be retried) or `gave_up`, and how long it took. */
  webhookDelivery(result: 'delivered' | 'failed' | 'gave_up', seconds: number): void {
    this.webhookDeliveries.inc({ result });
    this.hourly?.add(
      result === 'delivered' ? 'webhook_delivered' : result === 'failed' ? 'webhook_failed' : 'webhook_gave_up',
    );
    this.webhookDeliverySeconds.observe(seconds);
  }

  /** The age of an event as it is delivered: how far delivery is behind. */
  eventsLag(seconds: number): void {
    this.eventsLagSeconds.set(Math.max(0, seconds));
  }

  /** The queues' figures, read at most once per QUEUE_CACHE_MS (both queue gauges share one read). */
  private readQueues(): Promise<Map<string, QueueFigures>> {
    const now = Date.now();
    if (!this.queueFigures || now - this.queueFigures.at >= QUEUE_CACHE_MS) {
      this.queueFigures = { at: now, figures: this.readQueuesNow() };
    }
    return this.queueFigures.figures;
  }

  private async readQueuesNow(): Promise<Map<string, QueueFigures>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('Redis did not answer in time')), QUEUE_READ_TIMEOUT_MS);
    });
    const read = Promise.all(
      this.queues.map(async (queue): Promise<[string, QueueFigures]> => {
        const [counts, [oldest]] = await Promise.all([
          queue.getJobCounts(...QUEUE_STATES),
          // asc: the wait list's far end, where workers take jobs from.
          queue.getJobs(['wait'], 0, 0, true),
        ]);
        const readyAt = oldest ? oldest.timestamp + (oldest.delay ?? 0) : Date.now();
        return [queue.name, { counts, oldestWaitingSeconds: Math.max(0, Date.now() - readyAt) / 1000 }];
      }),
    );
    read.catch(() => undefined);
    try {
      return new Map(await Promise.race([read, timeout]));
    } catch (err) {
      // The queue gauges are left out of this scrape; readiness reports the outage.
      this.log.warn(`queue figures not read: ${(err as Error).message}`);
      return new Map();
    } finally {
      clearTimeout(timer);
    }
  }
}
