import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import type { EChartsCoreOption } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

import { OverviewHourDto } from '../../core/api/api.generated';

/** Only the pieces the overview's charts draw with, so the bundle carries no more of ECharts. */
echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);
export { echarts };

/** Series colours: the product's sent / failed / warning hues, readable on the light surface. */
export const CHART_COLORS = { sent: '#2e7d32', failed: '#c62828', revoked: '#6a1b9a', flood: '#ef6c00' } as const;

/** An hour's axis label: `HH:00` in the viewer's time zone, with the day when it changes (or on the first hour). */
export function hourLabels(series: readonly Pick<OverviewHourDto, 'hour'>[]): string[] {
  let lastDay = '';
  return series.map((h) => {
    const d = new Date(h.hour);
    const day = `${d.getDate()}/${d.getMonth() + 1}`;
    const time = `${String(d.getHours()).padStart(2, '0')}:00`;
    const label = day === lastDay ? time : `${day} ${time}`;
    lastDay = day;
    return label;
  });
}

const frame = (series: readonly OverviewHourDto[]) => ({
  animation: false,
  tooltip: { trigger: 'axis' },
  legend: { top: 0 },
  grid: { left: 48, right: 56, top: 36, bottom: 28 },
  xAxis: { type: 'category', data: hourLabels(series) },
});

/** Posts per hour: sent and failed side by side. */
export function postsChartOptions(series: readonly OverviewHourDto[]): EChartsCoreOption {
  return {
    ...frame(series),
    yAxis: { type: 'value', name: 'posts', minInterval: 1 },
    series: [
      { name: 'Sent', type: 'bar', color: CHART_COLORS.sent, data: series.map((h) => h.posts_sent) },
      { name: 'Failed', type: 'bar', color: CHART_COLORS.failed, data: series.map((h) => h.posts_failed) },
    ],
  };
}

/** Revoked sessions and flood waits per hour (counts, left axis) and the seconds of flood wait (line, right axis). */
export function sessionsChartOptions(series: readonly OverviewHourDto[]): EChartsCoreOption {
  return {
    ...frame(series),
    yAxis: [
      { type: 'value', name: 'count', minInterval: 1 },
      { type: 'value', name: 'wait (s)', minInterval: 1, splitLine: { show: false } },
    ],
    series: [
      { name: 'Revocations', type: 'bar', color: CHART_COLORS.revoked, data: series.map((h) => h.revocations) },
      { name: 'Flood waits', type: 'bar', color: CHART_COLORS.flood, data: series.map((h) => h.flood_waits) },
      {
        name: 'Flood wait seconds',
        type: 'line',
        yAxisIndex: 1,
        showSymbol: false,
        color: CHART_COLORS.flood,
        lineStyle: { type: 'dashed' },
        data: series.map((h) => h.flood_wait_seconds),
      },
    ],
  };
}

/** The window's sums of the fields the cards show. */
export function windowTotals(series: readonly OverviewHourDto[]) {
  const sum = (pick: (h: OverviewHourDto) => number) => series.reduce((n, h) => n + pick(h), 0);
  return {
    posts_sent: sum((h) => h.posts_sent),
    posts_failed: sum((h) => h.posts_failed),
    revocations: sum((h) => h.revocations),
    flood_waits: sum((h) => h.flood_waits),
    logins_ok: sum((h) => h.logins_ok),
    logins_failed: sum((h) => h.logins_failed),
    webhook_failed: sum((h) => h.webhook_failed + h.webhook_gave_up),
  };
}
