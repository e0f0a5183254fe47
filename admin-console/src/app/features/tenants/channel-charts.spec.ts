import type { TooltipComponentFormatterCallbackParams } from 'echarts';

import { StatsDto, StatsPointDto } from '../../core/api/api.generated';
import { ChartOption } from '../../core/charts/charts';
import { STATS_RANGES, StatsWindow, statsWindow, subscribersChart, summarize, viewsChart } from './channel-charts';

const HOUR = 3_600_000;
const DAY_WINDOW: StatsWindow = { from: '2026-11-04T12:00:00.000Z', to: '2026-12-04T12:00:00.000Z', interval: 'day' };
const HOUR_WINDOW: StatsWindow = { from: '2026-12-03T12:00:00.000Z', to: '2026-12-04T12:00:00.000Z', interval: 'hour' };

const point = (at: string, over: Partial<StatsPointDto> = {}): StatsPointDto => ({
  at,
  subscribers: 1000,
  views: 0,
  forwards: 0,
  reactions: 0,
  posts: 0,
  ...over,
});

const stats = (series: StatsPointDto[], viewsAvailable = true): StatsDto => ({
  views_available: viewsAvailable,
  series,
});

/** The one series of a chart, as the plain object it was built as. */
function onlySeries(option: ChartOption | null): Record<string, unknown> {
  const series = option?.series;
  expect(Array.isArray(series) && series.length).toBe(1);
  return (series as Record<string, unknown>[])[0] ?? {};
}

function axis(option: ChartOption | null, which: 'xAxis' | 'yAxis'): Record<string, unknown> {
  const a = option?.[which];
  return (Array.isArray(a) ? a[0] : a) as Record<string, unknown>;
}

/** What the tooltip shows when the pointer is over `name` with `value`, with ECharts' markup left out. */
function tooltipText(option: ChartOption | null, seriesName: string, name: string, value: [number, number]): string {
  const tooltip = option?.tooltip as { formatter: (p: TooltipComponentFormatterCallbackParams) => string };
  const params = [{ seriesName, name, value, marker: '' }] as unknown as TooltipComponentFormatterCallbackParams;
  return tooltip
    .formatter(params)
    .replace(/<br\/>/g, '\n')
    .replace(/<[^>]+>/g, '');
}

