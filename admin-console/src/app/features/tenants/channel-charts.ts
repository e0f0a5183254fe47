import type { TooltipComponentFormatterCallbackParams } from 'echarts';

import { ChartOption } from '../../core/charts/charts';
import { StatsDto, StatsPointDto } from '../../core/api/api.generated';

export type StatsRangeKey = '24h' | '7d' | '30d' | '90d';
export type ChartInterval = 'hour' | 'day';

export interface StatsRange {
  key: StatsRangeKey;
  /** What the picker shows. */
  label: string;
  /** How far back from now. */
  hours: number;
  /** One point per hour up to a week, one per day beyond. */
  interval: ChartInterval;
}

export const STATS_RANGES: readonly StatsRange[] = [
  { key: '24h', label: '24 hours', hours: 24, interval: 'hour' },
  { key: '7d', label: '7 days', hours: 7 * 24, interval: 'hour' },
  { key: '30d', label: '30 days', hours: 30 * 24, interval: 'day' },
  { key: '90d', label: '90 days', hours: 90 * 24, interval: 'day' },
];

/** The span a chart covers: the x axis runs over all of it, so the start of collection shows as a gap, not a stretch. */
export interface StatsWindow {
  from: string;
  to: string;
  interval: ChartInterval;
}

export function statsWindow(range: StatsRange, now: number): StatsWindow {
  return {
    from: new Date(now - range.hours * HOUR).toISOString(),
    to: new Date(now).toISOString(),
    interval: range.interval,
  };
}

/** The figures above the charts: where the channel is now and what its posts gained over the window. */
export interface StatsSummary {
  /** The last subscriber count sampled in the window. */
  subscribers: number | null;
  /** Last minus first sampled count; null with fewer than two samples. */
  subscribersChange: number | null;
  /** Null when views are not available for the channel. */
  views: number | null;
  forwards: number | null;
  reactions: number | null;
}

export function summarize(stats: StatsDto): StatsSummary {
  const counts = stats.series.map((p) => p.subscribers).filter((n): n is number => n !== null);
  const first = counts[0];
  const last = counts[counts.length - 1];
  const total = (pick: (p: StatsPointDto) => number | null) =>
    stats.views_available ? stats.series.reduce((sum, p) => sum + (pick(p) ?? 0), 0) : null;
  return {
    subscribers: last ?? null,
    subscribersChange: counts.length >= 2 && first !== undefined && last !== undefined ? last - first : null,
    views: total((p) => p.views),
    forwards: total((p) => p.forwards),
    reactions: total((p) => p.reactions),
  };
}

const HOUR = 3_600_000;
const INTERVAL_MS: Record<ChartInterval, number> = { hour: HOUR, day: 24 * HOUR };
const SUBSCRIBERS_COLOR = '#2f6fd6';
const VIEWS_COLOR = '#1e9e8a';

/** A line of the subscriber count over the window; null when no sample fell in it. */
export function subscribersChart(stats: StatsDto, window: StatsWindow): ChartOption | null {
  const points = stats.series.filter((p) => p.subscribers !== null);
  if (points.length === 0) return null;
  return {
    ...frame(window, stats.series),
    tooltip: tooltip(window.interval),
    yAxis: {
      type: 'value',
      name: 'Subscribers',
      // Not from zero: a channel of 40,000 that gains 30 should show the gain.
      scale: true,
      minInterval: 1,
      axisLabel: { formatter: compact },
    },
    series: [
      {
        type: 'line',
        name: 'Subscribers',
        color: SUBSCRIBERS_COLOR,
        // A missed sample leaves the count where it was, so the line runs on through it.
        connectNulls: true,
        // A lone sample would not show as a line.
        showSymbol: points.length === 1,
        symbolSize: 5,
        lineStyle: { width: 2 },
        data: points.map((p) => ({ name: p.at, value: [Date.parse(p.at), p.subscribers] })),
      },
    ],
  };
}

/**
 * Bars of the views gained in each interval, each bar over the middle of its interval. Null when views are not
 * available, or when no interval of the window has a view count.
 */
export function viewsChart(stats: StatsDto, window: StatsWindow): ChartOption | null {
  if (!stats.views_available) return null;
  const points = stats.series.filter((p) => p.views !== null);
  if (points.length === 0) return null;
  const half = INTERVAL_MS[window.interval] / 2;
  return {
    ...frame(window, stats.series),
    tooltip: tooltip(window.interval),
    yAxis: {
      type: 'value',
      name: window.interval === 'hour' ? 'Views per hour' : 'Views per day',
      minInterval: 1,
      axisLabel: { formatter: compact },
    },
    series: [
      {
        type: 'bar',
        name: 'Views',
        color: VIEWS_COLOR,
        barMaxWidth: 24,
        data: points.map((p) => ({ name: p.at, value: [Date.parse(p.at) + half, p.views] })),
      },
    ],
  };
}

/**
 * The parts both charts share: the time axis over the whole window (from the start of its first interval, which the
 * API moves back to a whole hour or day), and the room for axis names.
 */
function frame(window: StatsWindow, series: readonly StatsPointDto[]): ChartOption {
  const first = series[0];
  const from = Date.parse(window.from);
  return {
    animation: false,
    backgroundColor: 'transparent',
    grid: { left: 16, right: 24, top: 40, bottom: 28 },
    xAxis: {
      type: 'time',
      min: first ? Math.min(from, Date.parse(first.at)) : from,
      max: Date.parse(window.to),
      axisLabel: { hideOverlap: true },
      splitLine: { show: false },
    },
  };
}

/** "Fri 4 Dec, 14:00" for an hour, "Fri 4 Dec 2026" for a day, then each series' figure in full. */
function tooltip(interval: ChartInterval): NonNullable<ChartOption['tooltip']> {
  const when = new Intl.DateTimeFormat(
    undefined,
    interval === 'hour'
      ? { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }
      : { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' },
  );
  return {
    trigger: 'axis',
    formatter: (params: TooltipComponentFormatterCallbackParams) => {
      const list = Array.isArray(params) ? params : [params];
      const at = list[0]?.name;
      const head = at ? when.format(new Date(at)) : '';
      const rows = list.map(
        (p) => `${typeof p.marker === 'string' ? p.marker : ''}${p.seriesName ?? ''}: <b>${full(figure(p.value))}</b>`,
      );
      return [head, ...rows].join('<br/>');
    },
  };
}

function figure(value: unknown): number | null {
  const v: unknown = Array.isArray(value) ? value[1] : value;
  return typeof v === 'number' ? v : null;
}

const fullFormat = new Intl.NumberFormat(undefined);
const compactFormat = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

/** 12,345 */
export function full(n: number | null): string {
  return n === null ? '—' : fullFormat.format(n);
}

/** An axis label: 1,234 in full (compact would make 1,180 and 1,230 both "1.2K"), 12.3K from five digits on. */
function compact(n: number): string {
  return Math.abs(n) < 10_000 ? fullFormat.format(n) : compactFormat.format(n);
}
