import { HttpErrorResponse } from '@angular/common/http';
import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Subject } from 'rxjs';

import { Notifier } from '../notifier';
import { ApiResource, ApiResourceOptions, apiResource } from './api-resource';

/** A loader whose answers the test gives, one Subject per request. */
class FakeLoader {
  readonly requests: { params: string; answer: Subject<string> }[] = [];
  readonly load = (params: string) => {
    const answer = new Subject<string>();
    this.requests.push({ params, answer });
    return answer;
  };
  async resolve(value: string): Promise<void> {
    TestBed.tick();
    const last = this.requests.at(-1);
    last?.answer.next(value);
    last?.answer.complete();
    await settle();
  }
  async reject(status: number, message: string): Promise<void> {
    TestBed.tick();
    this.requests.at(-1)?.answer.error(new HttpErrorResponse({ status, error: { error: { code: 'X', message } } }));
    await settle();
  }
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve));
  TestBed.tick();
}

describe('apiResource', () => {
  let loader: FakeLoader;
  let params: ReturnType<typeof signal<string>>;
  let errors: ReturnType<typeof vi.fn>;

  function create(options: Partial<ApiResourceOptions<string, string>> = {}): ApiResource<string> {
    const resource = apiResource({ params, load: loader.load, ...options });
    TestBed.tick();
    return resource;
  }

  beforeEach(() => {
    errors = vi.fn();
    TestBed.configureTestingModule({ providers: [{ provide: Notifier, useValue: { error: errors, info: vi.fn() } }] });
    loader = new FakeLoader();
    params = signal('a');
  });

  const inContext = <T>(fn: () => T): T => TestBed.runInInjectionContext(fn);

  it('loads for the parameters and asks again when they change', async () => {
    const r = inContext(() => create());
    expect(r.loading()).toBe(true);
    expect(r.value()).toBeUndefined();
    await loader.resolve('A');
    expect(r.value()).toBe('A');
    expect(r.loading()).toBe(false);
    params.set('b');
    TestBed.tick();
    expect(loader.requests.map((q) => q.params)).toEqual(['a', 'b']);
    // A list keeps its rows while the next page loads.
    expect(r.value()).toBe('A');
    await loader.resolve('B');
    expect(r.value()).toBe('B');
  });

  it("clears a record's value while another record loads, when asked to", async () => {
    const r = inContext(() => create({ keepWhileLoadingNew: false }));
    await loader.resolve('A');
    params.set('b');
    TestBed.tick();
    expect(r.value()).toBeUndefined();
    await loader.resolve('B');
    r.reload();
    TestBed.tick();
    // A reload of the same record keeps it.
    expect(r.value()).toBe('B');
    await loader.resolve('B2');
    expect(r.value()).toBe('B2');
  });

  it("gives the API's message and status, keeps the last value, and notifies once per outage", async () => {
    const r = inContext(() => create());
    await loader.resolve('A');
    r.reload();
    await loader.reject(503, 'Redis is not answering.');
    expect(r.error()).toBe('Redis is not answering.');
    expect(r.errorStatus()).toBe(503);
    expect(r.value()).toBe('A');
    r.reload();
    await loader.reject(503, 'Redis is not answering.');
    expect(errors).toHaveBeenCalledTimes(1);
    r.reload();
    await loader.resolve('A2');
    expect(r.error()).toBeNull();
    r.reload();
    await loader.reject(503, 'Redis is not answering.');
    expect(errors).toHaveBeenCalledTimes(2);
  });

  it('leaves quiet statuses to the page', async () => {
    const r = inContext(() => create({ quietStatuses: [404] }));
    await loader.reject(404, 'Tenant not found.');
    expect(r.errorStatus()).toBe(404);
    expect(errors).not.toHaveBeenCalled();
  });

  it('asks nothing while the parameters are undefined', () => {
    const none = signal<string | undefined>(undefined);
    const r = inContext(() => apiResource({ params: none, load: loader.load }));
    TestBed.tick();
    expect(loader.requests).toEqual([]);
    expect(r.loading()).toBe(false);
  });

  it('shows what an action answered without asking again', async () => {
    const r = inContext(() => create());
    await loader.resolve('A');
    r.set('A, changed');
    TestBed.tick();
    expect(r.value()).toBe('A, changed');
    expect(loader.requests).toHaveLength(1);
  });
});
