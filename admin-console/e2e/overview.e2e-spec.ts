import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { UserRole } from '../../server/src/modules/tenants/user.entity';
import { newStaff, newTenant, NewUser } from '../../server/test/factories/user.factory';
import { channelFor, connectBot, control } from '../../server/test/helpers/bot-world';
import { startTestAppWithSandbox, type SandboxTestApp } from '../../server/test/helpers/test-app';
import { API_HASH, API_ID, channelWithPosts, connectAccount, newSandboxUser } from '../../server/test/user-mtproto-kit';
import { launchChromium, screenshotsDir } from './browser';
import { apiCaller, signInAsStaff, SUPPORT_EMAIL, SUPPORT_PASSWORD } from './console-session';
import { ensureConsoleBuilt } from './console-build';
import { expectExactText, until } from './waits';

const SCREENSHOTS = screenshotsDir();

interface OverviewBody {
  totals: { connected_sessions: number };
  series: Record<string, number | string>[];
}

describe('the platform overview in the admin console, in Chromium against the real server', () => {
  let t: SandboxTestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let support: NewUser;

  const api = apiCaller(() => t.url);
  const overview = async (): Promise<OverviewBody> =>
    (await api('GET', '/api/admin/overview?hours=24', support)).body as OverviewBody;
  const sum = (o: OverviewBody, field: string) => o.series.reduce((n, h) => n + Number(h[field]), 0);
  const stat = (name: string) => page.locator(`[data-stat="${name}"] .value`);

  beforeAll(async () => {
    ensureConsoleBuilt();
    t = await startTestAppWithSandbox({ env: { SEND_SWEEP_MS: '300' } });
    support = await newStaff(t, UserRole.Support, {
      email: SUPPORT_EMAIL,
      password: SUPPORT_PASSWORD,
    });

    // A tenant's bot posts three times; Telegram refuses the fourth for good.
    const acme = await newTenant(t, { email: 'ops@acme.example' });
    const bot = await connectBot(t, t.sandbox, acme.headers);
    const channel = await channelFor(t, t.sandbox, acme.headers, bot.id);
    const post = async (text: string) =>
      expect(
        (await api('POST', `/api/channels/${channel.id}/posts`, acme, { text, idempotency_key: text })).status,
      ).toBe(201);
    for (const text of ['launch', 'menu', 'hours']) await post(text);
    await until(async () => sum(await overview(), 'posts_sent') === 3, 'three posts sent');
    await control(t.sandbox, 'POST', '/sandbox/faults', { door: 'bot', method: 'sendMessage', error: 400 });
    await post('refused');
    await until(async () => sum(await overview(), 'posts_failed') === 1, 'a post failed');

    // Another tenant's login meets a flood wait, then signs in; Telegram later revokes the session.
    const bakery = await newTenant(t, { email: 'hello@bakery.example' });
    const user = await newSandboxUser(t.sandbox);
    await control(t.sandbox, 'POST', '/sandbox/faults', {
      door: 'mtproto',
      method: 'auth.sendCode',
      error: 'FLOOD_WAIT_45',
    });
    const refused = await api('POST', '/api/user-mtproto/setup', bakery, {
      telegram_api_id: API_ID,
      telegram_api_hash: API_HASH,
      telegram_phone: `+${user.phone}`,
    });
    expect(refused.status).toBe(429);
    await connectAccount(t, t.sandbox, bakery, user);
    const history = await channelWithPosts(t, t.sandbox, bakery, user, ['fresh bread']);
    expect((await api('GET', `/api/channels/${history.id}/history`, bakery)).status).toBe(200);
    await until(async () => (await overview()).totals.connected_sessions === 1, 'the connected session');
    await control(t.sandbox, 'POST', `/sandbox/users/${user.phone}/revoke-sessions`);
    await until(async () => {
      const o = await overview();
      return sum(o, 'revocations') === 1 && o.totals.connected_sessions === 0;
    }, 'the revocation');

    // A third tenant with a session still connected.
    const cafe = await newTenant(t, { email: 'team@cafe.example' });
    const owner = await newSandboxUser(t.sandbox);
    await connectAccount(t, t.sandbox, cafe, owner);
    const cafeChannel = await channelWithPosts(t, t.sandbox, cafe, owner, ['open late']);
    expect((await api('GET', `/api/channels/${cafeChannel.id}/history`, cafe)).status).toBe(200);
    await until(async () => (await overview()).totals.connected_sessions === 1, 'the second connected session');

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'UTC' });
    page = await context.newPage();
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
  });

  it("shows the platform's totals and the last 24 hours' counts, with both charts drawn", async () => {
    // Staff land on the overview.
    await signInAsStaff(page, t.url);
    expect(await page.title()).toContain('Overview');

    await expectExactText(stat('tenants'), '3');
    await expectExactText(stat('verified_bots'), '1');
    await expectExactText(stat('verified_accounts'), '1');
    await expectExactText(stat('connected_sessions'), '1');
    await expectExactText(stat('posts_sent'), '3');
    await expectExactText(stat('posts_failed'), '1');
    await expectExactText(stat('revocations'), '1');
    await expectExactText(stat('flood_waits'), '1');
    await expectExactText(stat('logins'), '2 / 1');
    expect(await page.locator('[data-stat="queue_backlog"]').innerText()).toContain('post-send');

    // ECharts draws on a canvas inside each chart's box, sized to it.
    for (const chart of ['posts', 'sessions']) {
      const canvas = page.locator(`[data-chart="${chart}"] canvas`);
      await canvas.first().waitFor({ state: 'visible' });
      const box = await canvas.first().boundingBox();
      expect(box?.width).toBeGreaterThan(200);
      expect(box?.height).toBeGreaterThan(200);
    }
    await page.getByRole('heading', { name: 'Posts per hour' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'overview.png'), fullPage: true });
  });

  it('reads a longer window when support picks one', async () => {
    const asked = page.waitForRequest((r) => r.url().includes('/api/admin/overview?hours=168'));
    await page
      .getByRole('radio', { name: '7 days' })
      .or(page.getByRole('button', { name: '7 days' }))
      .first()
      .click();
    await asked;
    await expectExactText(page.locator('h2.section'), 'Last 7 days');
    await expectExactText(stat('posts_sent'), '3');
  });
});
