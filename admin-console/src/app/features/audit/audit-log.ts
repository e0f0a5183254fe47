import { DatePipe, JsonPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject, input, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { MatButton } from '@angular/material/button';
import { MatOption } from '@angular/material/core';
import { MatError, MatFormField, MatLabel } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import { MatPaginator, PageEvent } from '@angular/material/paginator';
import { MatProgressBar } from '@angular/material/progress-bar';
import { MatSelect } from '@angular/material/select';
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
import { RouterLink } from '@angular/router';

import { AuditAction, TenantgramApi } from '../../core/api/api.generated';
import { QUERY_SCHEMAS } from '../../core/api/api-schema.generated';
import { apiResource } from '../../core/data/api-resource';
import { LoadError } from '../../core/data/load-error';
import { schemaValidators } from '../../core/forms/schema-validators';

/** The audit log's query parameters in the API schema: the tenant id's format, the actions, the page size bounds. */
const QUERY = QUERY_SCHEMAS['GET /api/admin/audit'];
/** Page sizes offered, within the server's limit bounds. */
const PAGE_SIZES = [25, 50, 100, 200].filter((n) => n >= QUERY.limit.minimum && n <= QUERY.limit.maximum);

interface AuditFilters {
  tenant_id?: string;
  action?: AuditAction;
  from?: string;
  to?: string;
}

interface AuditQuery {
  filters: AuditFilters;
  page: number;
  pageSize: number;
}

/** A local calendar day from a date input (yyyy-mm-dd) as the instant it starts, plus whole days. */
function startOfDay(day: string, plusDays = 0): string | undefined {
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return undefined;
  return new Date(y, m - 1, d + plusDays).toISOString();
}

@Component({
  selector: 'app-audit-log',
  imports: [
    DatePipe,
    JsonPipe,
    LoadError,
    MatButton,
    MatCell,
    MatCellDef,
    MatColumnDef,
    MatError,
    MatFormField,
    MatHeaderCell,
    MatHeaderCellDef,
    MatHeaderRow,
    MatHeaderRowDef,
    MatInput,
    MatLabel,
    MatNoDataRow,
    MatOption,
    MatPaginator,
    MatProgressBar,
    MatRow,
    MatRowDef,
    MatSelect,
    MatTable,
    ReactiveFormsModule,
    RouterLink,
  ],
  templateUrl: './audit-log.html',
  styleUrl: './audit-log.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AuditLog implements OnInit {
  /** `?tenant_id=` from a tenant's page. */
  readonly tenant_id = input<string>();

  private readonly api = inject(TenantgramApi);

  protected readonly actions = QUERY.action.enum;
  protected readonly columns = ['at', 'action', 'actor', 'tenant', 'target', 'details'];
  protected readonly pageSizes = PAGE_SIZES;
  protected readonly form = new FormGroup({
    tenant: new FormControl('', { nonNullable: true, validators: schemaValidators(QUERY.tenant_id) }),
    action: new FormControl<AuditAction | ''>('', { nonNullable: true, validators: schemaValidators(QUERY.action) }),
    from: new FormControl('', { nonNullable: true }),
    to: new FormControl('', { nonNullable: true }),
  });
  /** Null until the filters from the address are applied, so the first request already carries them. */
  protected readonly query = signal<AuditQuery | null>(null);
  protected readonly events = apiResource({
    // An undefined parameter keeps the resource idle.
    params: () => this.query() ?? undefined,
    load: (q: AuditQuery) => this.api.adminAuditLog({ ...q.filters, page: q.page, limit: q.pageSize }),
  });

  ngOnInit(): void {
    const tenant = this.tenant_id();
    if (tenant) this.form.controls.tenant.setValue(tenant);
    this.apply();
  }

  protected apply(): void {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const v = this.form.getRawValue();
    const filters: AuditFilters = {
      tenant_id: v.tenant.trim() || undefined,
      action: v.action || undefined,
      from: v.from ? startOfDay(v.from) : undefined,
      // The "to" day is included: events before the start of the next day.
      to: v.to ? startOfDay(v.to, 1) : undefined,
    };
    this.query.set({ filters, page: 1, pageSize: this.query()?.pageSize ?? PAGE_SIZES[0] ?? QUERY.limit.default });
  }

  protected clear(): void {
    this.form.reset();
    this.apply();
  }

  protected onPage(event: PageEvent): void {
    this.query.update((q) => q && { ...q, page: event.pageIndex + 1, pageSize: event.pageSize });
  }
}
