import type { AppConfig } from '../../../config/app-config';

const DAY_MS = 86_400_000;

/** Posts older than this are no longer sampled. */
export const MAX_POST_AGE_DAYS = 30;

/**
 * When things are next due: a post every ANALYTICS_FIRST_DAY_INTERVAL_SECONDS in its first 24 hours, every
 * ANALYTICS_FIRST_WEEK_INTERVAL_SECONDS until day 7, every ANALYTICS_FIRST_MONTH_INTERVAL_SECONDS until day 30,
 * then never; a channel at least every ANALYTICS_SUBSCRIBERS_INTERVAL_SECONDS. Each time is moved later by a
 * random part of ANALYTICS_JITTER_SECONDS so channels posted at the same moment do not come due together.
 */
export class SamplingPolicy {
  constructor(
    private readonly c: AppConfig['analyticsCollection'],
    private readonly random: () => number = Math.random,
  ) {}

  /** The oldest posting time still sampled at `now`. */
  youngSince(now: Date): Date {
    return new Date(now.getTime() - MAX_POST_AGE_DAYS * DAY_MS);
  }

  /** The interval (ms) of a post of this age, or null when it is too old to sample. */
  postIntervalMs(postedAt: Date, now: Date): number | null {
    const age = Math.max(0, now.getTime() - postedAt.getTime());
    if (age < DAY_MS) return this.c.firstDayIntervalSeconds * 1000;
    if (age < 7 * DAY_MS) return this.c.firstWeekIntervalSeconds * 1000;
    if (age < MAX_POST_AGE_DAYS * DAY_MS) return this.c.firstMonthIntervalSeconds * 1000;
    return null;
  }

  /** When a post sampled at `now` is next due (null: never again). */
  nextPostDue(postedAt: Date, now: Date): Date | null {
    const interval = this.postIntervalMs(postedAt, now);
    return interval === null ? null : new Date(now.getTime() + interval + this.jitterMs());
  }

  /** When a channel sampled at `now` is next due: its earliest post, or its subscriber interval. */
  nextChannelDue(now: Date, postDues: Date[]): Date {
    let next = now.getTime() + this.c.subscribersIntervalSeconds * 1000 + this.jitterMs();
    for (const due of postDues) next = Math.min(next, due.getTime());
    return new Date(next);
  }

  /** `seconds` from `now`, plus jitter. */
  after(now: Date, seconds: number): Date {
    return new Date(now.getTime() + seconds * 1000 + this.jitterMs());
  }

  jitterMs(): number {
    return Math.floor(this.random() * this.c.jitterSeconds * 1000);
  }
}
