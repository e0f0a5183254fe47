import { formatDate } from '@angular/common';
import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatFormFieldHarness } from '@angular/material/form-field/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';

import { ApiTesting } from '../../../testing/api-testing';
import { WebhookEndpoints } from './webhook-endpoints';
import { AdminWebhookEndpointDto } from '../../core/api/api.generated';

const TENANT = '00000000-0000-4000-8000-000000000001';
const URL = `/api/admin/tenants/${TENANT}/webhook-endpoints`;
const FAILING_ID = '10000000-0000-4000-8000-000000000001';
const QUIET_ID = '10000000-0000-4000-8000-000000000002';

const failing = (over: Partial<AdminWebhookEndpointDto> = {}): AdminWebhookEndpointDto => ({
  id: FAILING_ID,
  url: 'https://hooks.acme.example/tenantgram',
  description: 'Order sync',
  event_types: ['bot.message', 'post.failed'],
  status: 'enabled',
  created_at: '2026-11-01T10:00:00.000Z',
  disabled_reason: null,
  health: {
    attempts_24h: 200,
    succeeded_24h: 197,
    success_rate: 0.985,
    last_failure: { at: '2026-12-04T09:30:00.000Z', status_code: 502, error: 'Bad Gateway' },
    next_retry_at: '2026-12-04T10:00:00.000Z',
    failing_since: '2026-12-04T09:00:00.000Z',
  },
  ...over,
});

const quiet = (over: Partial<AdminWebhookEndpointDto> = {}): AdminWebhookEndpointDto => ({
  id: QUIET_ID,
  url: 'http://10.0.0.7:8080/events',
  description: null,
  event_types: [],
  status: 'disabled',
  created_at: '2026-11-02T10:00:00.000Z',
  disabled_reason: 'Deliveries failed for 3 days.',
  health: {
    attempts_24h: 0,
    succeeded_24h: 0,
    success_rate: null,
    last_failure: { at: '2026-12-01T08:00:00.000Z', status_code: null, error: 'connect ECONNREFUSED 10.0.0.7:8080' },
    next_retry_at: null,
    failing_since: null,
  },
  ...over,
});

