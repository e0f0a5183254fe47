import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { Directive, input } from '@angular/core';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonToggleHarness } from '@angular/material/button-toggle/testing';

import { ApiTesting } from '../../../testing/api-testing';
import { OverviewDto, OverviewHourDto } from '../../core/api/api.generated';
import { NgxEchartsDirective } from 'ngx-echarts';
import { Overview } from './overview';
import { CHART_COLORS, hourLabels, postsChartOptions, sessionsChartOptions, windowTotals } from './overview-charts';

const URL = '/api/admin/overview';

const hour = (iso: string, over: Partial<OverviewHourDto> = {}): OverviewHourDto => ({
  hour: iso,
  posts_sent: 0,
  posts_failed: 0,
  posts_retried: 0,
  revocations: 0,
  flood_waits: 0,
  flood_wait_seconds: 0,
  logins_ok: 0,
  logins_failed: 0,
  telegram_errors: 0,
  bot_updates: 0,
  webhook_delivered: 0,
  webhook_failed: 0,
  webhook_gave_up: 0,
  ...over,
});

const series = [
  hour('2026-11-02T07:00:00.000Z', { posts_sent: 5, posts_failed: 1, revocations: 2 }),
  hour('2026-11-02T08:00:00.000Z'),
  hour('2026-11-02T09:00:00.000Z', {
    posts_sent: 3,
    flood_waits: 1,
    flood_wait_seconds: 30,
    logins_ok: 2,
    logins_failed: 1,
    webhook_failed: 2,
    webhook_gave_up: 1,
  }),
];

const overview = (over: Partial<OverviewDto> = {}): OverviewDto => ({
  generated_at: '2026-11-02T09:30:00.000Z',
  hours: 24,
  totals: {
    tenants: 12,
    verified_bots: 9,
    verified_accounts: 4,
    connected_sessions: 3,
    queue_backlog: { 'post-send': 7, 'webhook-delivery': 0 },
  },
  series,
  ...over,
});

interface SeriesOption {
  name: string;
  type: string;
  data: number[];
  color: string;
  yAxisIndex?: number;
}
const seriesOf = (options: object): SeriesOption[] => (options as { series: SeriesOption[] }).series;

describe('overview chart options', () => {
  it('draws posts sent and failed per hour as bars, one point per hour in order', () => {
    const options = postsChartOptions(series) as { xAxis: { data: string[] } };
    expect(options.xAxis.data).toEqual(hourLabels(series));
    expect(seriesOf(options)).toEqual([
      expect.objectContaining({ name: 'Sent', type: 'bar', data: [5, 0, 3], color: CHART_COLORS.sent }),
      expect.objectContaining({ name: 'Failed', type: 'bar', data: [1, 0, 0], color: CHART_COLORS.failed }),
    ]);
  });

  it('draws revocations and flood waits as bars, and the seconds waited as a line on its own axis', () => {
    const options = sessionsChartOptions(series) as { yAxis: unknown[] };
    expect(options.yAxis).toHaveLength(2);
    const [revoked, floods, seconds] = seriesOf(options);
    expect(revoked).toMatchObject({ name: 'Revocations', type: 'bar', data: [2, 0, 0] });
    expect(floods).toMatchObject({ name: 'Flood waits', type: 'bar', data: [0, 0, 1] });
    expect(seconds).toMatchObject({ name: 'Flood wait seconds', type: 'line', yAxisIndex: 1, data: [0, 0, 30] });
  });

  it('labels hours by the local clock, naming the day on the first hour and where it changes', () => {
    const at = (h: number, d = 2) => new Date(2026, 10, d, h).toISOString();
    expect(hourLabels([{ hour: at(22) }, { hour: at(23) }, { hour: at(0, 3) }])).toEqual([
      '2/11 22:00',
      '23:00',
      '3/11 00:00',
    ]);
  });

  it('draws empty charts for an empty window', () => {
    expect(seriesOf(postsChartOptions([])).map((s) => s.data)).toEqual([[], []]);
  });

  it("sums the window's hours for the cards", () => {
    expect(windowTotals(series)).toEqual({
      posts_sent: 8,
      posts_failed: 1,
      revocations: 2,
      flood_waits: 1,
      logins_ok: 2,
      logins_failed: 1,
      webhook_failed: 3,
    });
  });
});

/** Stands in for ECharts (the test DOM has no canvas to draw on): keeps the options the page hands it. */
// eslint-disable-next-line @angular-eslint/directive-selector -- the library's own selector, replaced here
@Directive({ selector: '[echarts]', host: { '[attr.data-series]': 'names()' } })
class FakeChart {
  readonly options = input.required<object>();
  protected names(): string {
    return seriesOf(this.options())
      .map((s) => `${s.name}:${s.data.join(',')}`)
      .join(' ');
  }
}

describe('Overview', () => {
  let fixture: ComponentFixture<Overview>;
  let api: ApiTesting;
  let element: HTMLElement;

  const stat = (name: string) => element.querySelector(`[data-stat="${name}"] .value`)?.textContent?.trim();

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    TestBed.overrideComponent(Overview, { remove: { imports: [NgxEchartsDirective] }, add: { imports: [FakeChart] } });
    fixture = TestBed.createComponent(Overview);
    element = fixture.nativeElement as HTMLElement;
    api = new ApiTesting(fixture);
    api.settle();
  });

  afterEach(() => api.http.verify());

  it("shows the live totals, the window's sums and both charts", async () => {
    const req = await api.answer('GET', URL, overview());
    expect(req.request.params.get('hours')).toBe('24');
    expect(stat('tenants')).toBe('12');
    expect(stat('verified_bots')).toBe('9');
    expect(stat('verified_accounts')).toBe('4');
    expect(stat('connected_sessions')).toBe('3');
    expect(stat('queue_backlog')).toBe('7');
    expect(element.querySelector('[data-stat="queue_backlog"] .busy')?.textContent).toContain('post-send');
    expect(stat('posts_sent')).toBe('8');
    expect(stat('posts_failed')).toBe('1');
    expect(stat('revocations')).toBe('2');
    expect(stat('flood_waits')).toBe('1');
    expect(element.querySelector('[data-stat="posts_failed"]')?.classList).toContain('bad');
    const chart = (name: string) => element.querySelector(`[data-chart="${name}"]`)?.getAttribute('data-series');
    expect(chart('posts')).toBe('Sent:5,0,3 Failed:1,0,0');
    expect(chart('sessions')).toBe('Revocations:2,0,0 Flood waits:0,0,1 Flood wait seconds:0,0,30');
    expect(element.querySelector('h2.section')?.textContent).toContain('Last 24 hours');
  });

  it('asks again for the window support picks', async () => {
    await api.answer('GET', URL, overview());
    const loader = TestbedHarnessEnvironment.loader(fixture);
    const week = await loader.getHarness(MatButtonToggleHarness.with({ text: '7 days' }));
    await api.act(() => week.check());
    const req = await api.answer('GET', URL, overview({ hours: 168 }));
    expect(req.request.params.get('hours')).toBe('168');
    expect(element.querySelector('h2.section')?.textContent).toContain('Last 7 days');
  });

  it('says what went wrong when the overview cannot be read', async () => {
    await api.fail('GET', URL, 503, 'UNAVAILABLE', 'Redis is away.');
    expect(element.querySelector('[data-testid="load-error"]')?.textContent).toContain('Redis is away.');
  });
});
