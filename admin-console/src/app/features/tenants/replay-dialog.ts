import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import {
  AbstractControl,
  FormControl,
  FormGroup,
  ReactiveFormsModule,
  ValidationErrors,
  Validators,
} from '@angular/forms';
import { MatButton } from '@angular/material/button';
import {
  MAT_DIALOG_DATA,
  MatDialog,
  MatDialogActions,
  MatDialogClose,
  MatDialogConfig,
  MatDialogContent,
  MatDialogRef,
  MatDialogTitle,
} from '@angular/material/dialog';
import { MatError, MatFormField, MatHint, MatLabel } from '@angular/material/form-field';
import { MatInput } from '@angular/material/input';
import { Observable } from 'rxjs';

/** Event ids are Postgres bigints written as digits, the same cursor the events API reads. */
const EVENT_ID = /^[0-9]+$/;
const MAX_EVENT_ID = 2n ** 63n - 1n;

export interface ReplayDialogData {
  /** The endpoint's URL, to say where the events go. */
  url: string;
}

/**
 * An event id is a bigint as a string: a number input would round it above 2^53, so the field is text, checked
 * here for digits and the bigint bound.
 */
export function eventIdValidator(control: AbstractControl): ValidationErrors | null {
  const value = typeof control.value === 'string' ? control.value.trim() : '';
  if (value === '') return null;
  if (!EVENT_ID.test(value)) return { eventId: true };
  return BigInt(value) > MAX_EVENT_ID ? { eventIdTooLarge: true } : null;
}

/** Asks from which event id to deliver an endpoint's events again; closes with the id, or nothing on Cancel. */
@Component({
  selector: 'app-replay-dialog',
  imports: [
    MatButton,
    MatDialogActions,
    MatDialogClose,
    MatDialogContent,
    MatDialogTitle,
    MatError,
    MatFormField,
    MatHint,
    MatInput,
    MatLabel,
    ReactiveFormsModule,
  ],
  templateUrl: './replay-dialog.html',
  styleUrl: './replay-dialog.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ReplayDialog {
  protected readonly data = inject<ReplayDialogData>(MAT_DIALOG_DATA);
  private readonly ref = inject<MatDialogRef<ReplayDialog, string>>(MatDialogRef);

  protected readonly form = new FormGroup({
    from_event_id: new FormControl('', { nonNullable: true, validators: [Validators.required, eventIdValidator] }),
  });
  protected readonly eventId = this.form.controls.from_event_id;

  protected submit(): void {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    this.ref.close(this.eventId.value.trim());
  }
}

/** Opens the dialog; emits the event id to replay from, or undefined when the staff member cancels. */
export function askReplayFrom(dialog: MatDialog, data: ReplayDialogData): Observable<string | undefined> {
  const config: MatDialogConfig<ReplayDialogData> = {
    data,
    autoFocus: 'input',
    restoreFocus: true,
    width: '440px',
    maxWidth: '92vw',
  };
  return dialog.open<ReplayDialog, ReplayDialogData, string>(ReplayDialog, config).afterClosed();
}
