import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { InjectRedis, RedisClientName } from '../redis/redis-client-name';
import type { RedisClient } from '../redis/redis-connection';

/** What the hourly store counts: the product's counters, summed over every process, per UTC hour. */
export const HOURLY_FIELDS = [
  'posts_sent',
  'posts_failed',
  'posts_retried',
  'revocations',
  'flood_waits',
  'flood_wait_seconds',
  'logins_ok',
  'logins_failed',
  'telegram_errors',
  'bot_updates',
  'webhook_delivered',
  'webhook_failed',
  'webhook_gave_up',
] as const;
export type HourlyField = (typeof HOURLY_FIELDS)[number];

/** One hour of counts: the hour's start and every field (0 when nothing was counted). */
export type HourlyRow = { hour: Date } & Record<HourlyField, number>;

/** The longest window the store answers (a week); buckets live a little longer, then expire. */
export const HOURLY_MAX_HOURS = 168;
const HOUR_MS = 3_600_000;
/** Buckets outlive the longest window by this much, so the window's oldest hour is still whole. */
const RETENTION_SECONDS = (HOURLY_MAX_HOURS + 2) * 3600;
/** Increments are summed in memory and written in one round trip this often. */
export const HOURLY_FLUSH_MS = 1_000;
/** A process's session report older than this is left out (the process is gone or cut off). */
const SESSION_REPORT_TTL_MS = 30_000;
/** The session reports' hash outlives its last writer by this much, then goes. */
const SESSIONS_KEY_TTL_SECONDS = 3600;
/** Increments kept while Redis is away, at most this many hours' worth (older ones are dropped). */
const MAX_PENDING_HOURS = 3;

const isField = (name: string): name is HourlyField => (HOURLY_FIELDS as readonly string[]).includes(name);

/** The hour's bucket name, `yyyymmddhh` in UTC. */
export function hourKeyOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13).replace(/[-T]/g, '');
}

/** The starts (epoch ms) of the `hours` UTC hours ending with the one `now` is in, oldest first. */
export function hourWindow(hours: number, now: number): number[] {
  const current = Math.floor(now / HOUR_MS) * HOUR_MS;
  return Array.from({ length: hours }, (_, i) => current - (hours - 1 - i) * HOUR_MS);
}

/**
 * The window's rows from the buckets Redis answered (hash fields as strings, or empty for an hour
 * nothing was counted in): every hour present, every field a number, unknown fields ignored.
 */
export function fillHours(window: readonly number[], buckets: readonly Record<string, string>[]): HourlyRow[] {
  return window.map((start, i) => {
    const row = { hour: new Date(start) } as HourlyRow;
    for (const field of HOURLY_FIELDS) row[field] = 0;
    for (const [field, value] of Object.entries(buckets[i] ?? {})) {
      const n = Number(value);
      if (isField(field) && Number.isFinite(n)) row[field] = n;
    }
    return row;
  });
}

/**
 * The product's counters per UTC hour, shared by every process through Redis: one hash per hour
 * (`<prefix>:metrics:hour:<yyyymmddhh>`, a field per counter), written by HINCRBY in batches a
 * second apart and expiring a little after the longest window read. Prometheus counters live per
 * process and restart from zero; these answer "how many in the last 24 hours" for the console.
 * Each worker also reports the sessions it holds, so the console can sum them over the workers.
 */
