import { WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy, type Type } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { TenantEvent } from '../events/event-types';
import { EventsService } from '../events/events.service';
import { configuredProcessor } from '../queue/configured-processor';
import { QueueName } from '../queue/queue-names';
import { WebhookHttpClient } from './webhook-http';
import { WebhookDispatcher } from './webhook-dispatcher';
import type { DeliveryJob } from './webhook-jobs';
import { signDelivery } from './webhook-signature';
import { type DeliveryTarget, WebhooksService } from './webhooks.service';

/**
 * Makes one delivery attempt: the event's JSON (exactly as GET /api/events serves it) POSTed to the
 * endpoint, signed per Standard Webhooks with `webhook-id` = the event id on every attempt, and the
 * outcome recorded (WebhooksService.recordOutcome); a job may carry further first attempts to the
 * same endpoint, made beside it, one POST each. An endpoint gone or disabled is skipped; its
 * attempt stays pending, to go out when it is enabled again. Concurrency from the config
 * (`webhookDeliveryProcessor(config)`). The first attempts this process dispatches are made here
 * without a job (WebhookDispatcher.deliverInProcess), as many at once besides the worker's.
 */
@Injectable()
export class WebhookDeliveryProcessor extends WorkerHost implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly webhooks: WebhooksService,
    private readonly events: EventsService,
    private readonly http: WebhookHttpClient,
    private readonly dispatcher: WebhookDispatcher,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.dispatcher.deliverInProcess((job) => this.deliverJob(job), this.config.webhooks.deliveryConcurrency);
  }

  /** Before the HTTP client and the connections close: the attempts being made here finish. */
  async onModuleDestroy(): Promise<void> {
    await this.dispatcher.stopDeliveringInProcess();
  }

  process(job: Job<DeliveryJob>): Promise<{ status: string }> {
    return this.deliverJob(job.data);
  }

  /** Makes a job's attempts (see the class); throws for a platform failure of any of them. */
  async deliverJob(job: DeliveryJob): Promise<{ status: string }> {
    const { also, ...d } = job;
    const target = await this.webhooks.deliveryTarget(d.tenantId, d.endpointId);
    if (!target || target.status !== 'enabled') return { status: 'skipped' };
    // The attempts dispatched with this one go out beside it, each recorded on its own; a platform
    // failure of any fails the job, whose retry records only what is still pending.
    const results = await Promise.allSettled([
      this.deliver(d, target),
      ...(also ?? []).map((a) => this.deliver({ ...d, ...a }, target)),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return { status: (results[0] as PromiseFulfilledResult<string>).value };
  }

  private async deliver(d: DeliveryJob, target: DeliveryTarget): Promise<string> {
    const event = d.event ?? (await this.eventById(d.tenantId, d.eventId));
    if (!event) {
      await this.webhooks.recordOutcome(
        d,
        { id: d.eventId } as TenantEvent,
        {
          ok: false,
          statusCode: null,
          durationMs: 0,
          error: 'the event is no longer kept (past the events retention)',
          responseBody: null,
        },
        { expired: true },
      );
      return 'expired';
    }
    const body = JSON.stringify(event);
    const headers = signDelivery(target.secrets, event.id, new Date(), body);
    const outcome = await this.http.post(target.url, body, { ...headers });
    await this.webhooks.recordOutcome(d, event, outcome);
    return outcome.ok ? 'succeeded' : 'failed';
  }

  private async eventById(tenantId: string, id: string): Promise<TenantEvent | null> {
    const [event] = await this.events.list(tenantId, { after: (BigInt(id) - 1n).toString(), types: [], limit: 1 });
    return event?.id === id ? event : null;
  }
}

export const webhookDeliveryProcessor = (config: AppConfig): Type<WebhookDeliveryProcessor> =>
  configuredProcessor(WebhookDeliveryProcessor, QueueName.WebhookDelivery, {
    concurrency: config.webhooks.deliveryConcurrency,
    // Longer than the endpoint's deadline, so a slow endpoint is not taken for a stalled job.
    lockDuration: config.webhooks.timeoutMs + 30_000,
  });
