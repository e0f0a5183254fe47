import { BotRateLimiter } from './rate-limiter';

describe('BotRateLimiter', () => {
  it('lets a burst of 3 through to one chat, then about one per second', () => {
    const limiter = new BotRateLimiter();
    const t0 = 1_000_000;
    expect([0, 1, 2].map(() => limiter.tryTake(42, false, t0).ok)).toEqual([true, true, true]);
    expect(limiter.tryTake(42, false, t0)).toEqual({ ok: false, retryAfter: 1 });
    expect(limiter.tryTake(42, false, t0 + 999).ok).toBe(false);
    expect(limiter.tryTake(42, false, t0 + 1000).ok).toBe(true);
    // Another chat has its own budget.
    expect(limiter.tryTake(43, false, t0 + 1000).ok).toBe(true);
  });

  it('holds a group or channel to 20 messages in any minute', () => {
    const limiter = new BotRateLimiter();
    const okAt: number[] = [];
    // One attempt per second: the per-chat bucket would allow each one, the per-group minute does not.
    for (let t = 0; t < 60_000; t += 1000) if (limiter.tryTake(-1001, true, t).ok) okAt.push(t);
    expect(okAt).toHaveLength(20);
    expect(okAt[19]).toBe(19_000);
    expect(limiter.tryTake(-1001, true, 30_000)).toEqual({ ok: false, retryAfter: 30 });
    expect(limiter.tryTake(-1001, true, 60_000).ok).toBe(true);
  });

  it('caps a bot at about 30 messages a second across chats', () => {
    const limiter = new BotRateLimiter();
    const results = Array.from({ length: 40 }, (_, i) => limiter.tryTake(1000 + i, false, 5000).ok);
    expect(results.filter(Boolean)).toHaveLength(30);
    expect(limiter.tryTake(2000, false, 5000)).toEqual({ ok: false, retryAfter: 1 });
  });

  it('takes nothing from any bucket when it refuses', () => {
    const limiter = new BotRateLimiter();
    for (let i = 0; i < 3; i++) limiter.tryTake(7, false, 0);
    // Refused sends to chat 7 must not eat the bot-wide budget.
    for (let i = 0; i < 100; i++) limiter.tryTake(7, false, 0);
    const others = Array.from({ length: 27 }, (_, i) => limiter.tryTake(100 + i, false, 0).ok);
    expect(others.every(Boolean)).toBe(true);
  });
});
