import type { TelegramUserSession } from '../telegram-user-session';
import { KeepAlive, KeepAlivePool } from './keep-alive';
import type { PoolEntry } from './pool-entries';

const entry = (tenantId: string, keepAlive: () => Promise<void>, lastAlive = 0): PoolEntry => ({
  tenantId,
  session: { keepAlive: jest.fn(keepAlive) } as unknown as TelegramUserSession,
  lease: { tenantId, fence: 1, value: 'w|1' },
  limits: { rps: 5, maxConcurrent: 2 },
  lastUsed: 0,
  lastAlive,
  watching: false,
  busy: 0,
});

const poolOf = (entries: PoolEntry[], current = (_e: PoolEntry) => true) => {
  const failed: [string, unknown][] = [];
  const pool: KeepAlivePool = {
    quietSince: (due) => entries.filter((e) => e.lastAlive < due),
    isCurrent: current,
    pingFailed: (e, err) => {
      failed.push([e.tenantId, err]);
      return Promise.resolve();
    },
  };
  return { pool, failed };
};

describe('KeepAlive', () => {
  it('pings only connections quiet for a minute, with the 75 s disconnect delay', async () => {
    const now = 10_000_000;
    const quiet = entry('quiet', () => Promise.resolve(), now - 61_000);
    const recent = entry('recent', () => Promise.resolve(), now - 5_000);
    const { pool } = poolOf([quiet, recent]);
    await new KeepAlive(pool).tick(now);
    expect(quiet.session.keepAlive).toHaveBeenCalledWith(75);
    expect(recent.session.keepAlive).not.toHaveBeenCalled();
    expect(quiet.lastAlive).toBeGreaterThanOrEqual(now - 61_000 + 1);
  });

  it('hands a failed ping to the pool and skips entries closed meanwhile', async () => {
    const lost = new Error('no answer');
    const silent = entry('silent', () => Promise.reject(lost));
    const closed = entry('closed', () => Promise.resolve());
    const { pool, failed } = poolOf([silent, closed], (e) => e !== closed);
    await new KeepAlive(pool).tick(Date.now());
    expect(failed).toEqual([['silent', lost]]);
    expect(closed.session.keepAlive).not.toHaveBeenCalled();
  });

  it('does not start a round while one runs, nor after stop()', async () => {
    let answer!: () => void;
    const slow = entry('slow', () => new Promise<void>((r) => (answer = r)));
    const { pool } = poolOf([slow]);
    const keepAlive = new KeepAlive(pool);
    const first = keepAlive.tick(Date.now());
    await keepAlive.tick(Date.now());
    expect(slow.session.keepAlive).toHaveBeenCalledTimes(1);
    answer();
    await first;
    keepAlive.stop();
    slow.lastAlive = 0;
    await keepAlive.tick(Date.now());
    expect(slow.session.keepAlive).toHaveBeenCalledTimes(1);
  });
});
