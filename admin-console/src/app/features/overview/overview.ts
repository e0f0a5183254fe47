import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButton } from '@angular/material/button';
import { MatButtonToggle, MatButtonToggleGroup } from '@angular/material/button-toggle';
import { MatCard, MatCardContent, MatCardHeader, MatCardTitle } from '@angular/material/card';
import { MatProgressBar } from '@angular/material/progress-bar';
import { NgxEchartsDirective, provideEchartsCore } from 'ngx-echarts';

import { TenantgramApi } from '../../core/api/api.generated';
import { apiResource } from '../../core/data/api-resource';
import { LoadError } from '../../core/data/load-error';
import { echarts, postsChartOptions, sessionsChartOptions, windowTotals } from './overview-charts';

/** The windows support can pick, in hours. */
export const OVERVIEW_WINDOWS = [
  { hours: 24, label: '24 hours' },
  { hours: 72, label: '3 days' },
  { hours: 168, label: '7 days' },
] as const;

/** The platform at a glance: live totals, then per-hour posts, revocations and flood waits. */
@Component({
  selector: 'app-overview',
  imports: [
    DatePipe,
    LoadError,
    MatButton,
    MatButtonToggle,
    MatButtonToggleGroup,
    MatCard,
    MatCardContent,
    MatCardHeader,
    MatCardTitle,
    MatProgressBar,
    NgxEchartsDirective,
  ],
  providers: [provideEchartsCore({ echarts })],
  templateUrl: './overview.html',
  styleUrl: './overview.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Overview {
  private readonly api = inject(TenantgramApi);

  protected readonly windows = OVERVIEW_WINDOWS;
  protected readonly hours = signal<number>(24);
  /** Asked once per visit or window (each read is recorded in the audit trail): refreshed on demand. */
  protected readonly overview = apiResource({
    params: () => ({ hours: this.hours() }),
    load: (p) => this.api.adminOverview(p),
  });

  private readonly series = computed(() => this.overview.value()?.series ?? []);
  protected readonly postsChart = computed(() => postsChartOptions(this.series()));
  protected readonly sessionsChart = computed(() => sessionsChartOptions(this.series()));
  protected readonly sums = computed(() => windowTotals(this.series()));
  protected readonly backlog = computed(() =>
    Object.entries(this.overview.value()?.totals.queue_backlog ?? {}).map(([name, waiting]) => ({
      name,
      waiting: Number(waiting) || 0,
    })),
  );
  protected readonly backlogTotal = computed(() => this.backlog().reduce((n, q) => n + q.waiting, 0));
  protected readonly windowLabel = computed(
    () => OVERVIEW_WINDOWS.find((w) => w.hours === this.hours())?.label ?? `${this.hours()} hours`,
  );

  protected pick(hours: number): void {
    this.hours.set(hours);
  }
}
