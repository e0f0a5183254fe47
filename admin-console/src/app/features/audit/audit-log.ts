import { DatePipe, JsonPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, OnInit, inject, input, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
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
import { firstValueFrom } from 'rxjs';

import { AUDIT_ACTION_VALUES, AuditAction, AuditPageDto, TenantgramApi } from '../../core/api/api.generated';
import { Notifier } from '../../core/notifier';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface AuditFilters {
  tenant_id?: string;
  action?: AuditAction;
  from?: string;
  to?: string;
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
  private readonly notifier = inject(Notifier);

  protected readonly actions = AUDIT_ACTION_VALUES;
  protected readonly columns = ['at', 'action', 'actor', 'tenant', 'target', 'details'];
  protected readonly form = new FormGroup({
    tenant: new FormControl('', { nonNullable: true, validators: Validators.pattern(UUID) }),
    action: new FormControl<AuditAction | ''>('', { nonNullable: true }),
    from: new FormControl('', { nonNullable: true }),
    to: new FormControl('', { nonNullable: true }),
  });
  protected readonly page = signal(1);
  protected readonly pageSize = signal(25);
  protected readonly result = signal<AuditPageDto | null>(null);
  protected readonly loading = signal(false);
  private filters: AuditFilters = {};

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
    this.filters = {
      tenant_id: v.tenant.trim() || undefined,
      action: v.action || undefined,
      from: v.from ? startOfDay(v.from) : undefined,
      // The "to" day is included: events before the start of the next day.
      to: v.to ? startOfDay(v.to, 1) : undefined,
    };
    this.page.set(1);
    void this.load();
  }

  protected clear(): void {
    this.form.reset();
    this.apply();
  }

  protected onPage(event: PageEvent): void {
    this.page.set(event.pageIndex + 1);
    this.pageSize.set(event.pageSize);
    void this.load();
  }

  private async load(): Promise<void> {
    this.loading.set(true);
    try {
      this.result.set(
        await firstValueFrom(this.api.adminAuditLog({ ...this.filters, page: this.page(), limit: this.pageSize() })),
      );
    } catch (error: unknown) {
      this.notifier.error(error);
    } finally {
      this.loading.set(false);
    }
  }
}
