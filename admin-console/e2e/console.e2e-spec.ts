import { getQueueToken } from '@nestjs/bullmq';
import { Job, Queue, Worker } from 'bullmq';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { redisConnectionOptions } from '../../server/src/modules/redis/redis-connection';
import { systemActor } from '../../server/src/modules/audit/audit-actions';
import { ChannelType } from '../../server/src/modules/channels/channel.entity';
import { CredentialsService } from '../../server/src/modules/credentials/credentials.service';
import { CredentialsStatus } from '../../server/src/modules/credentials/user-bot-credentials.entity';
import { QueueName } from '../../server/src/modules/queue/queue-names';
import { UserRole, UserStatus } from '../../server/src/modules/tenants/user.entity';
import type { SandboxHandle } from '../../server/src/sandbox';
import { newChannel } from '../../server/test/factories/channel.factory';
import { newStaff, newTenant, NewUser } from '../../server/test/factories/user.factory';
import { startTestAppWithSandbox, type SandboxTestApp, type TestApp } from '../../server/test/helpers/test-app';
import { launchChromium, screenshotsDir } from './browser';
import { ensureConsoleBuilt } from './console-build';
import { expectText, until } from './waits';

const SCREENSHOTS = screenshotsDir();
const SUPPORT_PASSWORD = 'support-console-pass-1';
const TENANT_PASSWORD = 'tenant-console-pass-1';
const TENANT_REFUSED =
  'This console is for Tenantgram support staff. Tenant accounts cannot sign in here; use the Tenantgram API or app.';

