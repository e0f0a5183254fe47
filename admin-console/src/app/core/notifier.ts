import { Injectable, inject } from '@angular/core';
import { MatSnackBar } from '@angular/material/snack-bar';

import { describeError } from './error-handler';

const ERROR_DURATION_MS = 8000;
const INFO_DURATION_MS = 4000;

/** Snack bar messages from pages: errors with the API's own message, and confirmations of what was done. */
@Injectable({ providedIn: 'root' })
export class Notifier {
  private readonly snackBar = inject(MatSnackBar);

  error(error: unknown): void {
    this.snackBar.open(describeError(error), 'Dismiss', { duration: ERROR_DURATION_MS });
  }

  info(message: string): void {
    this.snackBar.open(message, 'OK', { duration: INFO_DURATION_MS });
  }
}
