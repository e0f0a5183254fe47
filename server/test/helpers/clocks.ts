import { Clock } from '../../src/common/clock';

/**
 * A clock that only moves when told: `sleep` advances it at once, so a spec
 * sees every decision taken by time without waiting for it.
 */
export class FakeClock extends Clock {
  /** Every sleep asked for, in ms, in order. */
  readonly slept: number[] = [];

  constructor(private current = Date.UTC(2026, 0, 1)) {
    super();
  }

  override now(): number {
    return this.current;
  }

  override async sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    this.advance(ms);
    await Promise.resolve();
  }

  advance(ms: number): void {
    this.current += Math.max(0, ms);
  }
}

/**
 * The real clock, writing down every sleep: for code whose time also lives
 * elsewhere (Redis's clock in the limiter scripts), so a spec can check what
 * it waited for instead of timing it.
 */
export class RecordingClock extends Clock {
  readonly slept: number[] = [];

  override async sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    await super.sleep(ms);
  }

  /** All the time slept so far, in ms. */
  get totalSlept(): number {
    return this.slept.reduce((a, b) => a + b, 0);
  }
}
