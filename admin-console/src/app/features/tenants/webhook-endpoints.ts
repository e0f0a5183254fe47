import { DatePipe, PercentPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { MatButton } from '@angular/material/button';
import { MatCard, MatCardContent, MatCardHeader, MatCardTitle } from '@angular/material/card';
import { MatChip, MatChipSet } from '@angular/material/chips';
import { MatDialog } from '@angular/material/dialog';
import { MatProgressBar } from '@angular/material/progress-bar';
import { firstValueFrom } from 'rxjs';

import { AdminWebhookEndpointDto, TenantgramApi } from '../../core/api/api.generated';
import { confirmAction } from '../../core/confirm-dialog/confirm-dialog';
import { apiResource } from '../../core/data/api-resource';
import { LoadError } from '../../core/data/load-error';
import { Notifier } from '../../core/notifier';
import { askReplayFrom } from './replay-dialog';

/** A tenant's webhook endpoints with their delivery health, and the actions support staff take on them. */
@Component({
  selector: 'app-webhook-endpoints',
  imports: [
    DatePipe,
    LoadError,
    MatButton,
    MatCard,
    MatCardContent,
    MatCardHeader,
    MatCardTitle,
    MatChip,
    MatChipSet,
    MatProgressBar,
    PercentPipe,
  ],
  templateUrl: './webhook-endpoints.html',
  styleUrl: './webhook-endpoints.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class WebhookEndpoints {
  readonly tenantId = input.required<string>();

  private readonly api = inject(TenantgramApi);
  private readonly notifier = inject(Notifier);
  private readonly dialog = inject(MatDialog);

  protected readonly list = apiResource({
    params: this.tenantId,
    load: (tenantId) => this.api.adminWebhooksList(tenantId),
    keepWhileLoadingNew: false,
  });
  protected readonly endpoints = computed(() => this.list.value()?.items ?? null);
  /** The endpoint an action is on its way for; one action at a time. */
  protected readonly busy = signal<string | null>(null);

  protected async toggle(endpoint: AdminWebhookEndpointDto): Promise<void> {
    const disable = endpoint.status === 'enabled';
    const confirmed = await firstValueFrom(
      confirmAction(this.dialog, {
        title: disable ? 'Disable this webhook endpoint?' : 'Enable this webhook endpoint?',
        message: disable
          ? `No events are delivered to ${endpoint.url} until it is enabled again.`
          : `Events are delivered to ${endpoint.url} again, and its failure clock starts over.`,
        confirmLabel: disable ? 'Disable' : 'Enable',
        destructive: disable,
      }),
    );
    if (!confirmed) return;
    await this.act(endpoint, async (tenantId) => {
      const updated = await firstValueFrom(
        this.api.adminWebhooksSetStatus(tenantId, endpoint.id, { status: disable ? 'disabled' : 'enabled' }),
      );
      // The answer has no health: shown at once with the figures already known, then the list is asked again.
      this.replace({ ...endpoint, ...updated });
      this.notifier.info(disable ? 'Webhook endpoint disabled.' : 'Webhook endpoint enabled.');
      this.list.reload();
    });
  }

  protected async replay(endpoint: AdminWebhookEndpointDto): Promise<void> {
    const fromEventId = await firstValueFrom(askReplayFrom(this.dialog, { url: endpoint.url }));
    if (fromEventId === undefined) return;
    await this.act(endpoint, async (tenantId) => {
      const accepted = await firstValueFrom(
        this.api.adminWebhooksReplay(tenantId, endpoint.id, { from_event_id: fromEventId }),
      );
      this.notifier.info(`Events from ${accepted.from_event_id} on are being delivered again to ${endpoint.url}.`);
    });
  }

  private replace(endpoint: AdminWebhookEndpointDto): void {
    const current = this.list.value();
    if (!current) return;
    this.list.set({ ...current, items: current.items.map((e) => (e.id === endpoint.id ? endpoint : e)) });
  }

  private async act(endpoint: AdminWebhookEndpointDto, fn: (tenantId: string) => Promise<void>): Promise<void> {
    if (this.busy()) return;
    this.busy.set(endpoint.id);
    try {
      await fn(this.tenantId());
    } catch (error: unknown) {
      this.notifier.error(error);
    } finally {
      this.busy.set(null);
    }
  }
}
