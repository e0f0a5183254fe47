import { ChangeDetectionStrategy, Component, effect, input, output } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButton } from '@angular/material/button';
import { MatError, MatFormField, MatHint, MatLabel } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';

import { TenantLimitsDto } from '../../core/api/api.generated';

/** The server's bounds (UpdateTenantLimitsDto); checked here too so mistakes show before saving. */
export const LIMIT_BOUNDS = {
  rate_limit_rps: { min: 1, max: 1000 },
  max_concurrent_requests: { min: 1, max: 100 },
} as const;

const WHOLE_NUMBER = /^\d+$/;

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

  protected readonly bounds = LIMIT_BOUNDS;
  // Number inputs give numbers (or null when empty or not a number), so the controls hold number | null.
  protected readonly form = new FormGroup({
    rate_limit_rps: new FormControl<number | null>(null, [
      Validators.required,
      Validators.pattern(WHOLE_NUMBER),
      Validators.min(LIMIT_BOUNDS.rate_limit_rps.min),
      Validators.max(LIMIT_BOUNDS.rate_limit_rps.max),
    ]),
    max_concurrent_requests: new FormControl<number | null>(null, [
      Validators.required,
      Validators.pattern(WHOLE_NUMBER),
      Validators.min(LIMIT_BOUNDS.max_concurrent_requests.min),
      Validators.max(LIMIT_BOUNDS.max_concurrent_requests.max),
    ]),
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
