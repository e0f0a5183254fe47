import { validationFailed } from '../../common/http/input-shape';
import type { StatsInterval, TopPostsSort } from './analytics.types';
import type { StatsQueryDto, StatsRangeQueryDto, TopPostsQueryDto } from './dtos/analytics.dto';

const DAY_MS = 86_400_000;
/** Bucket widths (UTC has no daylight saving: every hour, day and week is this long). */
export const INTERVAL_MS: Record<StatsInterval, number> = { hour: 3_600_000, day: DAY_MS, week: 7 * DAY_MS };
/** A range defaults to this many days before `to`. */
const DEFAULT_RANGE_DAYS = 30;
/** The longest range one request reads (the longest retention allowed). */
export const MAX_RANGE_DAYS = 3650;
/** The most points one series has (400 days of hours fit). */
export const MAX_SERIES_POINTS = 10_000;
const DEFAULT_TOP_POSTS = 10;
/** ISO 8601 date or date-time, with an optional offset. */
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export interface StatsRange {
  from: Date;
  to: Date;
}

function parseInstant(value: string | undefined, field: string): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const d = ISO.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(d.getTime())) {
    throw validationFailed([
      { field, problems: [`${field} must be an ISO 8601 date-time, e.g. 2026-12-01T00:00:00Z`] },
    ]);
  }
  return d;
}

/** `?from=&to=`: defaults (the last 30 days), `from` before `to`, at most MAX_RANGE_DAYS apart. */
export function parseRange(q: StatsRangeQueryDto, now: Date): StatsRange {
  const to = parseInstant(q.to, 'to') ?? now;
  const from = parseInstant(q.from, 'from') ?? new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY_MS);
  if (from.getTime() >= to.getTime()) throw validationFailed([{ field: 'from', problems: ['from must be before to'] }]);
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
    throw validationFailed([{ field: 'from', problems: [`from and to must be at most ${MAX_RANGE_DAYS} days apart`] }]);
  }
  return { from, to };
}

/** The start of the UTC bucket holding `d` (weeks begin on Monday, as Postgres' date_trunc has them). */
export function bucketStart(d: Date, interval: StatsInterval): Date {
  const t = d.getTime();
  if (interval === 'hour') return new Date(t - (t % INTERVAL_MS.hour));
  const day = t - (t % DAY_MS);
  if (interval === 'day') return new Date(day);
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0
  return new Date(day - weekday * DAY_MS);
}

export interface StatsQuery extends StatsRange {
  interval: StatsInterval;
}

/** A series' query: the range with `from` moved back to its bucket start, and at most MAX_SERIES_POINTS buckets. */
export function parseStatsQuery(q: StatsQueryDto, now: Date): StatsQuery {
  const interval = q.interval ?? 'day';
  const range = parseRange(q, now);
  const from = bucketStart(range.from, interval);
  const points = Math.ceil((range.to.getTime() - from.getTime()) / INTERVAL_MS[interval]);
  if (points > MAX_SERIES_POINTS) {
    throw validationFailed([
      {
        field: 'interval',
        problems: [
          `${points} ${interval}s between from and to; at most ${MAX_SERIES_POINTS}: ask a wider interval or a shorter range`,
        ],
      },
    ]);
  }
  return { from, to: range.to, interval };
}

export interface TopPostsQuery extends StatsRange {
  sort: TopPostsSort;
  limit: number;
}

export function parseTopPostsQuery(q: TopPostsQueryDto, now: Date): TopPostsQuery {
  return { ...parseRange(q, now), sort: q.sort ?? 'views', limit: q.limit ?? DEFAULT_TOP_POSTS };
}

/** A Telegram message id in a path: a positive 32-bit integer. */
export function parseMessageId(value: string): number {
  const n = /^[0-9]{1,10}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 2_147_483_647) {
    throw validationFailed([
      { field: 'message_id', problems: ['message_id must be a Telegram message id (a positive integer)'] },
    ]);
  }
  return n;
}
