import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, linkedSignal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { MatChip, MatChipSet } from '@angular/material/chips';
import { MatFormField, MatHint, MatLabel } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import { MatPaginator, PageEvent } from '@angular/material/paginator';
import { MatProgressBar } from '@angular/material/progress-bar';
import { MatSort, MatSortHeader, Sort } from '@angular/material/sort';
import {
  MatCell,
  MatCellDef,
  MatColumnDef,
  MatHeaderCell,
  MatHeaderCellDef,
  MatHeaderRow,
  MatHeaderRowDef,
  MatNoDataRow,
  MatRow,
  MatRowDef,
  MatTable,
} from '@angular/material/table';
import { Router, RouterLink } from '@angular/router';
import { debounceTime, distinctUntilChanged, map } from 'rxjs';

import { TenantListItemDto, TenantgramApi } from '../../core/api/api.generated';
import { QUERY_SCHEMAS } from '../../core/api/api-schema.generated';
import { apiResource } from '../../core/data/api-resource';
import { LoadError } from '../../core/data/load-error';

/** The list's query parameters in the API schema: sortable columns, page size bounds and defaults. */
const QUERY = QUERY_SCHEMAS['GET /api/admin/tenants'];
type SortField = (typeof QUERY.sort.enum)[number];
const SORTABLE: readonly string[] = QUERY.sort.enum;
/** Page sizes offered, within the server's page_size bounds. */
const PAGE_SIZES = [10, 20, 50, 100].filter((n) => n >= QUERY.page_size.minimum && n <= QUERY.page_size.maximum);

interface TenantQuery {
  search: string;
  sort: SortField;
  order: (typeof QUERY.order.enum)[number];
  page: number;
  pageSize: number;
}

@Component({
  selector: 'app-tenant-list',
  imports: [
    DatePipe,
    LoadError,
    MatCell,
    MatCellDef,
    MatChip,
    MatChipSet,
    MatColumnDef,
    MatFormField,
    MatHeaderCell,
    MatHeaderCellDef,
    MatHeaderRow,
    MatHeaderRowDef,
    MatHint,
    MatInput,
    MatLabel,
    MatNoDataRow,
    MatPaginator,
    MatProgressBar,
    MatRow,
    MatRowDef,
    MatSort,
    MatSortHeader,
    MatTable,
    ReactiveFormsModule,
    RouterLink,
  ],
  templateUrl: './tenant-list.html',
  styleUrl: './tenant-list.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TenantList {
  private readonly api = inject(TenantgramApi);
  private readonly router = inject(Router);

  protected readonly columns = ['email', 'telegram_user_id', 'bot_username', 'integrations', 'status', 'created_at'];
  protected readonly pageSizes = PAGE_SIZES;
  protected readonly search = new FormControl('', { nonNullable: true });
  /** The search once staff stop typing. */
  private readonly searchTerm = toSignal(
    this.search.valueChanges.pipe(
      debounceTime(300),
      map((search) => search.trim()),
      distinctUntilChanged(),
    ),
    { initialValue: '' },
  );
  /** What the table shows; a new search starts again from the first page. */
  protected readonly query = linkedSignal<string, TenantQuery>({
    source: this.searchTerm,
    computation: (search, previous) =>
      previous
        ? { ...previous.value, search, page: 1 }
        : {
            search,
            sort: QUERY.sort.default,
            order: QUERY.order.default,
            page: QUERY.page.default,
            pageSize: QUERY.page_size.default,
          },
  });
  /** One page of tenants for the query; a new query asks again (an older answer still on its way is dropped). */
  protected readonly tenants = apiResource({
    params: this.query,
    load: (q) =>
      this.api.adminListTenants({
        search: q.search || undefined,
        sort: q.sort,
        order: q.order,
        page: q.page,
        page_size: q.pageSize,
      }),
  });

  protected onSort(sort: Sort): void {
    const field = SORTABLE.includes(sort.active) ? (sort.active as SortField) : QUERY.sort.default;
    // Material cycles asc → desc → none; "none" falls back to the API's default order (newest first).
    this.update(
      sort.direction === ''
        ? { sort: QUERY.sort.default, order: QUERY.order.default, page: 1 }
        : { sort: field, order: sort.direction, page: 1 },
    );
  }

  protected onPage(event: PageEvent): void {
    this.update({ page: event.pageIndex + 1, pageSize: event.pageSize });
  }

  protected open(tenant: TenantListItemDto): void {
    void this.router.navigate(['/tenants', tenant.id]);
  }

  protected label(tenant: TenantListItemDto): string {
    return tenant.email ?? (tenant.telegram_user_id ? `Telegram user ${tenant.telegram_user_id}` : tenant.id);
  }

  private update(change: Partial<TenantQuery>): void {
    this.query.update((q) => ({ ...q, ...change }));
  }
}