describe('channel charts', () => {
  it('windows end now and reach back the picked range, by hour up to a week and by day beyond', () => {
    const now = Date.parse('2026-12-04T12:00:00.000Z');
    const windows = STATS_RANGES.map((r) => statsWindow(r, now));
    expect(windows.map((w) => (Date.parse(w.to) - Date.parse(w.from)) / HOUR)).toEqual([24, 168, 720, 2160]);
    expect(windows.map((w) => w.interval)).toEqual(['hour', 'hour', 'day', 'day']);
    expect(windows.every((w) => w.to === '2026-12-04T12:00:00.000Z')).toBe(true);
  });

  it('draws subscribers as a line over the whole window, skipping intervals without a sample', () => {
    const option = subscribersChart(
      stats([
        point('2026-12-01T00:00:00.000Z', { subscribers: 1200 }),
        point('2026-12-02T00:00:00.000Z', { subscribers: null }),
        point('2026-12-03T00:00:00.000Z', { subscribers: 1260 }),
      ]),
      DAY_WINDOW,
    );
    const series = onlySeries(option);
    expect(series['type']).toBe('line');
    expect(series['name']).toBe('Subscribers');
    expect(series['showSymbol']).toBe(false);
    expect(series['data']).toEqual([
      { name: '2026-12-01T00:00:00.000Z', value: [Date.parse('2026-12-01T00:00:00.000Z'), 1200] },
      { name: '2026-12-03T00:00:00.000Z', value: [Date.parse('2026-12-03T00:00:00.000Z'), 1260] },
    ]);
    expect(axis(option, 'xAxis')).toMatchObject({
      type: 'time',
      min: Date.parse(DAY_WINDOW.from),
      max: Date.parse(DAY_WINDOW.to),
    });
    // Not from zero, so a small gain on a big channel is visible.
    expect(axis(option, 'yAxis')).toMatchObject({ type: 'value', name: 'Subscribers', scale: true, minInterval: 1 });
  });

  it('labels the value axis in full below five digits, compactly above', () => {
    const option = subscribersChart(stats([point('2026-12-01T00:00:00.000Z')]), DAY_WINDOW);
    // A lone sample shows as a dot.
    expect(onlySeries(option)['showSymbol']).toBe(true);
    const label = (axis(option, 'yAxis')['axisLabel'] as { formatter: (n: number) => string }).formatter;
    expect(label(1180)).toBe((1180).toLocaleString());
    expect(label(1230)).not.toBe(label(1180));
    expect(label(12_345)).toBe(
      new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 }).format(12_345),
    );
  });

  it('has no subscribers chart when no sample fell in the window', () => {
    expect(subscribersChart(stats([]), DAY_WINDOW)).toBeNull();
    expect(subscribersChart(stats([point('2026-12-01T00:00:00.000Z', { subscribers: null })]), DAY_WINDOW)).toBeNull();
  });

  it('draws the views gained in each interval as a bar over the middle of that interval, zeros included', () => {
    const option = viewsChart(
      stats([
        point('2026-12-04T09:00:00.000Z', { views: 340 }),
        point('2026-12-04T10:00:00.000Z', { views: 0 }),
        point('2026-12-04T11:00:00.000Z', { views: null }),
      ]),
      HOUR_WINDOW,
    );
    const series = onlySeries(option);
    expect(series['type']).toBe('bar');
    expect(series['name']).toBe('Views');
    expect(series['data']).toEqual([
      { name: '2026-12-04T09:00:00.000Z', value: [Date.parse('2026-12-04T09:30:00.000Z'), 340] },
      { name: '2026-12-04T10:00:00.000Z', value: [Date.parse('2026-12-04T10:30:00.000Z'), 0] },
    ]);
    expect(axis(option, 'yAxis')).toMatchObject({ name: 'Views per hour', minInterval: 1 });
    expect(axis(option, 'yAxis')['scale']).toBeUndefined();
    expect(axis(viewsChart(stats([point('2026-12-01T00:00:00.000Z')]), DAY_WINDOW), 'yAxis')['name']).toBe(
      'Views per day',
    );
  });

  it("starts the time axis at the first interval's start when the API moved it back to a whole day", () => {
    const option = viewsChart(stats([point('2026-11-04T00:00:00.000Z', { views: 9 })]), DAY_WINDOW);
    expect(axis(option, 'xAxis')).toMatchObject({
      min: Date.parse('2026-11-04T00:00:00.000Z'),
      max: Date.parse(DAY_WINDOW.to),
    });
    expect(onlySeries(option)['data']).toEqual([
      { name: '2026-11-04T00:00:00.000Z', value: [Date.parse('2026-11-04T12:00:00.000Z'), 9] },
    ]);
  });

  it('has no views chart when views are not available, or none was sampled', () => {
    const series = [point('2026-12-04T09:00:00.000Z', { views: null, forwards: null, reactions: null })];
    expect(viewsChart(stats(series, false), HOUR_WINDOW)).toBeNull();
    expect(viewsChart(stats(series, true), HOUR_WINDOW)).toBeNull();
    expect(viewsChart(stats([], true), HOUR_WINDOW)).toBeNull();
  });

  it('tooltips name the interval and give the figure in full', () => {
    const at = '2026-12-04T09:00:00.000Z';
    const views = viewsChart(stats([point(at, { views: 12345 })]), HOUR_WINDOW);
    const hour = new Intl.DateTimeFormat(undefined, {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
    }).format(new Date(at));
    expect(tooltipText(views, 'Views', at, [Date.parse(at) + HOUR / 2, 12345])).toBe(
      `${hour}\nViews: ${(12345).toLocaleString()}`,
    );

    const subscribers = subscribersChart(stats([point(at, { subscribers: 40210 })]), DAY_WINDOW);
    const day = new Intl.DateTimeFormat(undefined, {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
    }).format(new Date(at));
    expect(tooltipText(subscribers, 'Subscribers', at, [Date.parse(at), 40210])).toBe(
      `${day}\nSubscribers: ${(40210).toLocaleString()}`,
    );
  });

  it('sums what the posts gained and tells the change in subscribers from the first sample to the last', () => {
    const series = [
      point('2026-12-01T00:00:00.000Z', { subscribers: null, views: 100, forwards: 3, reactions: 7 }),
      point('2026-12-02T00:00:00.000Z', { subscribers: 1200, views: 250, forwards: 1, reactions: 2 }),
      point('2026-12-03T00:00:00.000Z', { subscribers: 1185, views: null, forwards: null, reactions: null }),
    ];
    expect(summarize(stats(series))).toEqual({
      subscribers: 1185,
      subscribersChange: -15,
      views: 350,
      forwards: 4,
      reactions: 9,
    });
    expect(summarize(stats(series, false))).toEqual({
      subscribers: 1185,
      subscribersChange: -15,
      views: null,
      forwards: null,
      reactions: null,
    });
    expect(summarize(stats([point('2026-12-01T00:00:00.000Z', { subscribers: 90 })]))).toMatchObject({
      subscribers: 90,
      subscribersChange: null,
    });
    expect(summarize(stats([]))).toMatchObject({ subscribers: null, subscribersChange: null, views: 0 });
  });
});
