import * as path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { AnalyticsService, type ChannelSample } from '../../server/src/modules/analytics/analytics.service';
import { UserRole } from '../../server/src/modules/tenants/user.entity';
import { newChannel } from '../../server/test/factories/channel.factory';
import { newStaff, newTenant, NewUser } from '../../server/test/factories/user.factory';
import { startTestApp, type TestApp } from '../../server/test/helpers/test-app';
import { launchChromium, screenshotsDir } from './browser';
import { signInAsStaff, SUPPORT_EMAIL, SUPPORT_PASSWORD } from './console-session';
import { ensureConsoleBuilt } from './console-build';
import { expectText, until } from './waits';

const SCREENSHOTS = screenshotsDir();
const HOUR = 3_600_000;

/** A post's counters at each sample, oldest first; null before it was posted. */
interface PostHistory {
  messageId: number;
  postedHoursAgo: number;
  views: (number | null)[];
  forwards: (number | null)[];
  reactions: (number | null)[];
}

/** What the tenant's account saw, sample by sample, on its news channel over the last day and a half. */
const NEWS_SAMPLED_HOURS_AGO = [30, 24, 18, 12, 6, 1];
const NEWS_SUBSCRIBERS = [1180, 1195, 1204, 1210, 1226, 1240];
const NEWS_POSTS: PostHistory[] = [
  {
    messageId: 101,
    postedHoursAgo: 31,
    views: [120, 610, 980, 1210, 1390, 1480],
    forwards: [1, 6, 11, 14, 17, 18],
    reactions: [4, 15, 22, 27, 30, 33],
  },
  {
    messageId: 102,
    postedHoursAgo: 13,
    views: [null, null, null, 340, 890, 1150],
    forwards: [null, null, null, 3, 12, 25],
    reactions: [null, null, null, 9, 20, 26],
  },
];
/** The deals channel has no account behind it: the bot's member count only. */
const DEALS_SAMPLED_HOURS_AGO = [20, 10, 2];
const DEALS_SUBSCRIBERS = [530, 528, 531];