describe('WebhookEndpoints', () => {
  let fixture: ComponentFixture<WebhookEndpoints>;
  let api: ApiTesting;
  let element: HTMLElement;

  const loader = () => TestbedHarnessEnvironment.loader(fixture);
  const rootLoader = () => TestbedHarnessEnvironment.documentRootLoader(fixture);
  const clean = (s: string | null | undefined) => s?.replace(/\s+/g, ' ').trim();
  const endpoint = (id: string) => element.querySelector<HTMLElement>(`[data-endpoint-id="${id}"]`);
  const field = (id: string, testId: string) =>
    clean(endpoint(id)?.querySelector(`[data-testid="${testId}"]`)?.textContent);
  /** The lines of a health figure: each is an element of its own, laid out one under the other. */
  const lines = (id: string, testId: string) =>
    [...(endpoint(id)?.querySelector(`[data-testid="${testId}"]`)?.children ?? [])].map((c) => clean(c.textContent));
  const snackBarMessage = async () => (await rootLoader().getHarness(MatSnackBarHarness)).getMessage();
  const medium = (iso: string) => clean(formatDate(iso, 'medium', 'en-US'));
  const button = (name: string) => loader().getHarness(MatButtonHarness.with({ selector: `[aria-label="${name}"]` }));

  /** Clicks a page button, then the dialog's button named `answer` ("Cancel" or the action). */
  async function clickAndConfirm(name: string, answer: string): Promise<void> {
    const target = await button(name);
    await api.act(() => target.click());
    const dialog = await rootLoader().getHarness(MatDialogHarness);
    const choice = await dialog.getHarness(MatButtonHarness.with({ text: answer }));
    await api.act(() => choice.click());
  }

  /** Opens the replay dialog of the failing endpoint and types `value` into its event id field. */
  async function openReplay(value: string): Promise<MatDialogHarness> {
    const replay = await button(`Replay events to ${failing().url}`);
    await api.act(() => replay.click());
    const dialog = await rootLoader().getHarness(MatDialogHarness);
    const input = await dialog.getHarness(MatInputHarness.with({ selector: '[data-testid="replay-from"]' }));
    await input.setValue(value);
    await input.blur();
    return dialog;
  }

  const replayErrors = async (dialog: MatDialogHarness) =>
    (await dialog.getHarness(MatFormFieldHarness.with({ floatingLabelText: 'From event id' }))).getTextErrors();

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    fixture = TestBed.createComponent(WebhookEndpoints);
    fixture.componentRef.setInput('tenantId', TENANT);
    element = fixture.nativeElement as HTMLElement;
    api = new ApiTesting(fixture);
  });

  afterEach(() => api.http.verify());

  it("shows each endpoint's url, description, status, event types and its last 24 h of deliveries", async () => {
    await api.answer('GET', URL, { items: [failing(), quiet()] });
    expect(clean(element.querySelector('h2')?.textContent)).toBe('Webhook endpoints (2)');

    expect(field(FAILING_ID, 'webhook-url')).toBe('https://hooks.acme.example/tenantgram');
    expect(clean(endpoint(FAILING_ID)?.querySelector('.description')?.textContent)).toBe('Order sync');
    expect(field(FAILING_ID, 'webhook-status')).toBe('Enabled');
    expect(lines(FAILING_ID, 'webhook-success')).toEqual(['98.5%', '197 of 200 delivered']);
    expect(lines(FAILING_ID, 'webhook-last-failure')).toEqual([
      'HTTP 502',
      'Bad Gateway',
      medium('2026-12-04T09:30:00.000Z'),
    ]);
    expect(field(FAILING_ID, 'webhook-next-retry')).toBe(medium('2026-12-04T10:00:00.000Z'));
    expect(field(FAILING_ID, 'webhook-failing-since')).toBe(medium('2026-12-04T09:00:00.000Z'));
    expect(lines(FAILING_ID, 'webhook-event-types')).toEqual(['Events', 'bot.message', 'post.failed']);
    expect(endpoint(FAILING_ID)?.querySelector('[data-testid="webhook-disabled-reason"]')).toBeNull();
  });

  it('shows a disabled endpoint with its reason, no attempts, an endpoint that did not answer, and all types', async () => {
    await api.answer('GET', URL, { items: [quiet()] });
    expect(field(QUIET_ID, 'webhook-status')).toBe('Disabled');
    expect(field(QUIET_ID, 'webhook-disabled-reason')).toBe('Deliveries failed for 3 days.');
    expect(clean(endpoint(QUIET_ID)?.querySelector('.description')?.textContent)).toBe('No description');
    expect(field(QUIET_ID, 'webhook-success')).toBe('No attempts');
    expect(lines(QUIET_ID, 'webhook-last-failure')).toEqual([
      'No answer',
      'connect ECONNREFUSED 10.0.0.7:8080',
      medium('2026-12-01T08:00:00.000Z'),
    ]);
    expect(field(QUIET_ID, 'webhook-next-retry')).toBe('None scheduled');
    expect(field(QUIET_ID, 'webhook-failing-since')).toBe('Not failing');
    expect(lines(QUIET_ID, 'webhook-event-types')).toEqual(['Events', 'All types']);
    expect(await (await button(`Enable ${quiet().url}`)).getText()).toBe('Enable');
  });

  it('says so when the tenant has no webhook endpoint', async () => {
    await api.answer('GET', URL, { items: [] });
    expect(clean(element.querySelector('[data-testid="webhooks-empty"]')?.textContent)).toBe(
      'This tenant has no webhook endpoint.',
    );
    expect(element.querySelector('[data-testid="webhook-endpoint"]')).toBeNull();
    expect(clean(element.querySelector('h2')?.textContent)).toBe('Webhook endpoints (0)');
  });

  it("shows the API's message when the endpoints cannot be loaded, and loads them on Try again", async () => {
    await api.fail('GET', URL, 503, 'UNAVAILABLE', 'The database is not answering.');
    expect(clean(element.querySelector('[data-testid="load-error"] p')?.textContent)).toBe(
      'The webhook endpoints could not be loaded: The database is not answering.',
    );
    expect(await snackBarMessage()).toBe('The database is not answering.');
    expect(element.querySelector('[data-testid="webhooks-empty"]')).toBeNull();
    const retry = await loader().getHarness(MatButtonHarness.with({ text: 'Try again' }));
    await api.act(() => retry.click());
    await api.answer('GET', URL, { items: [failing()] });
    expect(element.querySelector('[data-testid="load-error"]')).toBeNull();
    expect(field(FAILING_ID, 'webhook-url')).toBe('https://hooks.acme.example/tenantgram');
  });

  it('disables an endpoint after confirmation, shows its new status, then reloads the health figures', async () => {
    await api.answer('GET', URL, { items: [failing(), quiet()] });
    await clickAndConfirm(`Disable ${failing().url}`, 'Disable');
    const disabled = failing({ status: 'disabled', disabled_reason: 'Disabled by support.' });
    const req = await api.answer('PATCH', `${URL}/${FAILING_ID}`, disabled);
    expect(req.request.body).toEqual({ status: 'disabled' });
    expect(field(FAILING_ID, 'webhook-status')).toBe('Disabled');
    await api.answer('GET', URL, { items: [disabled, quiet()] });
    expect(await snackBarMessage()).toBe('Webhook endpoint disabled.');
    expect(field(FAILING_ID, 'webhook-disabled-reason')).toBe('Disabled by support.');
    expect(await (await button(`Enable ${failing().url}`)).getText()).toBe('Enable');
  });

  it('enables a disabled endpoint after confirmation', async () => {
    await api.answer('GET', URL, { items: [quiet()] });
    await clickAndConfirm(`Enable ${quiet().url}`, 'Enable');
    const enabled = quiet({ status: 'enabled', disabled_reason: null });
    const req = await api.answer('PATCH', `${URL}/${QUIET_ID}`, enabled);
    expect(req.request.body).toEqual({ status: 'enabled' });
    await api.answer('GET', URL, { items: [enabled] });
    expect(field(QUIET_ID, 'webhook-status')).toBe('Enabled');
    expect(endpoint(QUIET_ID)?.querySelector('[data-testid="webhook-disabled-reason"]')).toBeNull();
    expect(await snackBarMessage()).toBe('Webhook endpoint enabled.');
  });

  it('changes nothing when the confirmation is cancelled', async () => {
    await api.answer('GET', URL, { items: [failing()] });
    await clickAndConfirm(`Disable ${failing().url}`, 'Cancel');
    await fixture.whenStable();
    api.expectNone('PATCH', `${URL}/${FAILING_ID}`);
    expect(field(FAILING_ID, 'webhook-status')).toBe('Enabled');
  });

  it("shows the API's message when the status change is refused, and keeps the status", async () => {
    await api.answer('GET', URL, { items: [failing()] });
    await clickAndConfirm(`Disable ${failing().url}`, 'Disable');
    await api.fail('PATCH', `${URL}/${FAILING_ID}`, 404, 'WEBHOOK_ENDPOINT_NOT_FOUND', 'Webhook endpoint not found.');
    expect(await snackBarMessage()).toBe('Webhook endpoint not found.');
    expect(field(FAILING_ID, 'webhook-status')).toBe('Enabled');
    expect(await (await button(`Disable ${failing().url}`)).isDisabled()).toBe(false);
  });

  it('replays from an event id typed in the dialog', async () => {
    await api.answer('GET', URL, { items: [failing()] });
    const dialog = await openReplay(' 1042 ');
    expect(await replayErrors(dialog)).toEqual([]);
    const submit = await dialog.getHarness(MatButtonHarness.with({ text: 'Replay' }));
    await api.act(() => submit.click());
    const req = await api.answer('POST', `${URL}/${FAILING_ID}/replay`, { from_event_id: '1042' });
    expect(req.request.body).toEqual({ from_event_id: '1042' });
    expect(await snackBarMessage()).toBe(
      'Events from 1042 on are being delivered again to https://hooks.acme.example/tenantgram.',
    );
  });

  it.each([
    ['', 'Enter the id of the first event to deliver again.'],
    ['12a', 'An event id is made of digits only.'],
    ['-5', 'An event id is made of digits only.'],
    ['1.5', 'An event id is made of digits only.'],
    ['9223372036854775808', 'Event ids are at most 9223372036854775807.'],
  ])('refuses %j as an event id without sending anything', async (value, message) => {
    await api.answer('GET', URL, { items: [failing()] });
    const dialog = await openReplay(value);
    expect(await replayErrors(dialog)).toEqual([message]);
    const submit = await dialog.getHarness(MatButtonHarness.with({ text: 'Replay' }));
    await api.act(() => submit.click());
    expect(await rootLoader().getAllHarnesses(MatDialogHarness)).toHaveLength(1);
    api.expectNone('POST', `${URL}/${FAILING_ID}/replay`);
    const cancel = await dialog.getHarness(MatButtonHarness.with({ text: 'Cancel' }));
    await api.act(() => cancel.click());
  });

  it('accepts the largest event id', async () => {
    await api.answer('GET', URL, { items: [failing()] });
    const dialog = await openReplay('9223372036854775807');
    expect(await replayErrors(dialog)).toEqual([]);
    await api.act(() => dialog.close());
  });

  it('sends nothing when the replay is cancelled', async () => {
    await api.answer('GET', URL, { items: [failing()] });
    const dialog = await openReplay('1042');
    const cancel = await dialog.getHarness(MatButtonHarness.with({ text: 'Cancel' }));
    await api.act(() => cancel.click());
    await fixture.whenStable();
    api.expectNone('POST', `${URL}/${FAILING_ID}/replay`);
  });

  it("shows the API's message when the replay is refused", async () => {
    await api.answer('GET', URL, { items: [failing()] });
    const dialog = await openReplay('1042');
    const submit = await dialog.getHarness(MatButtonHarness.with({ text: 'Replay' }));
    await api.act(() => submit.click());
    await api.fail(
      'POST',
      `${URL}/${FAILING_ID}/replay`,
      409,
      'WEBHOOK_ENDPOINT_DISABLED',
      'Enable the endpoint first.',
    );
    expect(await snackBarMessage()).toBe('Enable the endpoint first.');
  });
});