describe('admin console in Chromium against the real server', () => {
  let t: SandboxTestApp;
  let sandbox: SandboxHandle;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let support: NewUser;
  let acme: NewUser;
  let bakery: NewUser;

  const consoleUrl = (p = '') => `${t.url}/admin/${p}`;
  const api = async (method: string, p: string, who: NewUser = support): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${t.url}${p}`, { method, headers: who.headers });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  };
  const snackBar = () => page.locator('mat-snack-bar-container');

  beforeAll(async () => {
    ensureConsoleBuilt();
    // The api role runs no queue processors, so the failed job made below stays failed until retried.
    t = await startTestAppWithSandbox({ env: { ROLE: 'api' } });
    sandbox = t.sandbox;
    const creds = t.app.get(CredentialsService);

    support = await newStaff(t, UserRole.Support, {
      email: 'dana@support.tenantgram.test',
      password: SUPPORT_PASSWORD,
    });

    acme = await newTenant(t, { email: 'ops@acme.example', password: TENANT_PASSWORD, telegramUserId: '5550001001' });
    const bot = await fetch(`${sandbox.httpUrl}/sandbox/bots`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'acme_news_bot' }),
    }).then((r) => r.json() as Promise<{ id: number; token: string; username: string }>);
    await fetch(`${sandbox.httpUrl}/bot${bot.token}/setWebhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://hooks.acme.example/telegram', secret_token: 'acme-hook-secret' }),
    });
    await creds.update(
      acme.user.id,
      {
        botToken: bot.token,
        botUsername: bot.username,
        botId: String(bot.id),
        isBotVerified: true,
        status: CredentialsStatus.Active,
        telegramApiId: 2040,
        telegramApiHash: 'b18441a1ff607e10a989891a5462e627',
        telegramPhone: '+447700900123',
        sessionString: '1BQANOTAREALSESSION',
        isMtprotoVerified: true,
        mtprotoLastUsedAt: new Date(Date.now() - 3600_000),
      },
      systemActor(),
    );
    const news = await newChannel(t, acme.user.id, { title: 'Acme News', username: 'acme_news' });
    const deals = await newChannel(t, acme.user.id, { title: 'Acme Deals', type: ChannelType.Supergroup });
    await newChannel(t, acme.user.id, { title: 'Acme Archive' });
    await t.app.get(DataSource).transaction(async (em) => {
      await em.query(`SELECT set_config('app.user_id', $1, true)`, [acme.user.id]);
      await em.query(
        `UPDATE channels SET bot_is_admin = true, bot_can_post = id = $1, admin_checked_at = now() WHERE id = ANY($2)`,
        [news.id, [news.id, deals.id]],
      );
    });

    bakery = await newTenant(t, { email: 'hello@bakery.example' });
    await creds.update(bakery.user.id, { botUsername: 'bakery_orders_bot' }, systemActor());
    await newTenant(t, { email: null, telegramUserId: '7001234567' });
    await newTenant(t, { email: 'billing@late.example', status: UserStatus.Suspended });

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'UTC' });
    page = await context.newPage();
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
  });

  it('sends a visitor who is not signed in to the sign-in page', async () => {
    await page.goto(consoleUrl('queues'));
    await page.waitForURL('**/admin/login?returnUrl=%2Fqueues');
    await page.getByRole('heading', { name: 'Support sign-in' }).waitFor();
  });

  it('refuses a tenant account with a clear message', async () => {
    await page.goto(consoleUrl('login'));
    await page.getByLabel('Email').fill('ops@acme.example');
    await page.getByLabel('Password').fill(TENANT_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.getByTestId('login-problem'), TENANT_REFUSED);
    expect(page.url()).toContain('/admin/login');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('shows the API message when the password is wrong', async () => {
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.getByTestId('login-problem'), 'The email or password is wrong.');
  });

  it('signs support staff in with the keyboard alone and lists tenants with status chips', async () => {
    await page.getByLabel('Email').fill('dana@support.tenantgram.test');
    await page.keyboard.press('Tab');
    await page.keyboard.type(SUPPORT_PASSWORD);
    await page.keyboard.press('Enter');
    // Staff land on the overview; the tenants are one link away.
    await page.waitForURL('**/admin/overview');
    await page.getByTestId('signed-in-as').waitFor();
    expect(await page.getByTestId('signed-in-as').innerText()).toBe('dana@support.tenantgram.test · support');
    await page.getByRole('link', { name: 'Tenants' }).click();
    await page.waitForURL('**/admin/tenants');
    await until(async () => (await page.locator('tr.row').count()) === 4, 'four tenant rows');
    const suspendedRow = page.locator('tr.row', { hasText: 'billing@late.example' });
    expect(await suspendedRow.getByTestId('status-chip').innerText()).toBe('Suspended');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'tenants.png') });
  });

  it.each([
    ['email', 'acme'],
    ['Telegram id', '5550001001'],
    ['bot username', 'acme_news'],
  ])('finds a tenant by %s', async (_what, search) => {
    // Waiting for this search's own answer: the previous search showed the same row.
    const answered = page.waitForResponse(
      (r) => r.url().includes('/api/admin/tenants?') && new URL(r.url()).searchParams.get('search') === search,
    );
    await page.getByLabel('Search tenants').fill(search);
    expect((await answered).status()).toBe(200);
    await until(
      async () =>
        (await page.locator('tr.row').count()) === 1 &&
        (await page.locator('tr.row').first().innerText()).includes('ops@acme.example'),
      `only acme for "${search}"`,
    );
  });

  it('says so when no tenant matches', async () => {
    await page.getByLabel('Search tenants').fill('nobody-here');
    await expectText(page.locator('td.empty'), 'No tenant matches “nobody-here”.');
  });

  it('sorts by a column header', async () => {
    await page.getByLabel('Search tenants').fill('');
    await until(async () => (await page.locator('tr.row').count()) === 4, 'all tenants again');
    // Sort headers are buttons: reachable with Tab, worked with Enter.
    await page.getByRole('button', { name: 'Tenant', exact: true }).focus();
    await page.keyboard.press('Enter');
    await until(
      async () => (await page.locator('tr.row').first().innerText()).startsWith('billing@late.example'),
      'email order',
    );
  });

  it('opens a tenant and shows its bot, MTProto account and channels, never a secret', async () => {
    await page.getByLabel('Search tenants').fill('acme');
    await until(async () => (await page.locator('tr.row').count()) === 1, 'acme row');
    await page.getByRole('link', { name: 'ops@acme.example' }).click();
    await page.waitForURL(`**/admin/tenants/${acme.user.id}`);
    await expectText(page.getByTestId('tenant-name'), 'ops@acme.example');
    const bot = await page.getByTestId('bot-facts').innerText();
    expect(bot).toContain('@acme_news_bot');
    expect(bot).toContain('Healthy');
    expect(bot).toContain('https://hooks.acme.example/telegram');
    const mtproto = await page.getByTestId('mtproto-facts').innerText();
    expect(mtproto).toContain('+447******123');
    expect(await page.getByTestId('mtproto-verified').innerText()).toBe('Yes');
    const channels = await page.getByRole('table', { name: 'Channels' }).innerText();
    expect(channels).toContain('Acme News');
    expect(channels).toContain('@acme_news');
    const html = await page.content();
    for (const secret of ['+447700900123', '1BQANOTAREALSESSION', 'b18441a1ff607e10a989891a5462e627']) {
      expect(html).not.toContain(secret);
    }
    await page.screenshot({ path: path.join(SCREENSHOTS, 'tenant-detail.png'), fullPage: true });
  });

  it('validates the limits form and saves new limits, which the API then reports', async () => {
    const rps = page.getByLabel('Requests per second');
    await rps.fill('0');
    await rps.blur();
    await expectText(page.locator('mat-error'), 'Between 1 and 1000 requests per second.');
    await rps.fill('1001');
    await expectText(page.locator('mat-error'), 'Between 1 and 1000 requests per second.');
    await rps.fill('42');
    await page.getByLabel('Max concurrent requests').fill('7');
    expect(await page.locator('mat-error').count()).toBe(0);
    await page.getByRole('button', { name: 'Save limits' }).click();
    await expectText(snackBar(), 'Limits saved: 42 requests per second, 7 at a time.');
    const detail = await api('GET', `/api/admin/tenants/${acme.user.id}`);
    expect(detail.body.integration).toMatchObject({ rate_limit_rps: 42, max_concurrent_requests: 7 });
  });

  it('asks before suspending; cancelling (Escape) changes nothing', async () => {
    await page.getByRole('main').getByRole('button', { name: 'Suspend' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('Suspend ops@acme.example?');
    await until(
      async () => (await page.evaluate(() => document.activeElement?.textContent?.trim())) === 'Cancel',
      'Cancel to have the focus',
    );
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect((await api('GET', `/api/admin/tenants/${acme.user.id}`)).body.status).toBe('active');
  });

  it('suspends the tenant (its token then gets 403) and reactivates it', async () => {
    await page.getByRole('main').getByRole('button', { name: 'Suspend' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Suspend' }).click();
    await expectText(page.getByTestId('tenant-status'), 'Suspended');
    const blocked = await api('GET', '/api/me', acme);
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe('TENANT_SUSPENDED');

    await page.getByRole('main').getByRole('button', { name: 'Reactivate' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Reactivate' }).click();
    await expectText(page.getByTestId('tenant-status'), 'Active');
    expect((await api('GET', '/api/me', acme)).status).toBe(200);
  });

  it('forces an MTProto disconnect after confirmation', async () => {
    await page.getByRole('main').getByRole('button', { name: 'Force MTProto disconnect' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Disconnect' }).click();
    await expectText(snackBar(), 'MTProto session cleared.');
    await expectText(page.getByTestId('mtproto-verified'), 'No');
    const detail = await api('GET', `/api/admin/tenants/${acme.user.id}`);
    expect(detail.body.mtproto.verified).toBe(false);
    expect(detail.body.integration.has_session).toBe(false);
  });

  it('shows each of those actions in the audit log, filtered by tenant and by action', async () => {
    await page.getByRole('link', { name: 'Audit log of this tenant' }).click();
    await page.waitForURL(`**/admin/audit?tenant_id=${acme.user.id}`);
    expect(await page.getByLabel('Tenant id').inputValue()).toBe(acme.user.id);
    const expected = [
      'tenant.limits_changed',
      'tenant.suspended',
      'tenant.reactivated',
      'admin.mtproto_force_disconnected',
    ];
    await until(async () => {
      const actions = await page.getByTestId('audit-action-cell').allInnerTexts();
      return expected.every((a) => actions.includes(a));
    }, 'every console action in the audit log');

    await page.getByTestId('audit-action').click();
    await page.getByRole('option', { name: 'tenant.suspended' }).click();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await until(async () => {
      const actions = await page.getByTestId('audit-action-cell').allInnerTexts();
      return actions.length === 1 && actions[0] === 'tenant.suspended';
    }, 'only the suspension');
    const row = await page.locator('tr.mat-mdc-row').first().innerText();
    expect(row).toContain('support');
    expect(row).toContain(support.user.id);
  });

  it('filters the audit log by date range', async () => {
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('From (day)').fill('2999-01-01');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expectText(page.locator('td.empty'), 'No audit event matches these filters.');
    const today = new Date().toISOString().slice(0, 10);
    await page.getByLabel('From (day)').fill(today);
    await page.getByLabel('To (day, included)').fill(today);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await until(async () => (await page.getByTestId('audit-action-cell').count()) > 0, 'today’s events');
  });

  it('shows queue counts and latest failures, refreshes by itself, and retries a failed job', async () => {
    await page.getByRole('link', { name: 'Queues' }).click();
    await page.waitForURL('**/admin/queues');
    const card = page.locator(`[data-queue="${QueueName.Maintenance}"]`);
    await expectText(card.getByTestId('failed-count'), '0');

    const job = await failJob(t, 'Telegram answered 502: Bad Gateway');
    // No reload or click: the page polls on its own.
    await expectText(card.getByTestId('failed-count'), '1', 15_000);
    expect(await card.innerText()).toContain('Telegram answered 502: Bad Gateway');

    await card.getByRole('button', { name: `Retry job ${job.id} in ${QueueName.Maintenance}` }).click();
    await expectText(snackBar(), `Job ${job.id} in ${QueueName.Maintenance} is waiting again.`);
    expect(await job.getState()).toBe('waiting');
    await expectText(card.getByTestId('failed-count'), '0');
    const audit = await api('GET', '/api/admin/audit?action=admin.queue_job_retried');
    expect(audit.body.items[0].target).toBe(`job:${QueueName.Maintenance}/${job.id}`);
  });

  it('refreshes an expired access token without bothering the user', async () => {
    await page.evaluate(() => {
      const key = 'tenantgram-admin.session';
      const stored = JSON.parse(sessionStorage.getItem(key) ?? '{}') as { accessToken: string };
      sessionStorage.setItem(key, JSON.stringify({ ...stored, accessToken: 'expired.token.value' }));
    });
    await page.goto(consoleUrl('tenants'));
    await until(async () => (await page.locator('tr.row').count()) === 4, 'tenants after a refresh');
    const token = await page.evaluate(
      () =>
        (JSON.parse(sessionStorage.getItem('tenantgram-admin.session') ?? '{}') as { accessToken: string }).accessToken,
    );
    expect(token).not.toBe('expired.token.value');
  });

  it('stays usable on a narrow window: nothing but the tables scrolls sideways', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    for (const p of ['overview', 'tenants', `tenants/${acme.user.id}`, 'audit', 'queues']) {
      await page.goto(consoleUrl(p));
      await page.locator('main h1').first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect({ page: p, overflow }).toEqual({ page: p, overflow: 0 });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('signs out, and the pages ask to sign in again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/admin/login');
    await page.goto(consoleUrl('overview'));
    await page.waitForURL('**/admin/login');
    await page.goto(consoleUrl('tenants'));
    await page.waitForURL('**/admin/login?returnUrl=%2Ftenants');
  });
});

async function failJob(t: TestApp, reason: string): Promise<Job> {
  const queue = t.app.get<Queue>(getQueueToken(QueueName.Maintenance), { strict: false });
  const job = await queue.add('console-e2e-failing', { attempt: 1 });
  const worker = new Worker(QueueName.Maintenance, () => Promise.reject(new Error(reason)), {
    connection: redisConnectionOptions(t.config.redis.url, { maxRetriesPerRequest: null }),
    prefix: `${t.config.redis.prefix}:bull`,
  });
  try {
    await until(() => job.isFailed(), 'the job to fail');
  } finally {
    await worker.close();
  }
  return job;
}
