import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { UserRole } from '../../server/src/modules/tenants/user.entity';
import { newStaff, newTenant, NewUser } from '../../server/test/factories/user.factory';
import { startTestAppWithSandbox, type SandboxTestApp } from '../../server/test/helpers/test-app';
import { launchChromium, screenshotsDir } from './browser';
import { apiCaller, signInAsStaff, SUPPORT_EMAIL, SUPPORT_PASSWORD } from './console-session';
import { ensureConsoleBuilt } from './console-build';
import { expectText, until } from './waits';

const SCREENSHOTS = screenshotsDir();

/** The part of the admin API's endpoint this test waits on. */
interface AdminEndpoint {
  id: string;
  health: { succeeded_24h: number; last_failure: object | null };
}

interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The tenant's own systems: `/ok` takes every delivery, `/broken` answers 500 to all of them. */
async function startReceiver(): Promise<{ server: Server; url: string; deliveries: Delivery[] }> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url === '/ok') {
        res.writeHead(204).end();
      } else {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('upstream down');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, deliveries };
}

describe("a tenant's webhook endpoints in the admin console, in Chromium against the real server", () => {
  let t: SandboxTestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let support: NewUser;
  let acme: NewUser;
  let bakery: NewUser;
  let okUrl: string;
  let brokenUrl: string;
  let okId: string;
  let brokenId: string;

  const consoleUrl = (p = '') => `${t.url}/admin/${p}`;
  const api = apiCaller(() => t.url);
  const adminEndpoints = async (): Promise<AdminEndpoint[]> =>
    (
      (await api('GET', `/api/admin/tenants/${acme.user.id}/webhook-endpoints`, support)).body as {
        items: AdminEndpoint[];
      }
    ).items;
  const endpointBlock = (id: string) => page.locator(`[data-endpoint-id="${id}"]`);
  const snackBar = () => page.locator('mat-snack-bar-container');
  const to = (p: string) => receiver.deliveries.filter((d) => d.path === p);

  beforeAll(async () => {
    ensureConsoleBuilt();
    receiver = await startReceiver();
    okUrl = `${receiver.url}/ok`;
    brokenUrl = `${receiver.url}/broken`;
    // One failed attempt then a retry an hour later: the page shows the failure and the retry waiting.
    t = await startTestAppWithSandbox({ env: { WEBHOOK_RETRY_SCHEDULE_SECONDS: '3600' } });

    support = await newStaff(t, UserRole.Support, {
      email: SUPPORT_EMAIL,
      password: SUPPORT_PASSWORD,
    });
    acme = await newTenant(t, { email: 'ops@acme.example' });
    bakery = await newTenant(t, { email: 'hello@bakery.example' });

    const ok = await api('POST', '/api/webhook-endpoints', acme, {
      url: okUrl,
      description: 'Order sync',
      event_types: ['ping', 'post.sent', 'post.failed'],
    });
    expect(ok.status).toBe(201);
    okId = ok.body.id;
    const broken = await api('POST', '/api/webhook-endpoints', acme, { url: brokenUrl, description: 'Legacy CRM' });
    expect(broken.status).toBe(201);
    brokenId = broken.body.id;

    // A ping to each: one delivered, one refused with 500, so both have 24 h figures.
    expect((await api('POST', `/api/webhook-endpoints/${okId}/test`, acme)).status).toBe(202);
    expect((await api('POST', `/api/webhook-endpoints/${brokenId}/test`, acme)).status).toBe(202);
    await until(async () => {
      const items = await adminEndpoints();
      const health = (id: string) => items.find((e) => e.id === id)?.health;
      return health(okId)?.succeeded_24h === 1 && health(brokenId)?.last_failure !== null;
    }, 'a delivered and a failed ping in the admin API');

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'UTC' });
    page = await context.newPage();
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  it("shows each endpoint's delivery health on the tenant's page", async () => {
    await signInAsStaff(page, t.url);
    await page.goto(consoleUrl(`tenants/${acme.user.id}`));
    await expectText(page.getByTestId('tenant-name'), 'ops@acme.example');
    await expectText(page.locator('app-webhook-endpoints h2'), 'Webhook endpoints (2)');

    const ok = endpointBlock(okId);
    expect(await ok.getByTestId('webhook-url').innerText()).toBe(okUrl);
    expect(await ok.innerText()).toContain('Order sync');
    expect(await ok.getByTestId('webhook-status').innerText()).toBe('Enabled');
    expect(lines(await ok.getByTestId('webhook-success').innerText())).toEqual(['100%', '1 of 1 delivered']);
    expect(await ok.getByTestId('webhook-last-failure').innerText()).toBe('None');
    expect(await ok.getByTestId('webhook-failing-since').innerText()).toBe('Not failing');
    expect(lines(await ok.getByTestId('webhook-event-types').innerText())).toEqual([
      'Events',
      'ping',
      'post.sent',
      'post.failed',
    ]);

    const broken = endpointBlock(brokenId);
    expect(await broken.getByTestId('webhook-status').innerText()).toBe('Enabled');
    expect(lines(await broken.getByTestId('webhook-success').innerText())).toEqual(['0%', '0 of 1 delivered']);
    expect(lines(await broken.getByTestId('webhook-last-failure').innerText())[0]).toBe('HTTP 500');
    expect(await broken.getByTestId('webhook-next-retry').innerText()).not.toBe('None scheduled');
    expect(await broken.getByTestId('webhook-failing-since').innerText()).not.toBe('Not failing');
    expect(lines(await broken.getByTestId('webhook-event-types').innerText())).toEqual(['Events', 'All types']);

    await page.locator('app-webhook-endpoints').screenshot({ path: path.join(SCREENSHOTS, 'tenant-webhooks.png') });
  });

  it('asks before disabling an endpoint, disables it, then enables it again', async () => {
    const broken = endpointBlock(brokenId);
    await page.getByRole('button', { name: `Disable ${brokenUrl}` }).click();
    const dialog = page.getByRole('alertdialog');
    expect(await dialog.innerText()).toContain('Disable this webhook endpoint?');
    await dialog.getByRole('button', { name: 'Disable' }).click();
    await expectText(broken.getByTestId('webhook-status'), 'Disabled');
    await expectText(snackBar(), 'Webhook endpoint disabled.');
    await expectText(broken.getByTestId('webhook-disabled-reason'), 'disabled by support');
    expect((await api('GET', `/api/webhook-endpoints/${brokenId}`, acme)).body.status).toBe('disabled');

    await page.getByRole('button', { name: `Enable ${brokenUrl}` }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Enable' }).click();
    await expectText(broken.getByTestId('webhook-status'), 'Enabled');
    expect((await api('GET', `/api/webhook-endpoints/${brokenId}`, acme)).body.status).toBe('enabled');
    expect(await broken.getByTestId('webhook-disabled-reason').count()).toBe(0);
    const audit = await api(
      'GET',
      `/api/admin/audit?tenant_id=${acme.user.id}&action=webhook_endpoint.changed`,
      support,
    );
    const actors = (audit.body as { items: { actor_id: string }[] }).items.map((e) => e.actor_id);
    expect(actors).toEqual([support.user.id, support.user.id]);
  });

  it('replays from an event id, refusing one that is not a number, and the endpoint gets the event again', async () => {
    const [first] = to('/ok');
    const eventId = String(first?.headers['webhook-id']);
    expect(eventId).toMatch(/^[0-9]+$/);

    await page.getByRole('button', { name: `Replay events to ${okUrl}` }).click();
    const dialog = page.getByRole('dialog');
    const input = dialog.getByLabel('From event id');
    await input.fill('12abc');
    await input.blur();
    await expectText(dialog.locator('mat-error'), 'An event id is made of digits only.');
    await input.fill(eventId);
    expect(await dialog.locator('mat-error').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Replay' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expectText(snackBar(), `Events from ${eventId} on are being delivered again to ${okUrl}.`);
    await until(
      () => to('/ok').filter((d) => d.headers['webhook-id'] === eventId).length >= 2,
      'the replayed event at the endpoint',
    );
    const audit = await api(
      'GET',
      `/api/admin/audit?tenant_id=${acme.user.id}&action=webhook_endpoint.replayed`,
      support,
    );
    expect(audit.body.items[0].actor_id).toBe(support.user.id);
  });

  it('stays usable on a narrow window: the endpoints reflow, nothing scrolls sideways', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(consoleUrl(`tenants/${acme.user.id}`));
    await endpointBlock(brokenId).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBe(0);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('says so when a tenant has no webhook endpoint', async () => {
    await page.goto(consoleUrl(`tenants/${bakery.user.id}`));
    await expectText(page.getByTestId('tenant-name'), 'hello@bakery.example');
    await expectText(page.getByTestId('webhooks-empty'), 'This tenant has no webhook endpoint.');
  });
});

/** innerText of stacked elements, one entry a line. */
function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}
