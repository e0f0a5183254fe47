import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButton } from '@angular/material/button';
import { MatCard, MatCardContent, MatCardHeader, MatCardTitle } from '@angular/material/card';
import { MatError, MatFormField, MatLabel } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import { MatProgressBar } from '@angular/material/progress-bar';
import { Router } from '@angular/router';

import { BODY_SCHEMAS } from '../../core/api/api-schema.generated';
import { Session, TenantAccountRefused } from '../../core/auth/session';
import { describeError } from '../../core/error-handler';
import { isRequired, schemaValidators } from '../../core/forms/schema-validators';

const LOGIN = BODY_SCHEMAS.LoginDto;

@Component({
  selector: 'app-login',
  imports: [
    MatButton,
    MatCard,
    MatCardContent,
    MatCardHeader,
    MatCardTitle,
    MatError,
    MatFormField,
    MatInput,
    MatLabel,
    MatProgressBar,
    ReactiveFormsModule,
  ],
  templateUrl: './login.html',
  styleUrl: './login.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Login {
  /** Where to go after signing in (set by the route guard). */
  readonly returnUrl = input<string>();

  private readonly session = inject(Session);
  private readonly router = inject(Router);

  protected readonly form = inject(NonNullableFormBuilder).group({
    email: [
      '',
      [...schemaValidators(LOGIN.properties.email, { required: isRequired(LOGIN, 'email') }), Validators.email],
    ],
    password: ['', schemaValidators(LOGIN.properties.password, { required: isRequired(LOGIN, 'password') })],
  });
  protected readonly busy = signal(false);
  /** Shown in the card rather than a snack bar: it explains why this form refuses the account. */
  protected readonly problem = signal<string | null>(null);

  protected async submit(): Promise<void> {
    if (this.form.invalid || this.busy()) {
      this.form.markAllAsTouched();
      return;
    }
    this.busy.set(true);
    this.problem.set(null);
    try {
      const { email, password } = this.form.getRawValue();
      await this.session.login(email, password);
      const target = this.returnUrl();
      await this.router.navigateByUrl(target?.startsWith('/') && !target.startsWith('//') ? target : '/overview');
    } catch (error: unknown) {
      this.problem.set(error instanceof TenantAccountRefused ? error.message : describeError(error));
    } finally {
      this.busy.set(false);
    }
  }
}
