import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting, TestRequest } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { By } from '@angular/platform-browser';
import { MatButtonToggleHarness } from '@angular/material/button-toggle/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import { MatSortHarness } from '@angular/material/sort/testing';

import { ApiTesting, paramsOf } from '../../../testing/api-testing';
import { FakeChart } from '../../../testing/fake-chart';
import { StatsDto, TenantChannelDto, TopPostsDto } from '../../core/api/api.generated';
import { Chart } from '../../core/charts/chart';
import { ChannelAnalytics } from './channel-analytics';

const TENANT = '00000000-0000-4000-8000-000000000001';
const NEWS = '20000000-0000-4000-8000-000000000001';
const DEALS = '20000000-0000-4000-8000-000000000002';
const statsUrl = (channel: string) => `/api/admin/tenants/${TENANT}/channels/${channel}/stats`;
const postsUrl = (channel: string) => `${statsUrl(channel)}/posts`;
const HOUR = 3_600_000;

const channel = (id: string, title: string, username: string | null): TenantChannelDto => ({
  id,
  title,
  username,
  telegram_id: '-1001234567890',
  type: 'channel',
  bot_is_admin: true,
  bot_can_post: true,
  admin_checked_at: null,
});

const CHANNELS = [channel(NEWS, 'Acme News', 'acme_news'), channel(DEALS, 'Acme Deals', null)];

const newsStats = (): StatsDto => ({
  views_available: true,
  series: [
    { at: '2026-12-04T08:00:00.000Z', subscribers: 1200, views: 0, forwards: 0, reactions: 0, posts: 0 },
    { at: '2026-12-04T09:00:00.000Z', subscribers: 1210, views: 840, forwards: 12, reactions: 30, posts: 1 },
    { at: '2026-12-04T10:00:00.000Z', subscribers: 1234, views: 1500, forwards: 20, reactions: 41, posts: 0 },
  ],
});

const newsPosts = (): TopPostsDto => ({
  posts: [
    {
      message_id: 812,
      post_id: '30000000-0000-4000-8000-000000000001',
      posted_at: '2026-12-04T09:05:00.000Z',
      views: 2210,
      forwards: 31,
      reactions: 64,
      sampled_at: '2026-12-04T10:45:00.000Z',
    },
    {
      message_id: 790,
      post_id: null,
      posted_at: '2026-12-02T15:00:00.000Z',
      views: 130,
      forwards: 1,
      reactions: 7,
      sampled_at: '2026-12-04T10:45:00.000Z',
    },
  ],
});

