import { HttpRequest } from '@angular/common/http';
import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { manualChangeDetection } from '@angular/cdk/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

/**
 * A page's data loads through a resource, which Angular counts as pending work until its request is answered, so
 * `whenStable()` (and a harness's automatic waiting) would wait for an answer the test has not given yet. These
 * helpers let a test act, see the request, answer it, and only then wait for the page to settle.
 */
export class ApiTesting {
  readonly http = TestBed.inject(HttpTestingController);

  constructor(private readonly fixture: ComponentFixture<unknown>) {}

  /** Runs harness actions without waiting for stability (a request they start stays pending). */
  act<T>(fn: () => Promise<T>): Promise<T> {
    return manualChangeDetection(fn);
  }

  /** Lets effects run, so a resource whose parameters changed sends its request. */
  settle(): void {
    TestBed.tick();
  }

  /**
   * The one request matching `method` and `url`, once the page has sent it (after a dialog closes, say); fails
   * like `expectOne` when none comes.
   */
  async expect(method: string, url: string): Promise<TestRequest> {
    const matches = (r: HttpRequest<unknown>) => r.method === method && r.url === url;
    for (let i = 0; i < 100; i++) {
      this.settle();
      const found = this.http.match(matches);
      if (found.length > 1) throw new Error(`${found.length} requests ${method} ${url}, expected one.`);
      if (found[0]) return found[0];
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.http.expectOne(matches, `${method} ${url}`);
  }

  /** Answers the pending request with `body` and waits until the page shows it; returns the request. */
  async answer(method: string, url: string, body: object | null): Promise<TestRequest> {
    const req = await this.expect(method, url);
    req.flush(body);
    await this.settled();
    return req;
  }

  /** Answers the pending request with the API's `{error: {code, message}}` and `status`. */
  async fail(method: string, url: string, status: number, code: string, message: string): Promise<TestRequest> {
    const req = await this.expect(method, url);
    req.flush({ error: { code, message } }, { status, statusText: code });
    await this.settled();
    return req;
  }

  /**
   * Lets the code awaiting the answer go on, then renders. Not `whenStable()`: what follows an answer may start
   * another request (a reload after an action), which would keep the page from being stable until answered.
   */
  private async settled(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    this.settle();
  }

  /** No request is waiting for an answer. */
  expectNone(method: string, url: string): void {
    this.settle();
    this.http.expectNone((r: HttpRequest<unknown>) => r.method === method && r.url === url);
  }
}

/** The query parameters of a request, as a plain object. */
export function paramsOf(req: TestRequest): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(req.request.params.toString()));
}
