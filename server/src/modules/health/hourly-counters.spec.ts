import { fillHours, HOURLY_FIELDS, hourKeyOf, hourWindow } from './hourly-counters';

describe('hourly counters: buckets and windows', () => {
  const at = (iso: string): number => Date.parse(iso);

  it('names a bucket by its UTC hour', () => {
    expect(hourKeyOf(at('2026-12-04T17:59:59.999Z'))).toBe('2026120417');
    expect(hourKeyOf(at('2026-12-04T18:00:00.000Z'))).toBe('2026120418');
    expect(hourKeyOf(at('2027-01-01T00:30:00+02:00'))).toBe('2026123122');
  });

  it('spans the asked hours, oldest first, ending with the current hour', () => {
    const window = hourWindow(3, at('2026-12-04T18:20:00Z'));
    expect(window.map((ms) => new Date(ms).toISOString())).toEqual([
      '2026-12-04T16:00:00.000Z',
      '2026-12-04T17:00:00.000Z',
      '2026-12-04T18:00:00.000Z',
    ]);
    const day = hourWindow(24, at('2026-12-01T05:00:00Z'));
    expect(day).toHaveLength(24);
    expect(new Date(day[0] ?? 0).toISOString()).toBe('2026-11-30T06:00:00.000Z');
    expect(hourWindow(1, at('2026-12-04T18:00:00Z'))).toEqual([at('2026-12-04T18:00:00Z')]);
  });

  it('fills every hour and every field, with zeros where nothing was counted', () => {
    const window = hourWindow(3, at('2026-12-04T18:20:00Z'));
    const rows = fillHours(window, [{}, { posts_sent: '4', flood_wait_seconds: '2.5' }, {}]);
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(Object.keys(row).sort()).toEqual(['hour', ...HOURLY_FIELDS].sort());
    expect(rows[0]).toMatchObject({ hour: new Date(window[0] ?? 0), posts_sent: 0, revocations: 0 });
    expect(rows[1]).toMatchObject({ posts_sent: 4, flood_wait_seconds: 2.5, posts_failed: 0 });
    expect(rows[2]?.posts_sent).toBe(0);
  });

  it('ignores fields it does not know and values that are not numbers', () => {
    const [row] = fillHours([0], [{ posts_sent: 'x', something_else: '9', revocations: '2' }]);
    expect(row).not.toHaveProperty('something_else');
    expect(row).toMatchObject({ posts_sent: 0, revocations: 2 });
  });

  it('fills an hour whose bucket Redis did not answer', () => {
    const rows = fillHours([0, 3_600_000], [{ posts_failed: '1' }]);
    expect(rows[1]).toMatchObject({ posts_failed: 0 });
  });
});
