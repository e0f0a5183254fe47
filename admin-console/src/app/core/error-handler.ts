import { HttpErrorResponse } from '@angular/common/http';
import { ErrorHandler, Injectable, Injector, inject } from '@angular/core';
import { MatSnackBar } from '@angular/material/snack-bar';

const SNACK_BAR_DURATION_MS = 8000;

const UNREACHABLE_MESSAGE = 'The server could not be reached. Check your connection and try again.';
const UNEXPECTED_MESSAGE = 'Something went wrong in the console. Reload the page and try again.';

/**
 * Turns any error into a sentence for support staff. Only the server's own `{error: {code, message}}` body is
 * shown verbatim, because the API promises that message is safe to display; anything else could carry internals.
 */
export function describeError(error: unknown): string {
  if (error instanceof HttpErrorResponse) {
    if (error.status === 0) {
      return UNREACHABLE_MESSAGE;
    }
    const message = apiErrorMessage(error.error);
    return message ?? `The server answered with status ${error.status}. Try again in a moment.`;
  }
  return UNEXPECTED_MESSAGE;
}

function apiErrorMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) {
    return undefined;
  }
  const { error } = body;
  if (typeof error !== 'object' || error === null || !('message' in error)) {
    return undefined;
  }
  const { message } = error;
  return typeof message === 'string' && message.length > 0 ? message : undefined;
}

@Injectable()
export class SnackBarErrorHandler extends ErrorHandler {
  // Resolved on first error, not at construction: Angular builds the ErrorHandler during bootstrap,
  // before the overlay machinery the snack bar depends on is safe to create.
  private readonly injector = inject(Injector);

  override handleError(error: unknown): void {
    super.handleError(error);
    try {
      this.injector.get(MatSnackBar).open(describeError(error), 'Dismiss', { duration: SNACK_BAR_DURATION_MS });
    } catch (snackBarError: unknown) {
      // Reporting must never throw back into Angular's error path, which would call this handler again.
      super.handleError(snackBarError);
    }
  }
}
