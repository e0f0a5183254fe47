import { OpenBackoff } from './open-backoff';

describe('OpenBackoff', () => {
  it('backs off from 0.5 s, doubling to at most 4 s', () => {
    const backoff = new OpenBackoff(10);
    const delays: number[] = [];
    let now = 1_000_000;
    for (let i = 0; i < 6; i++) {
      backoff.failed('t', now);
      let wait = 0;
      while (backoff.isBackingOff('t', now + wait)) wait += 50;
      delays.push(wait);
      now += wait;
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
  });

  it('starts over once the tenant connected', () => {
    const backoff = new OpenBackoff(10);
    backoff.failed('t', 0);
    backoff.failed('t', 1000);
    backoff.succeeded('t');
    expect(backoff.isBackingOff('t', 1000)).toBe(false);
    backoff.failed('t', 5000);
    expect(backoff.isBackingOff('t', 5499)).toBe(true);
    expect(backoff.isBackingOff('t', 5500)).toBe(false);
  });

  it('keeps at most maxTracked tenants, dropping the oldest record', () => {
    const backoff = new OpenBackoff(2);
    backoff.failed('a', 0);
    backoff.failed('b', 0);
    backoff.failed('c', 0);
    expect(backoff.isBackingOff('a', 1)).toBe(false);
    expect(backoff.isBackingOff('b', 1)).toBe(true);
    expect(backoff.isBackingOff('c', 1)).toBe(true);
  });
});
