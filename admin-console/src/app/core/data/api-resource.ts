import { HttpErrorResponse } from '@angular/common/http';
import { Signal, computed, effect, inject, signal, untracked } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { Observable } from 'rxjs';

import { describeError } from '../error-handler';
import { Notifier } from '../notifier';

/** What a page reads from the API: the last answer, whether a request is on its way, and why the last one failed. */
export interface ApiResource<T> {
  /** The last answer; kept while a newer request loads or after it fails, so a page does not flash empty. */
  readonly value: Signal<T | undefined>;
  /** A request is on its way (the first one, new parameters or a reload). */
  readonly loading: Signal<boolean>;
  /** The API's own `{error: {message}}` (or a sentence for network trouble) while the last request failed. */
  readonly error: Signal<string | null>;
  /** The HTTP status of the failed request (0 when the server could not be reached); null otherwise. */
  readonly errorStatus: Signal<number | null>;
  /** Asks again with the same parameters. */
  reload(): void;
  /** Replaces the value with what an action answered, without asking again. */
  set(value: T): void;
}

export interface ApiResourceOptions<P, T> {
  /**
   * The request's parameters; a new value asks again, undefined asks nothing yet. Read in a reactive context, like a
   * computed.
   */
  params: () => P | undefined;
  /** The generated client's call for those parameters. */
  load: (params: P) => Observable<T>;
  /** Failures the page explains itself (e.g. 404 as "no such tenant") rather than in a snack bar. */
  quietStatuses?: readonly number[];
  /**
   * Whether the previous answer stays on screen while new parameters load (a list's next page: true, the default),
   * or is cleared (a record's page, where it belongs to another record: false). Reloads always keep it.
   */
  keepWhileLoadingNew?: boolean;
}

/**
 * The one way console pages load data: Angular's `rxResource` over the generated API client, with the answer kept
 * across reloads, the API's error message, and a snack bar when loading starts failing (not again on every
 * reload while it keeps failing, e.g. a polled page during an outage). Call it in an injection context.
 */
export function apiResource<P, T>(options: ApiResourceOptions<P, T>): ApiResource<T> {
  const notifier = inject(Notifier);
  const resource = rxResource<T, P | undefined>({
    params: options.params,
    stream: ({ params }) => options.load(params),
  });

  const failure = computed<unknown>(() => {
    const error = resource.error();
    // Angular wraps a thrown value that is not Error-like; the cause is what the client threw.
    return error && !(error instanceof HttpErrorResponse) && error.cause !== undefined ? error.cause : error;
  });
  const keep = options.keepWhileLoadingNew ?? true;
  // The last answer, written by an effect rather than derived lazily: it must be remembered even when nothing
  // read it before the next request failed.
  const last = signal<T | undefined>(undefined);
  effect(() => {
    if (resource.hasValue()) {
      const next = resource.value();
      untracked(() => last.set(next));
    } else if (resource.status() === 'loading' && !keep) {
      // 'loading' is new parameters ('reloading' the same ones again): the old answer belongs to another record.
      untracked(() => last.set(undefined));
    }
  });
  const value = computed(() => {
    if (resource.hasValue()) return resource.value();
    return resource.status() === 'loading' && !keep ? undefined : last();
  });
  const errorStatus = computed(() => {
    const error = failure();
    return error instanceof HttpErrorResponse ? error.status : null;
  });

  let failing = false;
  effect(() => {
    const error = failure();
    const status = resource.status();
    // A success, or new parameters (not a reload of the same ones), ends the outage.
    if (status === 'resolved' || status === 'local' || status === 'loading') failing = false;
    if (!error || failing) return;
    failing = true;
    if (options.quietStatuses?.includes(errorStatus() ?? -1)) return;
    untracked(() => notifier.error(error));
  });

  return {
    value,
    loading: resource.isLoading,
    error: computed(() => (failure() ? describeError(failure()) : null)),
    errorStatus,
    reload: () => void resource.reload(),
    set: (next) => resource.set(next),
  };
}
