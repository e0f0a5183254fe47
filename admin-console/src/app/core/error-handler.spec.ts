import { HttpErrorResponse } from '@angular/common/http';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { ChangeDetectionStrategy, Component, ErrorHandler } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';

import { SnackBarErrorHandler, describeError } from './error-handler';

// The snack bar lives in the overlay container, outside any component; the harness only needs a fixture to attach to.
@Component({ template: '', changeDetection: ChangeDetectionStrategy.OnPush })
class EmptyHost {}

describe('SnackBarErrorHandler', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [{ provide: ErrorHandler, useClass: SnackBarErrorHandler }],
    });
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  async function snackBarAfter(error: unknown): Promise<MatSnackBarHarness> {
    TestBed.inject(ErrorHandler).handleError(error);
    return TestbedHarnessEnvironment.documentRootLoader(TestBed.createComponent(EmptyHost)).getHarness(
      MatSnackBarHarness,
    );
  }

  it('shows the message from an API error body in a snack bar', async () => {
    const snackBar = await snackBarAfter(
      new HttpErrorResponse({
        status: 409,
        error: { error: { code: 'TENANT_SUSPENDED', message: 'This tenant is suspended.' } },
      }),
    );

    expect(await snackBar.getMessage()).toBe('This tenant is suspended.');
    expect(await snackBar.getActionDescription()).toBe('Dismiss');
  });

  it('still logs the error to the console for developers', async () => {
    const consoleError = vi.spyOn(console, 'error');
    const error = new Error('boom');
    await snackBarAfter(error);

    expect(consoleError).toHaveBeenCalledWith('ERROR', error);
  });

  it('does not reveal the text of an unexpected error to staff', async () => {
    const snackBar = await snackBarAfter(new Error('relation "user_bot_credentials" does not exist'));

    const message = await snackBar.getMessage();
    expect(message).toBe('Something went wrong in the console. Reload the page and try again.');
    expect(message).not.toContain('user_bot_credentials');
  });
});

describe('describeError', () => {
  it('says the server cannot be reached when the request never got an answer', () => {
    expect(describeError(new HttpErrorResponse({ status: 0 }))).toBe(
      'The server could not be reached. Check your connection and try again.',
    );
  });

  it('falls back to the status code when the server answered without an API error body', () => {
    expect(describeError(new HttpErrorResponse({ status: 502, error: '<html>Bad gateway</html>' }))).toBe(
      'The server answered with status 502. Try again in a moment.',
    );
  });
});
