import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal } from '@angular/core';
import { MatButton } from '@angular/material/button';
import { MatCard, MatCardContent, MatCardHeader, MatCardTitle } from '@angular/material/card';
import { MatChip, MatChipSet } from '@angular/material/chips';
import { MatDialog } from '@angular/material/dialog';
import { MatProgressBar } from '@angular/material/progress-bar';
import { Title } from '@angular/platform-browser';
import { RouterLink } from '@angular/router';
import { firstValueFrom } from 'rxjs';

import { TenantDetailDto, TenantLimitsDto, TenantgramApi, WebhookHealthDto } from '../../core/api/api.generated';
import { confirmAction } from '../../core/confirm-dialog/confirm-dialog';
import { apiResource } from '../../core/data/api-resource';
import { LoadError } from '../../core/data/load-error';
import { Notifier } from '../../core/notifier';
import { pageTitle } from '../../product';
import { ChannelAnalytics } from './channel-analytics';
import { LimitsForm } from './limits-form';
import { WebhookEndpoints } from './webhook-endpoints';

/** What user_bot_credentials starts with; a tenant without a row has these limits. */
const DEFAULT_LIMITS: TenantLimitsDto = { rate_limit_rps: 10, max_concurrent_requests: 5 };

type WebhookState = 'healthy' | 'failing' | 'not-set' | 'unchecked';

@Component({
  selector: 'app-tenant-detail',
  imports: [
    ChannelAnalytics,
    DatePipe,
    LimitsForm,
    LoadError,
    MatButton,
    MatCard,
    MatCardContent,
    MatCardHeader,
    MatCardTitle,
    MatChip,
    MatChipSet,
    MatProgressBar,
    RouterLink,
    WebhookEndpoints,
  ],
  templateUrl: './tenant-detail.html',
  styleUrl: './tenant-detail.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TenantDetail {
  /** The tenant id from the route. */
  readonly id = input.required<string>();

  private readonly api = inject(TenantgramApi);
  private readonly notifier = inject(Notifier);
  private readonly dialog = inject(MatDialog);
  private readonly title = inject(Title);

  /** The tenant; a 404 is shown as "no such tenant" rather than as an error. */
  protected readonly detail = apiResource({
    params: this.id,
    load: (id) => this.api.adminGetTenant(id),
    quietStatuses: [404],
    keepWhileLoadingNew: false,
  });
  protected readonly tenant = computed(() => (this.missing() ? null : (this.detail.value() ?? null)));
  protected readonly missing = computed(() => this.detail.errorStatus() === 404);
  protected readonly busy = signal<'status' | 'limits' | 'disconnect' | null>(null);

  protected readonly name = computed(() => {
    const t = this.tenant();
    if (!t) return '';
    return t.email ?? (t.telegram_user_id ? `Telegram user ${t.telegram_user_id}` : t.id);
  });
  protected readonly limits = computed<TenantLimitsDto>(() => {
    const i = this.tenant()?.integration;
    return {
      rate_limit_rps: i?.rate_limit_rps ?? DEFAULT_LIMITS.rate_limit_rps,
      max_concurrent_requests: i?.max_concurrent_requests ?? DEFAULT_LIMITS.max_concurrent_requests,
    };
  });
  protected readonly webhookState = computed<WebhookState>(() => webhookState(this.tenant()?.bot.webhook ?? null));

  constructor() {
    effect(() => {
      const name = this.name();
      if (name) this.title.setTitle(pageTitle(name));
    });
  }

  protected async saveLimits(limits: TenantLimitsDto): Promise<void> {
    await this.act('limits', async (t) => {
      const saved = await firstValueFrom(this.api.adminSetLimits(t.id, limits));
      this.notifier.info(
        `Limits saved: ${saved.rate_limit_rps} requests per second, ${saved.max_concurrent_requests} at a time.`,
      );
      this.detail.reload();
    });
  }

  protected async toggleSuspension(): Promise<void> {
    const t = this.tenant();
    if (!t) return;
    const suspend = t.status === 'active';
    const confirmed = await firstValueFrom(
      confirmAction(this.dialog, {
        title: suspend ? `Suspend ${this.name()}?` : `Reactivate ${this.name()}?`,
        message: suspend
          ? 'Their API calls are refused (403) and they are signed out everywhere until reactivated.'
          : 'They can sign in and use the API again.',
        confirmLabel: suspend ? 'Suspend' : 'Reactivate',
        destructive: suspend,
      }),
    );
    if (!confirmed) return;
    await this.act('status', async (current) => {
      const updated = await firstValueFrom(
        this.api.adminSetStatus(current.id, { status: suspend ? 'suspended' : 'active' }),
      );
      this.detail.set(updated);
      this.notifier.info(suspend ? 'Tenant suspended.' : 'Tenant reactivated.');
    });
  }

  protected async forceDisconnect(): Promise<void> {
    const confirmed = await firstValueFrom(
      confirmAction(this.dialog, {
        title: 'Force MTProto disconnect?',
        message:
          "The tenant's Telegram user session is cleared and its live client dropped. They must sign in to " +
          'Telegram again before history and live updates work.',
        confirmLabel: 'Disconnect',
        destructive: true,
      }),
    );
    if (!confirmed) return;
    await this.act('disconnect', async (t) => {
      const result = await firstValueFrom(this.api.adminForceMtprotoDisconnect(t.id));
      this.detail.set({ ...t, mtproto: result.mtproto });
      this.notifier.info(result.had_session ? 'MTProto session cleared.' : 'There was no MTProto session to clear.');
      this.detail.reload();
    });
  }

  private async act(
    kind: 'status' | 'limits' | 'disconnect',
    fn: (t: TenantDetailDto) => Promise<void>,
  ): Promise<void> {
    const t = this.tenant();
    if (!t || this.busy()) return;
    this.busy.set(kind);
    try {
      await fn(t);
    } catch (error: unknown) {
      this.notifier.error(error);
    } finally {
      this.busy.set(null);
    }
  }
}

function webhookState(webhook: WebhookHealthDto | null): WebhookState {
  if (!webhook?.checked) return 'unchecked';
  if (!webhook.url) return 'not-set';
  return webhook.healthy ? 'healthy' : 'failing';
}
