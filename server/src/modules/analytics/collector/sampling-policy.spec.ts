import { SamplingPolicy } from './sampling-policy';

const config = {
  firstDayIntervalSeconds: 900,
  firstWeekIntervalSeconds: 3600,
  firstMonthIntervalSeconds: 86400,
  subscribersIntervalSeconds: 3600,
  jitterSeconds: 60,
  tickSeconds: 15,
  tenantCallsPerHour: 1200,
};
const HOUR = 3_600_000;
const now = new Date('2026-12-04T12:00:00Z');
const ago = (ms: number): Date => new Date(now.getTime() - ms);

describe('SamplingPolicy', () => {
  const exact = new SamplingPolicy(config, () => 0);

  it('samples a post every 15 minutes in its first day, hourly to day 7, daily to day 30, then never', () => {
    expect(exact.postIntervalMs(ago(0), now)).toBe(900_000);
    expect(exact.postIntervalMs(ago(23 * HOUR), now)).toBe(900_000);
    expect(exact.postIntervalMs(ago(25 * HOUR), now)).toBe(HOUR);
    expect(exact.postIntervalMs(ago(6.9 * 24 * HOUR), now)).toBe(HOUR);
    expect(exact.postIntervalMs(ago(7 * 24 * HOUR), now)).toBe(24 * HOUR);
    expect(exact.postIntervalMs(ago(29.9 * 24 * HOUR), now)).toBe(24 * HOUR);
    expect(exact.postIntervalMs(ago(30 * 24 * HOUR), now)).toBeNull();
    expect(exact.nextPostDue(ago(31 * 24 * HOUR), now)).toBeNull();
  });

  it('treats a post dated ahead of this clock as just posted', () => {
    expect(exact.postIntervalMs(new Date(now.getTime() + HOUR), now)).toBe(900_000);
  });

  it('makes a channel due at its earliest post, or at its subscriber interval', () => {
    expect(exact.nextChannelDue(now, [])).toEqual(new Date(now.getTime() + HOUR));
    const soon = new Date(now.getTime() + 900_000);
    expect(exact.nextChannelDue(now, [new Date(now.getTime() + 2 * HOUR), soon])).toEqual(soon);
  });

  it('moves each time later by at most the jitter', () => {
    const late = new SamplingPolicy(config, () => 0.999);
    const due = late.nextPostDue(ago(0), now);
    expect(due!.getTime() - now.getTime()).toBeGreaterThan(900_000);
    expect(due!.getTime() - now.getTime()).toBeLessThan(900_000 + 60_000);
    expect(late.after(now, 4).getTime() - now.getTime()).toBeLessThan(4000 + 60_000);
  });
});
