import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatFormFieldHarness } from '@angular/material/form-field/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatPaginatorHarness } from '@angular/material/paginator/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';
import { MatTableHarness } from '@angular/material/table/testing';
import { provideRouter } from '@angular/router';

import { ApiTesting, paramsOf } from '../../../testing/api-testing';
import { AuditEventDto, AuditPageDto } from '../../core/api/api.generated';
import { QUERY_SCHEMAS } from '../../core/api/api-schema.generated';
import { AuditLog } from './audit-log';

const URL = '/api/admin/audit';
const TENANT = '00000000-0000-4000-8000-000000000001';

const event = (over: Partial<AuditEventDto> = {}): AuditEventDto => ({
  id: '101',
  at: '2026-11-02T09:00:00.000Z',
  action: 'tenant.suspended',
  actor_id: '00000000-0000-4000-8000-0000000000aa',
  actor_role: 'support',
  ip: '10.0.0.7',
  tenant_id: TENANT,
  target: null,
  meta: { reason: 'abuse' },
  ...over,
});
const page = (items: AuditEventDto[], total = items.length): AuditPageDto => ({ items, total, next_before: null });

describe('AuditLog', () => {
  let fixture: ComponentFixture<AuditLog>;
  let api: ApiTesting;
  let element: HTMLElement;

  const loader = () => TestbedHarnessEnvironment.loader(fixture);
  const button = (text: string) => loader().getHarness(MatButtonHarness.with({ text }));
  const emptyText = () => element.querySelector('td.empty')?.textContent?.trim();

  function create(tenantFromAddress?: string): void {
    fixture = TestBed.createComponent(AuditLog);
    if (tenantFromAddress) fixture.componentRef.setInput('tenant_id', tenantFromAddress);
    element = fixture.nativeElement as HTMLElement;
    api = new ApiTesting(fixture);
    api.settle();
  }

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
  });

  afterEach(() => api.http.verify());

  it('asks for the first page of every event and shows a loading row until it arrives', async () => {
    create();
    fixture.detectChanges();
    expect(element.querySelector('mat-progress-bar')).not.toBeNull();
    expect(emptyText()).toBe('Loading audit events…');
    const req = await api.answer('GET', URL, page([]));
    expect(paramsOf(req)).toEqual({ page: '1', limit: '25' });
    expect(element.querySelector('mat-progress-bar')).toBeNull();
    expect(emptyText()).toBe('No audit event matches these filters.');
  });

  it('shows each event: when, action, actor, tenant link, target and details', async () => {
    create();
    await api.answer('GET', URL, page([event()]));
    const table = await loader().getHarness(MatTableHarness);
    const cells = await table.getCellTextByColumnName();
    expect(cells['action'].text).toEqual(['tenant.suspended']);
    expect(cells['actor'].text[0]).toContain('support');
    expect(cells['actor'].text[0]).toContain('from 10.0.0.7');
    expect(cells['target'].text).toEqual(['—']);
    expect(cells['details'].text[0]).toContain('"reason": "abuse"');
    const link = element.querySelector<HTMLAnchorElement>('td a');
    expect(link?.getAttribute('href')).toBe(`/tenants/${TENANT}`);
  });

  it("starts filtered by the tenant from the address (a tenant page's link)", async () => {
    create(TENANT);
    const req = await api.answer('GET', URL, page([event()]));
    expect(paramsOf(req)).toEqual({ tenant_id: TENANT, page: '1', limit: '25' });
    const input = await loader().getHarness(MatInputHarness.with({ selector: '[data-testid="audit-tenant"]' }));
    expect(await input.getValue()).toBe(TENANT);
  });

  it('filters by tenant, action and days (the "to" day included), from the first page', async () => {
    create();
    await api.answer('GET', URL, page([event()], 60));
    const paginator = await loader().getHarness(MatPaginatorHarness);
    await api.act(() => paginator.goToNextPage());
    await api.answer('GET', URL, page([event()], 60));

    await (
      await loader().getHarness(MatInputHarness.with({ selector: '[data-testid="audit-tenant"]' }))
    ).setValue(` ${TENANT} `);
    const action = await loader().getHarness(MatSelectHarness.with({ selector: '[data-testid="audit-action"]' }));
    await action.open();
    await action.clickOptions({ text: 'tenant.suspended' });
    await (
      await loader().getHarness(MatInputHarness.with({ selector: '[formcontrolname="from"]' }))
    ).setValue('2026-11-01');
    await (
      await loader().getHarness(MatInputHarness.with({ selector: '[formcontrolname="to"]' }))
    ).setValue('2026-11-02');
    const apply = await button('Apply filters');
    await api.act(() => apply.click());
    const req = await api.answer('GET', URL, page([event()]));
    expect(paramsOf(req)).toEqual({
      tenant_id: TENANT,
      action: 'tenant.suspended',
      from: new Date(2026, 10, 1).toISOString(),
      to: new Date(2026, 10, 3).toISOString(),
      page: '1',
      limit: '25',
    });
    // Many harness steps; a busy two-core machine needs more than the default 5 s.
  }, 20_000);

  it("refuses a tenant id that is not a uuid (the API schema's format) and asks nothing", async () => {
    create();
    await api.answer('GET', URL, page([]));
    await (
      await loader().getHarness(MatInputHarness.with({ selector: '[data-testid="audit-tenant"]' }))
    ).setValue('3f2c');
    const apply = await button('Apply filters');
    await api.act(() => apply.click());
    api.expectNone('GET', URL);
    fixture.detectChanges();
    const field = await loader().getHarness(MatFormFieldHarness.with({ floatingLabelText: 'Tenant id' }));
    expect(await field.getTextErrors()).toEqual(["A tenant id looks like 3f2c…-…; copy it from the tenant's page."]);
  });

  it('clears the filters and asks again for everything', async () => {
    create(TENANT);
    await api.answer('GET', URL, page([event()]));
    const clear = await button('Clear');
    await api.act(() => clear.click());
    const req = await api.answer('GET', URL, page([]));
    expect(paramsOf(req)).toEqual({ page: '1', limit: '25' });
  });

  it('pages on the server, with page sizes within the API limit', async () => {
    create();
    await api.answer('GET', URL, page([event()], 60));
    const paginator = await loader().getHarness(MatPaginatorHarness);
    expect(await paginator.getRangeLabel()).toBe('1 – 25 of 60');
    await api.act(() => paginator.goToNextPage());
    expect(paramsOf(await api.answer('GET', URL, page([event()], 60)))).toEqual({ page: '2', limit: '25' });
    await api.act(() => paginator.setPageSize(QUERY_SCHEMAS['GET /api/admin/audit'].limit.maximum));
    const req = await api.answer('GET', URL, page([event()], 60));
    expect(paramsOf(req)['limit']).toBe(String(QUERY_SCHEMAS['GET /api/admin/audit'].limit.maximum));
  });

  it("shows the API's message when the log cannot be loaded, and loads it on Try again", async () => {
    create();
    await api.fail('GET', URL, 400, 'VALIDATION_FAILED', 'from must be before to.');
    expect(element.querySelector('[data-testid="load-error"] p')?.textContent?.trim()).toBe(
      'The audit log could not be loaded: from must be before to.',
    );
    expect(emptyText()).toBe('No audit events to show.');
    const snackBar = await TestbedHarnessEnvironment.documentRootLoader(fixture).getHarness(MatSnackBarHarness);
    expect(await snackBar.getMessage()).toBe('from must be before to.');
    const retry = await button('Try again');
    await api.act(() => retry.click());
    await api.answer('GET', URL, page([event()]));
    expect(element.querySelector('[data-testid="load-error"]')).toBeNull();
  });
});