describe('ChannelAnalytics', () => {
  let fixture: ComponentFixture<ChannelAnalytics>;
  let api: ApiTesting;
  let element: HTMLElement;

  const loader = () => TestbedHarnessEnvironment.loader(fixture);
  const clean = (s: string | null | undefined) => s?.replace(/\s+/g, ' ').trim();
  const text = (testId: string) => clean(element.querySelector(`[data-testid="${testId}"]`)?.textContent);
  const chart = (testId: string): FakeChart | undefined =>
    fixture.debugElement.query(By.css(`[data-testid="${testId}"]`))?.injector.get(FakeChart);
  const series = (testId: string) => chart(testId)?.options().series as { type: string; data: unknown[] }[];
  const rows = () =>
    [...element.querySelectorAll('[data-testid="top-post"]')].map((row) =>
      [...row.querySelectorAll('td')].map((td) => clean(td.textContent)),
    );

  /** Answers the stats and the top posts the section asks for `channel`; returns both requests. */
  async function answer(
    channelId = NEWS,
    stats: StatsDto = newsStats(),
    posts: TopPostsDto = newsPosts(),
  ): Promise<{ stats: TestRequest; posts: TestRequest }> {
    const statsReq = await api.answer('GET', statsUrl(channelId), stats);
    const postsReq = await api.answer('GET', postsUrl(channelId), posts);
    return { stats: statsReq, posts: postsReq };
  }

  const hoursAsked = (req: TestRequest) => {
    const { from, to } = paramsOf(req);
    return (Date.parse(to ?? '') - Date.parse(from ?? '')) / HOUR;
  };

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    TestBed.overrideComponent(ChannelAnalytics, { remove: { imports: [Chart] }, add: { imports: [FakeChart] } });
    fixture = TestBed.createComponent(ChannelAnalytics);
    fixture.componentRef.setInput('tenantId', TENANT);
    fixture.componentRef.setInput('channels', CHANNELS);
    element = fixture.nativeElement as HTMLElement;
    api = new ApiTesting(fixture);
  });

  afterEach(() => api.http.verify());

  it('asks for the first channel over the last 7 days by hour, and its 10 most viewed posts over the same days', async () => {
    const { stats, posts } = await answer();
    expect(paramsOf(stats)).toMatchObject({ interval: 'hour' });
    expect(hoursAsked(stats)).toBe(168);
    expect(paramsOf(posts)).toMatchObject({
      sort: 'views',
      limit: '10',
      from: paramsOf(stats)['from'],
      to: paramsOf(stats)['to'],
    });
    const select = await loader().getHarness(MatSelectHarness);
    expect(await select.getValueText()).toBe('Acme News');
  });

  it('shows where the channel stands, a subscriber line and view bars drawn from the series', async () => {
    await answer();
    expect(text('figure-subscribers')).toBe((1234).toLocaleString());
    expect(text('figure-subscribers-change')).toBe('+34 in 7 days');
    expect(text('figure-views')).toBe((2340).toLocaleString());
    expect(text('figure-forwards')).toBe('32');
    expect(text('figure-reactions')).toBe('71');

    const subscribers = series('subscribers-chart');
    expect(subscribers.map((s) => s.type)).toEqual(['line']);
    expect(subscribers[0]?.data.map((d) => (d as { value: number[] }).value[1])).toEqual([1200, 1210, 1234]);
    expect(chart('subscribers-chart')?.label()).toBe('Subscribers of Acme News over the last 7 days');

    const views = series('views-chart');
    expect(views.map((s) => s.type)).toEqual(['bar']);
    expect(views[0]?.data.map((d) => (d as { value: number[] }).value[1])).toEqual([0, 840, 1500]);
    expect(clean(element.querySelector('.charts')?.textContent)).toContain('Views gained per hour');
    expect(element.querySelector('[data-testid="views-unavailable"]')).toBeNull();
  });

  it('lists the top posts with their views, forwards and reactions, linking public channels to Telegram', async () => {
    await answer();
    expect(rows().map((r) => [r[0], r[2], r[3], r[4]])).toEqual([
      ['#812', (2210).toLocaleString(), '31', '64'],
      ['#790', '130', '1', '7'],
    ]);
    const link = element.querySelector<HTMLAnchorElement>('[data-testid="top-post"] a');
    expect(link?.href).toBe('https://t.me/acme_news/812');
  });

  it('asks the top posts again sorted by forwards when that column is sorted', async () => {
    await answer();
    const sort = await loader().getHarness(MatSortHarness);
    const [forwards] = await sort.getSortHeaders({ label: 'Forwards' });
    await api.act(() => forwards.click());
    const req = await api.answer('GET', postsUrl(NEWS), { posts: [newsPosts().posts[0]] });
    expect(paramsOf(req)).toMatchObject({ sort: 'forwards', limit: '10' });
    api.expectNone('GET', statsUrl(NEWS));
    expect(rows()).toHaveLength(1);
  });

  it('asks by day over 30 days when that range is picked, and by hour over 24 hours', async () => {
    await answer();
    const thirty = await loader().getHarness(MatButtonToggleHarness.with({ text: '30 days' }));
    await api.act(() => thirty.check());
    const { stats, posts } = await answer();
    expect(paramsOf(stats)['interval']).toBe('day');
    expect(hoursAsked(stats)).toBe(720);
    expect(hoursAsked(posts)).toBe(720);
    expect(text('figure-subscribers-change')).toBe('+34 in 30 days');
    expect(clean(element.querySelector('.charts')?.textContent)).toContain('Views gained per day');

    const day = await loader().getHarness(MatButtonToggleHarness.with({ text: '24 hours' }));
    await api.act(() => day.check());
    const again = await answer();
    expect(paramsOf(again.stats)['interval']).toBe('hour');
    expect(hoursAsked(again.stats)).toBe(24);
  });

  it('shows another channel when it is picked', async () => {
    await answer();
    const select = await loader().getHarness(MatSelectHarness);
    await api.act(() => select.open());
    await api.act(() => select.clickOptions({ text: 'Acme Deals' }));
    await answer(DEALS, { views_available: true, series: [] }, { posts: [] });
    expect(await select.getValueText()).toBe('Acme Deals');
    expect(text('subscribers-empty')).toBe('No subscriber count was sampled in these 7 days.');
    expect(text('views-empty')).toBe('No views were sampled in these 7 days.');
    expect(text('top-posts-empty')).toBe('No post was published in these 7 days.');
    expect(chart('subscribers-chart')).toBeUndefined();
    expect(chart('views-chart')).toBeUndefined();
    expect(text('figure-subscribers')).toBe('—');
  });

  it("says plainly that views need the tenant's account, and shows the subscribers the bot sees", async () => {
    await answer(
      NEWS,
      {
        views_available: false,
        series: [
          {
            at: '2026-12-04T09:00:00.000Z',
            subscribers: 530,
            views: null,
            forwards: null,
            reactions: null,
            posts: 0,
          },
          {
            at: '2026-12-04T10:00:00.000Z',
            subscribers: 528,
            views: null,
            forwards: null,
            reactions: null,
            posts: 0,
          },
        ],
      },
      { posts: [] },
    );
    expect(text('views-unavailable')).toContain("Views need the tenant's account.");
    expect(series('subscribers-chart')[0]?.data).toHaveLength(2);
    expect(text('figure-subscribers-change')).toBe('-2 in 7 days');
    expect(chart('views-chart')).toBeUndefined();
    expect(element.querySelector('[data-testid="views-empty"]')).toBeNull();
    expect(element.querySelector('[data-testid="figure-views"]')).toBeNull();
    expect(element.querySelector('[data-testid="top-posts"]')).toBeNull();
    expect(element.querySelector('[data-testid="top-posts-empty"]')).toBeNull();
  });

  it("shows the API's message when the statistics cannot be loaded", async () => {
    await api.fail('GET', statsUrl(NEWS), 503, 'UNAVAILABLE', 'The database is not answering.');
    await api.answer('GET', postsUrl(NEWS), { posts: [] });
    expect(text('load-error')).toContain(
      "The channel's statistics could not be loaded: The database is not answering.",
    );
    expect(chart('subscribers-chart')).toBeUndefined();
  });
});