@Injectable()
export class HourlyCounters implements OnModuleDestroy {
  private readonly log = new Logger('HourlyCounters');
  private readonly prefix: string;
  /** This process among the others reporting sessions. */
  private readonly instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  /** Not yet written: hour bucket → field → increment. */
  private pending = new Map<string, Map<HourlyField, number>>();
  private sessionSource?: () => number;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private failing = false;
  private closed = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectRedis(RedisClientName.Commands) private readonly redis: RedisClient,
  ) {
    this.prefix = `${config.redis.prefix}:metrics`;
  }

  private hourKey(bucket: string): string {
    return `${this.prefix}:hour:${bucket}`;
  }

  private get sessionsKey(): string {
    return `${this.prefix}:sessions`;
  }

  /** Adds `by` to the field's count of the current hour; written within a second. */
  add(field: HourlyField, by = 1, now = Date.now()): void {
    if (!(by > 0) || !Number.isFinite(by)) return;
    const bucket = hourKeyOf(now);
    let fields = this.pending.get(bucket);
    if (!fields) {
      fields = new Map();
      this.pending.set(bucket, fields);
      // Redis away for hours: the oldest hours are given up rather than held without end.
      while (this.pending.size > MAX_PENDING_HOURS) this.pending.delete(this.pending.keys().next().value as string);
    }
    fields.set(field, (fields.get(field) ?? 0) + by);
    this.schedule();
  }

  /** The worker's session pool reports its connected sessions through this; written every flush. */
  reportSessions(source: () => number): void {
    this.sessionSource = source;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().finally(() => {
        // A session report is kept fresh for as long as the process lives.
        if (this.sessionSource) this.schedule();
      });
    }, HOURLY_FLUSH_MS);
    this.timer.unref();
  }

  /** Writes what was counted so far (and this process's session report); one flush at a time. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    const sessions = this.sessionSource?.();
    if (batch.size === 0 && sessions === undefined) return;
    this.pending = new Map();
    const multi = this.redis.multi();
    for (const [bucket, fields] of batch) {
      const key = this.hourKey(bucket);
      // HINCRBYFLOAT for every field: a count stays a whole number, a wait may not be, and a field never mixes both.
      for (const [field, by] of fields) multi.hincrbyfloat(key, field, by);
      multi.expire(key, RETENTION_SECONDS);
    }
    if (sessions !== undefined) {
      multi.hset(this.sessionsKey, this.instanceId, `${sessions}:${Date.now()}`);
      multi.expire(this.sessionsKey, SESSIONS_KEY_TTL_SECONDS);
    }
    try {
      const replies = (await multi.exec()) ?? [];
      const failed = replies.find(([err]) => err);
      // A command refused inside the transaction (the others applied): logged, not retried.
      if (failed?.[0]) this.log.warn(`an hourly counter was not written: ${failed[0].message}`);
      if (this.failing) this.log.log('hourly counters written again');
      this.failing = false;
    } catch (err) {
      // Put back for the next try (bounded by MAX_PENDING_HOURS); the gap is logged once.
      for (const [bucket, fields] of batch) {
        for (const [field, by] of fields) {
          const into = this.pending.get(bucket) ?? new Map<HourlyField, number>();
          into.set(field, (into.get(field) ?? 0) + by);
          this.pending.set(bucket, into);
        }
      }
      if (!this.failing) this.log.warn(`hourly counters not written: ${(err as Error).message}`);
      this.failing = true;
      this.schedule();
    }
  }

  /** The last `hours` UTC hours (the current one last), every hour present; this process's counts flushed first. */
  async hours(hours: number, now = Date.now()): Promise<HourlyRow[]> {
    await this.flush();
    const window = hourWindow(hours, now);
    const multi = this.redis.multi();
    for (const start of window) multi.hgetall(this.hourKey(hourKeyOf(start)));
    const replies = (await multi.exec()) ?? [];
    const buckets = replies.map(([err, value]) => {
      if (err) throw err;
      return (value ?? {}) as Record<string, string>;
    });
    return fillHours(window, buckets);
  }

  /** Sessions connected now, summed over the workers that reported within the last 30 s. */
  async connectedSessions(now = Date.now()): Promise<number> {
    await this.flush();
    const reports = await this.redis.hgetall(this.sessionsKey);
    let total = 0;
    const stale: string[] = [];
    for (const [instance, value] of Object.entries(reports)) {
      const [count, at] = value.split(':').map(Number);
      if (count === undefined || at === undefined || !(now - at <= SESSION_REPORT_TTL_MS)) stale.push(instance);
      else total += count;
    }
    if (stale.length > 0) await this.redis.hdel(this.sessionsKey, ...stale);
    return total;
  }

  /** Writes what is left and withdraws this process's session report, before Redis closes. */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const reported = this.sessionSource !== undefined;
    this.sessionSource = undefined;
    try {
      await this.flush();
      if (reported) await this.redis.hdel(this.sessionsKey, this.instanceId);
    } catch (err) {
      this.log.warn(`hourly counters not written at shutdown: ${(err as Error).message}`);
    }
  }
}
