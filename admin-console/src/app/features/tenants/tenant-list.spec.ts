import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatChipHarness } from '@angular/material/chips/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatPaginatorHarness } from '@angular/material/paginator/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';
import { MatSortHarness } from '@angular/material/sort/testing';
import { MatTableHarness } from '@angular/material/table/testing';
import { provideRouter } from '@angular/router';

import { ApiTesting } from '../../../testing/api-testing';
import { TenantListItemDto, TenantPageDto } from '../../core/api/api.generated';
import { TenantList } from './tenant-list';

const tenant = (over: Partial<TenantListItemDto>): TenantListItemDto => ({
  id: '00000000-0000-4000-8000-000000000001',
  email: 'ops@acme.example',
  telegram_user_id: '5550001001',
  status: 'active',
  bot_username: 'acme_news_bot',
  is_bot_verified: true,
  is_mtproto_verified: false,
  created_at: '2026-11-01T10:00:00.000Z',
  ...over,
});

const page = (items: TenantListItemDto[], total = items.length, pageNo = 1): TenantPageDto => ({
  items,
  total,
  page: pageNo,
  page_size: 20,
});

describe('TenantList', () => {
  let fixture: ComponentFixture<TenantList>;
  let api: ApiTesting;

  /** The one pending tenants request, answered with `body`; returns its query parameters. */
  async function answer(body: TenantPageDto): Promise<URLSearchParams> {
    const req = await api.answer('GET', '/api/admin/tenants', body);
    return new URLSearchParams(req.request.params.toString());
  }

  const loader = () => TestbedHarnessEnvironment.loader(fixture);

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
    fixture = TestBed.createComponent(TenantList);
    api = new ApiTesting(fixture);
    api.settle();
  });

  afterEach(() => api.http.verify());

  it('asks for the newest tenants first, one page of 20', async () => {
    const params = await answer(page([]));
    expect(Object.fromEntries(params)).toEqual({ sort: 'created_at', order: 'desc', page: '1', page_size: '20' });
  });

  it('shows each tenant with a link to its page, its bot and status chips', async () => {
    await answer(
      page([
        tenant({}),
        tenant({
          id: '00000000-0000-4000-8000-000000000002',
          email: null,
          telegram_user_id: '7001234567',
          bot_username: null,
          is_bot_verified: false,
          status: 'suspended',
        }),
      ]),
    );
    const table = await loader().getHarness(MatTableHarness);
    const rows = await table.getCellTextByColumnName();
    expect(rows['email'].text).toEqual(['ops@acme.example', 'Telegram user 7001234567']);
    expect(rows['bot_username'].text).toEqual(['@acme_news_bot', '—']);
    expect(rows['status'].text).toEqual(['Active', 'Suspended']);
    const chips = await loader().getAllHarnesses(MatChipHarness);
    expect(await Promise.all(chips.map((c) => c.getText()))).toEqual([
      'Bot verified',
      'MTProto not verified',
      'Active',
      'Bot not verified',
      'MTProto not verified',
      'Suspended',
    ]);
    const link = (fixture.nativeElement as HTMLElement).querySelector<HTMLAnchorElement>('a.tenant-link');
    expect(link?.getAttribute('href')).toBe('/tenants/00000000-0000-4000-8000-000000000001');
  });

  it('searches on the server once staff stop typing, from the first page', async () => {
    await answer(page([tenant({})], 45));
    const search = await loader().getHarness(MatInputHarness.with({ selector: '[data-testid="tenant-search"]' }));
    await api.act(() => search.setValue('  acme '));
    await new Promise((resolve) => setTimeout(resolve, 350));
    const params = await answer(page([tenant({})]));
    expect(params.get('search')).toBe('acme');
    expect(params.get('page')).toBe('1');
  });

  it('sorts on the server when a column header is chosen', async () => {
    await answer(page([tenant({})]));
    const sort = await loader().getHarness(MatSortHarness);
    const [email] = await sort.getSortHeaders({ label: 'Tenant' });
    await api.act(() => email.click());
    const params = await answer(page([tenant({})]));
    expect(params.get('sort')).toBe('email');
    expect(params.get('order')).toBe('asc');
  });

  it('pages on the server and keeps the total for the paginator', async () => {
    await answer(page([tenant({})], 45));
    const paginator = await loader().getHarness(MatPaginatorHarness);
    expect(await paginator.getRangeLabel()).toBe('1 – 20 of 45');
    await api.act(() => paginator.goToNextPage());
    const params = await answer(page([tenant({})], 45, 2));
    expect(params.get('page')).toBe('2');
  });

  it('says when no tenant matches the search', async () => {
    await answer(page([]));
    const search = await loader().getHarness(MatInputHarness.with({ selector: '[data-testid="tenant-search"]' }));
    await api.act(() => search.setValue('nobody'));
    await new Promise((resolve) => setTimeout(resolve, 350));
    await answer(page([]));
    expect((fixture.nativeElement as HTMLElement).querySelector('td.empty')?.textContent?.trim()).toBe(
      'No tenant matches “nobody”.',
    );
  });

  it('shows a loading bar until the answer arrives', async () => {
    const element = fixture.nativeElement as HTMLElement;
    fixture.detectChanges();
    expect(element.querySelector('mat-progress-bar')).not.toBeNull();
    expect(element.querySelector('td.empty')?.textContent?.trim()).toBe('Loading tenants…');
    await answer(page([]));
    expect(element.querySelector('mat-progress-bar')).toBeNull();
    expect(element.querySelector('td.empty')?.textContent?.trim()).toBe('No tenants yet.');
  });

  it("shows the API's error message in a snack bar", async () => {
    await api.fail('GET', '/api/admin/tenants', 403, 'FORBIDDEN', 'Support staff only.');
    const snackBar = await TestbedHarnessEnvironment.documentRootLoader(fixture).getHarness(MatSnackBarHarness);
    expect(await snackBar.getMessage()).toBe('Support staff only.');
  });

  it('says why the tenants could not be loaded and asks again on "Try again"', async () => {
    await api.fail('GET', '/api/admin/tenants', 503, 'UNAVAILABLE', 'The database is not answering.');
    const element = fixture.nativeElement as HTMLElement;
    expect(element.querySelector('[data-testid="load-error"]')?.textContent).toContain(
      'The tenants could not be loaded: The database is not answering.',
    );
    expect(element.querySelector('td.empty')?.textContent?.trim()).toBe('No tenants to show.');
    const retry = await loader().getHarness(MatButtonHarness.with({ text: 'Try again' }));
    await api.act(() => retry.click());
    const params = await answer(page([tenant({})]));
    expect(params.get('page')).toBe('1');
    expect(element.querySelector('[data-testid="load-error"]')).toBeNull();
    const table = await loader().getHarness(MatTableHarness);
    expect((await table.getCellTextByColumnName())['email'].text).toEqual(['ops@acme.example']);
  });

  it('keeps the current page on screen while the next one loads', async () => {
    await answer(page([tenant({})], 45));
    const paginator = await loader().getHarness(MatPaginatorHarness);
    await api.act(() => paginator.goToNextPage());
    api.settle();
    fixture.detectChanges();
    expect((fixture.nativeElement as HTMLElement).querySelector('a.tenant-link')?.textContent).toBe('ops@acme.example');
    await answer(page([tenant({ email: 'second@page.example' })], 45, 2));
    expect((fixture.nativeElement as HTMLElement).querySelector('a.tenant-link')?.textContent).toBe(
      'second@page.example',
    );
  });
});
