import { provideHttpClient } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';
import { By } from '@angular/platform-browser';
import { provideRouter } from '@angular/router';

import { ApiTesting } from '../../../testing/api-testing';
import { TenantChannelDto, TenantDetailDto } from '../../core/api/api.generated';
import { ChannelAnalytics } from './channel-analytics';
import { TenantDetail } from './tenant-detail';

const ID = '00000000-0000-4000-8000-000000000001';
const URL = `/api/admin/tenants/${ID}`;
const WEBHOOKS = `${URL}/webhook-endpoints`;

/** The channel analytics section has a spec of its own; here only what the page gives it matters. */
@Component({ selector: 'app-channel-analytics', template: '', changeDetection: ChangeDetectionStrategy.OnPush })
class FakeChannelAnalytics {
  readonly tenantId = input.required<string>();
  readonly channels = input.required<readonly TenantChannelDto[]>();
}

const detail = (over: Partial<TenantDetailDto> = {}): TenantDetailDto => ({
  id: ID,
  email: 'ops@acme.example',
  telegram_user_id: '5550001001',
  status: 'active',
  created_at: '2026-11-01T10:00:00.000Z',
  updated_at: '2026-11-02T10:00:00.000Z',
  bot: {
    configured: true,
    bot_id: '42',
    username: 'acme_news_bot',
    verified: true,
    webhook: {
      checked: true,
      healthy: false,
      url: 'https://hooks.acme.example/telegram',
      pending_update_count: 3,
      last_error_message: 'Wrong response from the webhook: 502 Bad Gateway',
      last_error_at: '2026-11-02T09:00:00.000Z',
    },
  },
  mtproto: { configured: true, verified: true, connected: true, phone_masked: '+1 *** *** 0101', last_used_at: null },
  integration: {
    configured: true,
    has_bot_token: true,
    has_session: true,
    is_bot_verified: true,
    is_mtproto_verified: true,
    rate_limit_rps: 30,
    max_concurrent_requests: 8,
  },
  channels: [
    {
      id: 'c1',
      title: 'Acme News',
      telegram_id: '-1001234567890',
      type: 'channel',
      username: 'acme_news',
      bot_is_admin: true,
      bot_can_post: false,
      admin_checked_at: null,
    },
  ],
  channels_count: 1,
  ...over,
});