describe("a tenant's channel analytics in the admin console, in Chromium against the real server", () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let support: NewUser;
  let acme: NewUser;
  let newsId: string;
  let dealsId: string;

  const consoleUrl = (p = '') => `${t.url}/admin/${p}`;
  const section = () => page.locator('app-channel-analytics');
  const rows = async (): Promise<string[][]> => {
    const trs = await section().getByTestId('top-post').all();
    return Promise.all(trs.map(async (tr) => (await tr.locator('td').allInnerTexts()).map((c) => c.trim())));
  };

  beforeAll(async () => {
    ensureConsoleBuilt();
    // The api role runs no collector: the samples below are the only ones.
    t = await startTestApp({ env: { ROLE: 'api' } });
    support = await newStaff(t, UserRole.Support, {
      email: SUPPORT_EMAIL,
      password: SUPPORT_PASSWORD,
    });
    acme = await newTenant(t, { email: 'ops@acme.example' });
    // Newest first on the tenant's page: the news channel is created last, so it is the one shown first.
    dealsId = (await newChannel(t, acme.user.id, { title: 'Acme Deals' })).id;
    newsId = (await newChannel(t, acme.user.id, { title: 'Acme News', username: 'acme_news' })).id;

    const analytics = t.app.get(AnalyticsService);
    const now = Date.now();
    const ago = (hours: number) => new Date(now - hours * HOUR);
    for (const [i, hours] of NEWS_SAMPLED_HOURS_AGO.entries()) {
      const sample: ChannelSample = {
        channelId: newsId,
        sampledAt: ago(hours),
        subscribers: NEWS_SUBSCRIBERS[i] ?? null,
        source: 'account',
        posts: NEWS_POSTS.flatMap((p) => {
          const [views, forwards, reactions] = [p.views[i], p.forwards[i], p.reactions[i]];
          if (typeof views !== 'number' || typeof forwards !== 'number' || typeof reactions !== 'number') return [];
          return [{ messageId: p.messageId, postedAt: ago(p.postedHoursAgo), views, forwards, reactions }];
        }),
      };
      await analytics.recordSample(acme.user.id, sample);
    }
    for (const [i, hours] of DEALS_SAMPLED_HOURS_AGO.entries()) {
      await analytics.recordSample(acme.user.id, {
        channelId: dealsId,
        sampledAt: ago(hours),
        subscribers: DEALS_SUBSCRIBERS[i] ?? null,
        source: 'bot',
        posts: [],
      });
    }

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'UTC' });
    page = await context.newPage();
    await signInAsStaff(page, t.url);
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
  });

  it("charts the first channel's subscribers and views over the last 7 days and lists its top posts", async () => {
    await page.goto(consoleUrl(`tenants/${acme.user.id}`));
    await expectText(page.getByTestId('tenant-name'), 'ops@acme.example');
    await expectText(section().locator('h2'), 'Channel analytics');
    await expectText(section().getByTestId('stats-channel'), 'Acme News');

    await expectText(section().getByTestId('figure-subscribers'), '1,240');
    expect(await section().getByTestId('figure-subscribers-change').innerText()).toBe('+60 in 7 days');
    expect(await section().getByTestId('views-unavailable').count()).toBe(0);

    // Both charts are drawn: a canvas of the chart's size, with something painted on it.
    for (const id of ['subscribers-chart', 'views-chart']) {
      const canvas = section().getByTestId(id).locator('canvas');
      await canvas.first().waitFor();
      const box = await canvas.first().boundingBox();
      expect(box?.width).toBeGreaterThan(300);
      expect(box?.height).toBeGreaterThan(150);
      expect(await painted(canvas.first())).toBe(true);
    }
    await expectText(section(), 'Views gained per hour');

    // Pointing at the recent end of the subscriber line shows the count of a sample there, in full.
    const chart = section().getByTestId('subscribers-chart');
    const box = await chart.boundingBox();
    if (!box) throw new Error('the subscribers chart has no box');
    await chart.hover({ position: { x: box.width - 30, y: box.height / 2 } });
    const counts = NEWS_SUBSCRIBERS.map((n) => n.toLocaleString('en-GB'));
    await until(async () => {
      const shown = /Subscribers: ([0-9,]+)/.exec(await chart.innerText())?.[1];
      return shown !== undefined && counts.includes(shown);
    }, 'a tooltip with a sampled subscriber count');

    // The latest counts of each post, most viewed first.
    await section().getByTestId('top-posts').waitFor();
    expect((await rows()).map((r) => [r[0], r[2], r[3], r[4]])).toEqual([
      ['#101', '1,480', '18', '33'],
      ['#102', '1,150', '25', '26'],
    ]);
    expect(await section().getByRole('link', { name: '#101' }).getAttribute('href')).toBe('https://t.me/acme_news/101');

    await page.mouse.move(0, 0);
    await section().screenshot({ path: path.join(SCREENSHOTS, 'channel-stats.png') });
  });

  it('orders the top posts by forwards when that column is sorted', async () => {
    await section().locator('th', { hasText: 'Forwards' }).click();
    await until(async () => (await rows())[0]?.[0] === '#102', 'the most forwarded post first');
    expect((await rows()).map((r) => r[3])).toEqual(['25', '18']);
  });

  it('shows the last 30 days by day', async () => {
    await section().getByRole('radio', { name: '30 days' }).click();
    await expectText(section(), 'Views gained per day');
    await expectText(section().getByTestId('figure-subscribers-change'), 'in 30 days');
    // A day's point holds the count at the day's end, so the change counts from the end of the first sampled day.
    expect(await section().getByTestId('figure-subscribers-change').innerText()).toMatch(/^\+\d+ in 30 days$/);
    expect(await section().getByTestId('figure-subscribers').innerText()).toBe('1,240');
    expect(await section().getByTestId('views-chart').locator('canvas').count()).toBe(1);
  });

  it("says plainly that views need the tenant's account for a channel read through the bot", async () => {
    await section().getByTestId('stats-channel').click();
    await page.getByRole('option', { name: 'Acme Deals' }).click();
    await expectText(section().getByTestId('views-unavailable'), "Views need the tenant's account.");
    await expectText(section().getByTestId('figure-subscribers'), '531');
    expect(await section().getByTestId('views-chart').count()).toBe(0);
    expect(await section().getByTestId('top-posts').count()).toBe(0);
    await section().getByTestId('subscribers-chart').locator('canvas').first().waitFor();
  });

  it('stays usable on a narrow window: the charts reflow, nothing scrolls sideways', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(consoleUrl(`tenants/${acme.user.id}`));
    await section().getByTestId('views-chart').locator('canvas').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBe(0);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("refuses another tenant's channel in the admin API with 404", async () => {
    const other = await newTenant(t, { email: 'hello@bakery.example' });
    const res = await fetch(`${t.url}/api/admin/tenants/${other.user.id}/channels/${newsId}/stats`, {
      headers: support.headers,
    });
    expect(res.status).toBe(404);
  });
});

/** The part of a canvas the check below reads (the e2e typings have no DOM library). */
interface PageCanvas {
  width: number;
  height: number;
  getContext(
    kind: '2d',
  ): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/** Whether anything was drawn on the canvas: some pixel is not transparent. */
async function painted(canvas: Locator): Promise<boolean> {
  return canvas.evaluate((el) => {
    const c = el as unknown as PageCanvas;
    const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
    if (!data) return false;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
    return false;
  });
}
