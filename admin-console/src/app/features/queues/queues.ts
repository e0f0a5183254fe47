import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, inject, signal } from '@angular/core';
import { MatButton } from '@angular/material/button';
import { MatCard, MatCardContent, MatCardHeader, MatCardTitle } from '@angular/material/card';
import { MatProgressBar } from '@angular/material/progress-bar';
import { firstValueFrom } from 'rxjs';

import { QueueFailureDto, QueueStatsDto, TenantgramApi } from '../../core/api/api.generated';
import { apiResource } from '../../core/data/api-resource';
import { LoadError } from '../../core/data/load-error';
import { Notifier } from '../../core/notifier';

/** Often enough to watch a backlog drain, rarely enough not to load Redis. */
export const QUEUES_REFRESH_MS = 5000;

@Component({
  selector: 'app-queues',
  imports: [DatePipe, LoadError, MatButton, MatCard, MatCardContent, MatCardHeader, MatCardTitle, MatProgressBar],
  templateUrl: './queues.html',
  styleUrl: './queues.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Queues {
  private readonly api = inject(TenantgramApi);
  private readonly notifier = inject(Notifier);

  /** Polled: a reload while one is on its way is skipped, and an outage gives one snack bar, not one per poll. */
  protected readonly queues = apiResource({ params: () => ({}), load: () => this.api.adminListQueues() });
  protected readonly retrying = signal<string | null>(null);

  constructor() {
    const poll = setInterval(() => this.queues.reload(), QUEUES_REFRESH_MS);
    inject(DestroyRef).onDestroy(() => clearInterval(poll));
  }

  protected async retry(queue: QueueStatsDto, job: QueueFailureDto): Promise<void> {
    const key = `${queue.name}/${job.id}`;
    this.retrying.set(key);
    try {
      const result = await firstValueFrom(this.api.adminRetryJob(queue.name, job.id));
      this.notifier.info(`Job ${result.id} in ${result.queue} is ${result.state} again.`);
      this.queues.reload();
    } catch (error: unknown) {
      this.notifier.error(error);
    } finally {
      this.retrying.set(null);
    }
  }
}
