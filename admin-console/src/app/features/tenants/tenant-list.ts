import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, OnInit, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
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
import { Subject, catchError, debounceTime, distinctUntilChanged, finalize, of, switchMap } from 'rxjs';

import { TenantListItemDto, TenantPageDto, TenantgramApi } from '../../core/api/api.generated';
import { Notifier } from '../../core/notifier';

type SortField = 'created_at' | 'email' | 'status' | 'bot_username' | 'telegram_user_id';
const SORTABLE: readonly string[] = ['created_at', 'email', 'status', 'bot_username', 'telegram_user_id'];

interface TenantQuery {
  search: string;
  sort: SortField;
  order: 'asc' | 'desc';
  page: number;
  pageSize: number;
}

@Component({
  selector: 'app-tenant-list',
  imports: [
    DatePipe,
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
export class TenantList implements OnInit {
  private readonly api = inject(TenantgramApi);
  private readonly notifier = inject(Notifier);
  private readonly router = inject(Router);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly columns = ['email', 'telegram_user_id', 'bot_username', 'integrations', 'status', 'created_at'];
  protected readonly pageSizes = [10, 20, 50, 100];
  protected readonly search = new FormControl('', { nonNullable: true });
  protected readonly query = signal<TenantQuery>({
    search: '',
    sort: 'created_at',
    order: 'desc',
    page: 1,
    pageSize: 20,
  });
  protected readonly result = signal<TenantPageDto | null>(null);
  protected readonly loading = signal(false);

  private readonly requests = new Subject<TenantQuery>();

  ngOnInit(): void {
    this.requests
      .pipe(
        switchMap((q) => {
          this.loading.set(true);
          return this.api
            .adminListTenants({
              search: q.search || undefined,
              sort: q.sort,
              order: q.order,
              page: q.page,
              page_size: q.pageSize,
            })
            .pipe(
              catchError((error: unknown) => {
                this.notifier.error(error);
                return of(null);
              }),
              finalize(() => this.loading.set(false)),
            );
        }),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe((page) => {
        if (page) this.result.set(page);
      });

    this.search.valueChanges
      .pipe(debounceTime(300), distinctUntilChanged(), takeUntilDestroyed(this.destroyRef))
      .subscribe((search) => this.update({ search: search.trim(), page: 1 }));

    this.requests.next(this.query());
  }

  protected onSort(sort: Sort): void {
    const field = SORTABLE.includes(sort.active) ? (sort.active as SortField) : 'created_at';
    // Material cycles asc → desc → none; "none" falls back to newest first.
    this.update(
      sort.direction === ''
        ? { sort: 'created_at', order: 'desc', page: 1 }
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
    this.requests.next(this.query());
  }
}