describe('TenantDetail', () => {
  let fixture: ComponentFixture<TenantDetail>;
  let api: ApiTesting;
  let element: HTMLElement;

  const loader = () => TestbedHarnessEnvironment.loader(fixture);
  const rootLoader = () => TestbedHarnessEnvironment.documentRootLoader(fixture);
  const text = (selector: string) => element.querySelector(selector)?.textContent?.replace(/\s+/g, ' ').trim();
  const snackBarMessage = async () => (await rootLoader().getHarness(MatSnackBarHarness)).getMessage();

  /** Clicks a page button, then the dialog's button named `answer` ("Cancel" or the action). */
  async function clickAndConfirm(label: string, answer: string): Promise<void> {
    const button = await loader().getHarness(MatButtonHarness.with({ text: label }));
    await api.act(() => button.click());
    const dialog = await rootLoader().getHarness(MatDialogHarness);
    const choice = await dialog.getHarness(MatButtonHarness.with({ text: answer }));
    await api.act(() => choice.click());
  }

  /** Answers the tenant, then the webhook endpoints its page asks for once the tenant is shown. */
  async function open(tenant: TenantDetailDto = detail()): Promise<void> {
    await api.answer('GET', URL, tenant);
    await api.answer('GET', WEBHOOKS, { items: [] });
  }

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
    TestBed.overrideComponent(TenantDetail, {
      remove: { imports: [ChannelAnalytics] },
      add: { imports: [FakeChannelAnalytics] },
    });
    fixture = TestBed.createComponent(TenantDetail);
    fixture.componentRef.setInput('id', ID);
    element = fixture.nativeElement as HTMLElement;
    api = new ApiTesting(fixture);
  });

  afterEach(() => api.http.verify());

  it('shows a loading bar until the tenant arrives', async () => {
    api.settle();
    fixture.detectChanges();
    expect(element.querySelector('mat-progress-bar')).not.toBeNull();
    expect(element.querySelector('h1')).toBeNull();
    await open();
    expect(element.querySelector('mat-progress-bar')).toBeNull();
  });

  it("shows the profile, the bot's webhook health, the MTProto account, the channels, the limits and the webhook endpoints", async () => {
    await open();
    expect(text('[data-testid="tenant-name"]')).toBe('ops@acme.example');
    expect(text('[data-testid="tenant-status"]')).toBe('Active');
    expect(text('[data-testid="bot-facts"]')).toContain('@acme_news_bot');
    expect(text('[data-testid="bot-facts"]')).toContain('Failing');
    expect(text('[data-testid="bot-last-error"]')).toContain('Wrong response from the webhook: 502 Bad Gateway');
    expect(text('[data-testid="mtproto-verified"]')).toBe('Yes');
    expect(text('[data-testid="mtproto-facts"]')).toContain('+1 *** *** 0101');
    const cells = [...element.querySelectorAll('table[aria-label="Channels"] tbody td')].map((td) =>
      td.textContent?.trim(),
    );
    expect(cells).toEqual(['Acme News', '@acme_news', 'channel', 'Yes', 'No', 'Never']);
    const rps = await loader().getHarness(MatInputHarness.with({ selector: '[data-testid="limit-rps"]' }));
    expect(await rps.getValue()).toBe('30');
    const analytics = fixture.debugElement
      .query(By.directive(FakeChannelAnalytics))
      ?.injector.get(FakeChannelAnalytics);
    expect(analytics?.tenantId()).toBe(ID);
    expect(analytics?.channels().map((c) => c.title)).toEqual(['Acme News']);
    expect(text('[data-testid="webhooks-empty"]')).toBe('This tenant has no webhook endpoint.');
    expect(document.title).toContain('ops@acme.example');
  });

  it('has no channel analytics for a tenant without a channel', async () => {
    await open(detail({ channels: [], channels_count: 0 }));
    expect(text('.channels p.empty')).toBe('This tenant has not added a channel.');
    expect(element.querySelector('app-channel-analytics')).toBeNull();
  });

  it('says there is no such tenant on 404, without an error snack bar', async () => {
    await api.fail('GET', URL, 404, 'NOT_FOUND', 'Tenant not found.');
    expect(text('p.empty')).toBe('There is no tenant with this id. It may have been deleted.');
    expect(element.querySelector('[data-testid="load-error"]')).toBeNull();
    expect(await rootLoader().getAllHarnesses(MatSnackBarHarness)).toEqual([]);
  });

  it("shows the API's message when the tenant cannot be loaded, and loads it on Try again", async () => {
    await api.fail('GET', URL, 503, 'UNAVAILABLE', 'The database is not answering.');
    expect(text('[data-testid="load-error"] p')).toBe('The tenant could not be loaded: The database is not answering.');
    expect(await snackBarMessage()).toBe('The database is not answering.');
    const retry = await loader().getHarness(MatButtonHarness.with({ text: 'Try again' }));
    await api.act(() => retry.click());
    await open();
    expect(text('[data-testid="tenant-name"]')).toBe('ops@acme.example');
    expect(element.querySelector('[data-testid="load-error"]')).toBeNull();
  });

  it('suspends the tenant after confirmation and shows the new status', async () => {
    await open();
    await clickAndConfirm('Suspend', 'Suspend');
    const req = await api.answer('PATCH', URL, detail({ status: 'suspended' }));
    expect(req.request.body).toEqual({ status: 'suspended' });
    expect(text('[data-testid="tenant-status"]')).toBe('Suspended');
    expect(await snackBarMessage()).toBe('Tenant suspended.');
    expect((await loader().getHarness(MatButtonHarness.with({ text: 'Reactivate' }))).host()).toBeTruthy();
  });

  it('reactivates a suspended tenant', async () => {
    await open(detail({ status: 'suspended' }));
    await clickAndConfirm('Reactivate', 'Reactivate');
    const req = await api.answer('PATCH', URL, detail({ status: 'active' }));
    expect(req.request.body).toEqual({ status: 'active' });
    expect(text('[data-testid="tenant-status"]')).toBe('Active');
  });

  it('does nothing when the suspension is cancelled', async () => {
    await open();
    await clickAndConfirm('Suspend', 'Cancel');
    await fixture.whenStable();
    api.expectNone('PATCH', URL);
    expect(text('[data-testid="tenant-status"]')).toBe('Active');
  });

  it("shows the API's message when the suspension is refused", async () => {
    await open();
    await clickAndConfirm('Suspend', 'Suspend');
    await api.fail('PATCH', URL, 403, 'FORBIDDEN', 'Only admins can suspend a tenant.');
    expect(await snackBarMessage()).toBe('Only admins can suspend a tenant.');
    expect(text('[data-testid="tenant-status"]')).toBe('Active');
  });

  it('forces an MTProto disconnect after confirmation, then reloads the tenant', async () => {
    await open();
    await clickAndConfirm('Force MTProto disconnect', 'Disconnect');
    const disconnected = { configured: true, verified: false, connected: false, phone_masked: null };
    await api.answer('POST', `${URL}/mtproto/disconnect`, { had_session: true, mtproto: disconnected });
    await api.answer('GET', URL, detail({ mtproto: disconnected }));
    expect(await snackBarMessage()).toBe('MTProto session cleared.');
    expect(text('[data-testid="mtproto-verified"]')).toBe('No');
    const button = await loader().getHarness(MatButtonHarness.with({ text: 'Force MTProto disconnect' }));
    expect(await button.isDisabled()).toBe(true);
  });

  it('saves new limits, then reloads the tenant', async () => {
    await open();
    const rps = await loader().getHarness(MatInputHarness.with({ selector: '[data-testid="limit-rps"]' }));
    await rps.setValue('50');
    const save = await loader().getHarness(MatButtonHarness.with({ text: 'Save limits' }));
    await api.act(() => save.click());
    const req = await api.answer('PATCH', `${URL}/limits`, { rate_limit_rps: 50, max_concurrent_requests: 8 });
    expect(req.request.body).toEqual({ rate_limit_rps: 50, max_concurrent_requests: 8 });
    const integration = { ...detail().integration, rate_limit_rps: 50 };
    await api.answer('GET', URL, detail({ integration }));
    expect(await snackBarMessage()).toBe('Limits saved: 50 requests per second, 8 at a time.');
    expect(await rps.getValue()).toBe('50');
  });
});
