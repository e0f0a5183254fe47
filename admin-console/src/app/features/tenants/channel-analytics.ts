import { DatePipe, DecimalPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { MatButtonToggle, MatButtonToggleGroup } from '@angular/material/button-toggle';
import { MatCard, MatCardContent, MatCardHeader, MatCardTitle } from '@angular/material/card';
import { MatFormField, MatLabel } from '@angular/material/form-field';
import { MatProgressBar } from '@angular/material/progress-bar';
import { MatOption, MatSelect } from '@angular/material/select';
import { MatSort, MatSortHeader, Sort } from '@angular/material/sort';
import {
  MatCell,
  MatCellDef,
  MatColumnDef,
  MatHeaderCell,
  MatHeaderCellDef,
  MatHeaderRow,
  MatHeaderRowDef,
  MatRow,
  MatRowDef,
  MatTable,
} from '@angular/material/table';

import { TenantChannelDto, TenantgramApi } from '../../core/api/api.generated';
import { Chart } from '../../core/charts/chart';
import { apiResource } from '../../core/data/api-resource';
import { LoadError } from '../../core/data/load-error';
import {
  STATS_RANGES,
  StatsRange,
  StatsRangeKey,
  full,
  statsWindow,
  subscribersChart,
  summarize,
  viewsChart,
} from './channel-charts';

const TOP_POSTS = 10;
type TopPostsSort = 'views' | 'forwards' | 'reactions';
const SORTS: readonly TopPostsSort[] = ['views', 'forwards', 'reactions'];

/** A tenant's channel over time: subscribers, views gained, and the posts that did best, for one channel at a time. */
@Component({
  selector: 'app-channel-analytics',
  imports: [
    Chart,
    DatePipe,
    DecimalPipe,
    LoadError,
    MatButtonToggle,
    MatButtonToggleGroup,
    MatCard,
    MatCardContent,
    MatCardHeader,
    MatCardTitle,
    MatCell,
    MatCellDef,
    MatColumnDef,
    MatFormField,
    MatHeaderCell,
    MatHeaderCellDef,
    MatHeaderRow,
    MatHeaderRowDef,
    MatLabel,
    MatOption,
    MatProgressBar,
    MatRow,
    MatRowDef,
    MatSelect,
    MatSort,
    MatSortHeader,
    MatTable,
  ],
  templateUrl: './channel-analytics.html',
  styleUrl: './channel-analytics.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ChannelAnalytics {
  readonly tenantId = input.required<string>();
  /** The tenant's channels; the first is shown until another is picked. */
  readonly channels = input.required<readonly TenantChannelDto[]>();

  private readonly api = inject(TenantgramApi);

  protected readonly ranges = STATS_RANGES;
  protected readonly columns = ['post', 'posted_at', 'views', 'forwards', 'reactions'];
  protected readonly full = full;

  private readonly picked = signal<string | null>(null);
  protected readonly channelId = computed(() => {
    const channels = this.channels();
    const picked = this.picked();
    return channels.some((c) => c.id === picked) ? picked : (channels[0]?.id ?? null);
  });
  protected readonly channel = computed(() => this.channels().find((c) => c.id === this.channelId()) ?? null);
  protected readonly channelLabel = computed(() => {
    const channel = this.channel();
    return channel ? this.channelName(channel) : 'the channel';
  });
  protected readonly rangeKey = signal<StatsRangeKey>('7d');
  protected readonly range = computed<StatsRange>(
    () => STATS_RANGES.find((r) => r.key === this.rangeKey()) ?? STATS_RANGES[1],
  );
  protected readonly sort = signal<TopPostsSort>('views');

  /** Which channel, over which window: the window is fixed when the channel or range is picked, not on every read. */
  private readonly query = computed(() => {
    const channelId = this.channelId();
    if (!channelId) return undefined;
    return { tenantId: this.tenantId(), channelId, window: statsWindow(this.range(), Date.now()) };
  });

  protected readonly stats = apiResource({
    params: this.query,
    load: ({ tenantId, channelId, window }) => this.api.analyticsAdminStats(tenantId, channelId, window),
    keepWhileLoadingNew: false,
  });
  protected readonly posts = apiResource({
    params: computed(() => {
      const query = this.query();
      return query && { ...query, sort: this.sort() };
    }),
    load: ({ tenantId, channelId, window, sort }) =>
      this.api.analyticsAdminTopPosts(tenantId, channelId, {
        from: window.from,
        to: window.to,
        sort,
        limit: TOP_POSTS,
      }),
  });

  protected readonly summary = computed(() => {
    const stats = this.stats.value();
    return stats ? summarize(stats) : null;
  });
  protected readonly viewsAvailable = computed(() => this.stats.value()?.views_available ?? true);
  protected readonly subscribersOptions = computed(() => {
    const stats = this.stats.value();
    const query = this.query();
    return stats && query ? subscribersChart(stats, query.window) : null;
  });
  protected readonly viewsOptions = computed(() => {
    const stats = this.stats.value();
    const query = this.query();
    return stats && query ? viewsChart(stats, query.window) : null;
  });
  protected readonly perInterval = computed(() => (this.range().interval === 'hour' ? 'per hour' : 'per day'));

  protected pickChannel(id: string): void {
    this.picked.set(id);
  }

  protected pickRange(key: StatsRangeKey): void {
    this.rangeKey.set(key);
  }

  protected sortPosts(sort: Sort): void {
    const by = SORTS.find((s) => s === sort.active);
    if (by) this.sort.set(by);
  }

  protected channelName(c: TenantChannelDto): string {
    return c.title || (c.username ? `@${c.username}` : (c.telegram_id ?? c.id));
  }

  /** The post on Telegram, for a public channel. */
  protected postLink(messageId: number): string | null {
    const username = this.channel()?.username;
    return username ? `https://t.me/${username}/${messageId}` : null;
  }

  protected signed(n: number): string {
    return n > 0 ? `+${full(n)}` : full(n);
  }
}
