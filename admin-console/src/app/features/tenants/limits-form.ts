import { ChangeDetectionStrategy, Component, effect, input, output } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { MatButton } from '@angular/material/button';
import { MatError, MatFormField, MatHint, MatLabel } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';

import { TenantLimitsDto } from '../../core/api/api.generated';
import { BODY_SCHEMAS } from '../../core/api/api-schema.generated';
import { isRequired, schemaValidators } from '../../core/forms/schema-validators';

/** The server's bounds, from UpdateTenantLimitsDto in the API schema; checked here too so mistakes show before saving. */
const LIMITS_SCHEMA = BODY_SCHEMAS.UpdateTenantLimitsDto;
const { rate_limit_rps: RPS, max_concurrent_requests: CONCURRENCY } = LIMITS_SCHEMA.properties;

@Component({
  selector: 'app-limits-form',
  imports: [MatButton, MatError, MatFormField, MatHint, MatInput, MatLabel, ReactiveFormsModule],
  templateUrl: './limits-form.html',
  styleUrl: './limits-form.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LimitsForm {
  /** The limits in force; the form resets to them whenever they change. */
  readonly limits = input.required<TenantLimitsDto>();
  readonly saving = input(false);
  readonly save = output<TenantLimitsDto>();

  protected readonly rps = RPS;
  protected readonly concurrency = CONCURRENCY;
  // Number inputs give numbers (or null when empty or not a number), so the controls hold number | null.
  protected readonly form = new FormGroup({
    rate_limit_rps: new FormControl<number | null>(
      null,
      schemaValidators(RPS, { required: isRequired(LIMITS_SCHEMA, 'rate_limit_rps') }),
    ),
    max_concurrent_requests: new FormControl<number | null>(
      null,
      schemaValidators(CONCURRENCY, { required: isRequired(LIMITS_SCHEMA, 'max_concurrent_requests') }),
    ),
  });

  constructor() {
    effect(() => {
      const limits = this.limits();
      this.form.reset({
        rate_limit_rps: limits.rate_limit_rps,
        max_concurrent_requests: limits.max_concurrent_requests,
      });
    });
  }

  protected submit(): void {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const value = this.form.getRawValue();
    this.save.emit({
      rate_limit_rps: Number(value.rate_limit_rps),
      max_concurrent_requests: Number(value.max_concurrent_requests),
    });
  }
}
