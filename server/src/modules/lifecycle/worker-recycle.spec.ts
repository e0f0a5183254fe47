import { recycleReason, runtimeBudgetMs } from './worker-recycle';

describe('worker recycling', () => {
  it('takes a random share of up to the jitter off the runtime limit, so workers spread out', () => {
    expect(runtimeBudgetMs(0, 0.1)).toBeNull();
    expect(runtimeBudgetMs(2, 0.1, () => 0)).toBe(2 * 3_600_000);
    expect(runtimeBudgetMs(2, 0.1, () => 0.5)).toBeCloseTo(2 * 3_600_000 * 0.95);
    expect(runtimeBudgetMs(2, 0.1, () => 0.999)).toBeGreaterThan(2 * 3_600_000 * 0.9);
    const budgets = new Set([0.1, 0.4, 0.7].map((r) => runtimeBudgetMs(1, 0.2, () => r)));
    expect(budgets.size).toBe(3);
  });

  it('recycles past the memory limit first, then past the runtime budget, never without limits', () => {
    const mb = 1024 * 1024;
    const limits = { maxRssMb: 500, maxRuntimeHours: 1, budgetMs: 3_000_000 };
    expect(recycleReason(limits, { rssBytes: 400 * mb, runningMs: 1000 })).toBeNull();
    expect(recycleReason(limits, { rssBytes: 501 * mb, runningMs: 3_000_000 })).toEqual({
      kind: 'memory',
      rssMb: 501,
      limitMb: 500,
    });
    expect(recycleReason(limits, { rssBytes: 400 * mb, runningMs: 3_000_000 })).toEqual({
      kind: 'runtime',
      hours: 3_000_000 / 3_600_000,
      limitHours: 1,
    });
    const none = { maxRssMb: 0, maxRuntimeHours: 0, budgetMs: null };
    expect(recycleReason(none, { rssBytes: 10_000 * mb, runningMs: 1e12 })).toBeNull();
  });
});
