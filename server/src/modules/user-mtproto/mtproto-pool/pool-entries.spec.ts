import type { TelegramUserSession } from '../telegram-user-session';
import { PoolEntries, PoolEntry } from './pool-entries';

const entry = (tenantId: string, over: Partial<PoolEntry> = {}): PoolEntry => ({
  tenantId,
  session: {} as TelegramUserSession,
  lease: { tenantId, fence: 1, value: `w|1` },
  limits: { rps: 5, maxConcurrent: 2 },
  lastUsed: 0,
  lastAlive: 0,
  watching: false,
  busy: 0,
  ...over,
});

describe('PoolEntries', () => {
  it('keeps recency order: a used entry moves behind the others', () => {
    const entries = new PoolEntries();
    for (const t of ['a', 'b', 'c']) entries.add(entry(t));
    entries.use('a');
    expect(entries.tenants()).toEqual(['b', 'c', 'a']);
    expect(entries.use('missing')).toBeUndefined();
  });

  it('offers the least recently used idle entry for room, never a busy one', () => {
    const entries = new PoolEntries();
    entries.add(entry('a', { busy: 1 }));
    entries.add(entry('b'));
    entries.add(entry('c'));
    expect(entries.leastRecentlyUsedIdle()?.tenantId).toBe('b');
    const all = entries.all();
    for (const e of all) e.busy = 1;
    expect(entries.leastRecentlyUsedIdle()).toBeUndefined();
  });

  it('keeps receiving entries open while idle, and offers them for room only after the other idle ones', () => {
    const entries = new PoolEntries();
    entries.add(entry('a', { receiving: true }));
    entries.add(entry('b'));
    expect([...entries.unusedSince(10)].map((e) => e.tenantId)).toEqual(['b']);
    expect(entries.leastRecentlyUsedIdle()?.tenantId).toBe('b');
    entries.removeTenant('b');
    expect(entries.leastRecentlyUsedIdle()?.tenantId).toBe('a');
  });

  it('removes an entry only while it is the current one', () => {
    const entries = new PoolEntries();
    const old = entry('a');
    const fresh = entry('a');
    entries.add(old);
    entries.add(fresh);
    expect(entries.isCurrent(old)).toBe(false);
    expect(entries.remove(old)).toBe(false);
    expect(entries.size).toBe(1);
    expect(entries.remove(fresh)).toBe(true);
    expect(entries.size).toBe(0);
  });

  it('judges idleness of each entry when it is reached', () => {
    const entries = new PoolEntries();
    entries.add(entry('a', { lastUsed: 10 }));
    entries.add(entry('b', { lastUsed: 10 }));
    entries.add(entry('c', { lastUsed: 500 }));
    const seen: string[] = [];
    for (const e of entries.unusedSince(100)) {
      seen.push(e.tenantId);
      // 'b' gets a call while 'a' is being closed.
      const b = entries.get('b');
      if (b) b.busy = 1;
    }
    expect(seen).toEqual(['a']);
  });

  it('lists the entries not proved alive since a moment', () => {
    const entries = new PoolEntries();
    entries.add(entry('a', { lastAlive: 10 }));
    entries.add(entry('b', { lastAlive: 200 }));
    expect(entries.quietSince(100).map((e) => e.tenantId)).toEqual(['a']);
  });
});
