import { Injectable } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * The time the product decides by (rate limits, backoff, retry deadlines).
 * Code that waits or compares times takes it injected instead of reading
 * Date.now() or sleeping itself, so a spec can drive those decisions with a
 * clock of its own. Production uses this one: the wall clock and real timers.
 */
@Injectable()
export class Clock {
  /** Milliseconds since the epoch. */
  now(): number {
    return Date.now();
  }

  /** Resolves after `ms` milliseconds. */
  async sleep(ms: number): Promise<void> {
    await delay(Math.max(0, ms));
  }
}
