import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, OnInit, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButton } from '@angular/material/button';
import { MatCard, MatCardContent, MatCardHeader, MatCardTitle } from '@angular/material/card';
import { MatProgressBar } from '@angular/material/progress-bar';
import { Subject, catchError, exhaustMap, firstValueFrom, merge, of, timer } from 'rxjs';

import { QueueFailureDto, QueueStatsDto, QueuesDto, TenantgramApi } from '../../core/api/api.generated';
import { Notifier } from '../../core/notifier';

/** Often enough to watch a backlog drain, rarely enough not to load Redis. */
export const QUEUES_REFRESH_MS = 5000;

@Component({
  selector: 'app-queues',
  imports: [DatePipe, MatButton, MatCard, MatCardContent, MatCardHeader, MatCardTitle, MatProgressBar],
  templateUrl: './queues.html',
  styleUrl: './queues.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Queues implements OnInit {
  private readonly api = inject(TenantgramApi);
  private readonly notifier = inject(Notifier);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly data = signal<QueuesDto | null>(null);
  protected readonly loading = signal(false);
  protected readonly retrying = signal<string | null>(null);
  private readonly refreshNow = new Subject<void>();
  /** One snack bar per outage, not one every few seconds. */
  private failing = false;

  ngOnInit(): void {
    merge(timer(0, QUEUES_REFRESH_MS), this.refreshNow)
      .pipe(
        exhaustMap(() => {
          this.loading.set(true);
          return this.api.adminListQueues().pipe(
            catchError((error: unknown) => {
              if (!this.failing) this.notifier.error(error);
              this.failing = true;
              return of(null);
            }),
          );
        }),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe((data) => {
        this.loading.set(false);
        if (!data) return;
        this.failing = false;
        this.data.set(data);
      });
  }

  protected async retry(queue: QueueStatsDto, job: QueueFailureDto): Promise<void> {
    const key = `${queue.name}/${job.id}`;
    this.retrying.set(key);
    try {
      const result = await firstValueFrom(this.api.adminRetryJob(queue.name, job.id));
      this.notifier.info(`Job ${result.id} in ${result.queue} is ${result.state} again.`);
      this.refreshNow.next();
    } catch (error: unknown) {
      this.notifier.error(error);
    } finally {
      this.retrying.set(null);
    }
  }
}
