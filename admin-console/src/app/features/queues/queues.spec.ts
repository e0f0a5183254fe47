import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';

import { ApiTesting } from '../../../testing/api-testing';
import { QueueStatsDto, QueuesDto } from '../../core/api/api.generated';
import { Notifier } from '../../core/notifier';
import { QUEUES_REFRESH_MS, Queues } from './queues';

const URL = '/api/admin/queues';

const queue = (over: Partial<QueueStatsDto> = {}): QueueStatsDto => ({
  name: 'posts',
  waiting: 4,
  active: 1,
  delayed: 2,
  failed: 1,
  latest_failures: [
    {
      id: '7',
      name: 'send',
      error: '429: Too Many Requests: retry after 30',
      attempts_made: 3,
      created_at: '2026-11-02T08:00:00.000Z',
      failed_at: '2026-11-02T08:01:00.000Z',
    },
  ],
  ...over,
});
const queues = (...items: QueueStatsDto[]): QueuesDto => ({ checked_at: '2026-11-02T09:00:00.000Z', queues: items });

describe('Queues', () => {
  let fixture: ComponentFixture<Queues>;
  let api: ApiTesting;
  let element: HTMLElement;

  const card = (name: string) => element.querySelector(`mat-card[data-queue="${name}"]`);
  const counts = (name: string) =>
    [...(card(name)?.querySelectorAll('dl.counts dd') ?? [])].map((dd) => dd.textContent?.trim());
  const snackBar = () => TestbedHarnessEnvironment.documentRootLoader(fixture).getHarness(MatSnackBarHarness);
  /** Runs the page's refresh timer once, as if 5 s had passed. */
  const tick = () => vi.advanceTimersByTime(QUEUES_REFRESH_MS);

  beforeEach(() => {
    // Only the refresh timer is faked; the harnesses and HTTP testing keep real timeouts.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    fixture = TestBed.createComponent(Queues);
    element = fixture.nativeElement as HTMLElement;
    api = new ApiTesting(fixture);
    api.settle();
  });

  afterEach(() => {
    api.http.verify();
    vi.useRealTimers();
  });

  it('shows a loading bar until the queues arrive', async () => {
    fixture.detectChanges();
    expect(element.querySelector('mat-progress-bar')).not.toBeNull();
    await api.answer('GET', URL, queues(queue()));
    expect(element.querySelector('mat-progress-bar')).toBeNull();
  });

  it("shows each queue's counts and latest failures, and says when a queue has none", async () => {
    await api.answer('GET', URL, queues(queue(), queue({ name: 'webhooks', failed: 0, latest_failures: [] })));
    expect(counts('posts')).toEqual(['4', '1', '2', '1']);
    expect(card('posts')?.querySelector('.failures')?.textContent).toContain('#7 send');
    expect(card('posts')?.querySelector('.error')?.textContent).toBe('429: Too Many Requests: retry after 30');
    expect(card('webhooks')?.querySelector('p.empty')?.textContent?.trim()).toBe('No recent failures.');
    expect(element.querySelector('.refreshed')?.textContent).toContain('refreshes every 5 s');
  });

  it('refreshes every 5 seconds and shows the new counts', async () => {
    await api.answer('GET', URL, queues(queue()));
    api.expectNone('GET', URL);
    tick();
    await api.answer('GET', URL, queues(queue({ waiting: 0, failed: 0, latest_failures: [] })));
    expect(counts('posts')).toEqual(['0', '1', '2', '0']);
  });

  it('stops refreshing when the page is left', async () => {
    await api.answer('GET', URL, queues(queue()));
    fixture.destroy();
    tick();
    api.expectNone('GET', URL);
  });

  it('retries a failed job, says so, and refreshes the counts', async () => {
    await api.answer('GET', URL, queues(queue()));
    const retry = await TestbedHarnessEnvironment.loader(fixture).getHarness(
      MatButtonHarness.with({ selector: '[aria-label="Retry job 7 in posts"]' }),
    );
    await api.act(() => retry.click());
    const req = await api.answer('POST', `${URL}/posts/jobs/7/retry`, { id: '7', queue: 'posts', state: 'waiting' });
    expect(req.request.body).toBeNull();
    await api.answer('GET', URL, queues(queue({ failed: 0, waiting: 5, latest_failures: [] })));
    expect(await (await snackBar()).getMessage()).toBe('Job 7 in posts is waiting again.');
    expect(counts('posts')).toEqual(['5', '1', '2', '0']);
  });

  it("shows the API's message when a retry is refused", async () => {
    await api.answer('GET', URL, queues(queue()));
    const retry = await TestbedHarnessEnvironment.loader(fixture).getHarness(MatButtonHarness.with({ text: 'Retry' }));
    await api.act(() => retry.click());
    await api.fail('POST', `${URL}/posts/jobs/7/retry`, 404, 'JOB_NOT_FOUND', 'Job 7 is no longer in posts.');
    expect(await (await snackBar()).getMessage()).toBe('Job 7 is no longer in posts.');
  });

  it("shows the API's message while the queues cannot be read, with one snack bar per outage", async () => {
    const errors = vi.spyOn(TestBed.inject(Notifier), 'error');
    await api.fail('GET', URL, 503, 'REDIS_UNAVAILABLE', 'Redis is not answering.');
    expect(element.querySelector('[data-testid="load-error"] p')?.textContent?.trim()).toBe(
      'The queues could not be loaded: Redis is not answering.',
    );
    tick();
    await api.fail('GET', URL, 503, 'REDIS_UNAVAILABLE', 'Redis is not answering.');
    expect(errors).toHaveBeenCalledTimes(1);

    tick();
    await api.answer('GET', URL, queues(queue()));
    expect(element.querySelector('[data-testid="load-error"]')).toBeNull();
    expect(counts('posts')).toEqual(['4', '1', '2', '1']);

    tick();
    await api.fail('GET', URL, 503, 'REDIS_UNAVAILABLE', 'Redis is not answering.');
    expect(errors).toHaveBeenCalledTimes(2);
    // The last counts stay on screen under the message.
    expect(counts('posts')).toEqual(['4', '1', '2', '1']);
  });
});
