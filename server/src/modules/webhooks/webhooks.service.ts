import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { Coalescer } from '../../common/coalescer';
import { validationFailed } from '../../common/http/input-shape';
import { AuditAction, type AuditActor, systemActor } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { NotificationsService } from '../bot/notifications.service';
import { CryptoService } from '../crypto/crypto.service';
import { isUuid, TenantDb } from '../database/tenant-db';
import { EventType, isEventType, type TenantEvent } from '../events/event-types';
import { DomainMetrics } from '../health/domain-metrics';
import { EventsService } from '../events/events.service';
import { UserRole } from '../tenants/user.entity';
import { TenantsError, TenantsErrorCode } from '../tenants/tenants.errors';
import { UsersService } from '../tenants/users.service';
import type {
  AdminWebhookEndpointDto,
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveryDto,
  WebhookEndpointDto,
} from './dtos/webhook.dto';
import {
  type DeliveryStatus,
  type OutcomeToRecord,
  type RecordedOutcome,
  WebhookDeliveriesRepository,
} from './webhook-deliveries.repository';
import { type EndpointChanges, type EndpointRow, WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { WebhookDispatcher } from './webhook-dispatcher';
import type { PostOutcome } from './webhook-http';
import type { DeliveryJob } from './webhook-jobs';
import { newWebhookSecret } from './webhook-signature';
import { checkTargetUrl } from './webhook-target';
import { endpointNotFound, WebhooksError, WebhooksErrorCode } from './webhooks.errors';

const TABLE = 'webhook_endpoints';
const DEFAULT_DELIVERIES_LIMIT = 50;
/** A worker re-reads an endpoint's url, status and secrets at most this stale (changes made here drop it at once). */
const TARGET_CACHE_MS = 2000;
const TARGET_CACHE_MAX = 10_000;

/** What a delivery needs of its endpoint, secrets in clear: for the worker's memory only. */
export interface DeliveryTarget {
  url: string;
  status: 'enabled' | 'disabled';
  /** The current secret, then the previous one while the rotation's overlap lasts. */
  secrets: string[];
}

const view = (r: EndpointRow): WebhookEndpointDto => ({
  id: r.id,
  url: r.url,
  event_types: r.event_types,
  description: r.description,
  status: r.status,
  disabled_reason: r.disabled_reason,
  created_at: r.created_at,
});

/**
 * A tenant's webhook endpoints: creating and changing them (URLs checked against the target policy,
 * event types against the known ones), their secrets (sealed at rest, shown only at creation and on
 * rotation), test pings, replays, delivery history, and recording each attempt's outcome with the
 * failure clock that disables a dead endpoint. Every write is audited without the secret.
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);
  private readonly targets = new Map<
    string,
    { value: DeliveryTarget | null; sealed: { envelope: string; secret: string }[]; expires: number }
  >();
  private readonly targetLookups = new Map<string, Promise<DeliveryTarget | null>>();
  /** Counts changes made through this process, so a lookup that raced one is not cached. */
  private targetChanges = 0;
  /** Outcomes are recorded in batches: many deliveries share one statement (group commit). */
  private readonly outcomes = new Coalescer<OutcomeToRecord, RecordedOutcome | null>(
    (batch) => this.recordOutcomeBatch(batch),
    { maxBatch: 200, maxInFlight: 2 },
  );

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tenantDb: TenantDb,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly dispatcher: WebhookDispatcher,
    private readonly crypto: CryptoService,
    private readonly events: EventsService,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly users: UsersService,
    private readonly metrics: DomainMetrics,
  ) {}

  async create(tenantId: string, dto: CreateWebhookEndpointDto, actor: AuditActor): Promise<CreatedWebhookEndpointDto> {
    const url = await this.checkUrl(dto.url);
    const types = checkEventTypes(dto.event_types ?? []);
    const secret = newWebhookSecret();
    // New endpoints start with the events recorded from now on.
    const cursor = await this.events.latestId(tenantId);
    const max = this.config.webhooks.endpointsPerTenant;
    const row = await this.endpoints.insert(
      tenantId,
      {
        url,
        description: dto.description ?? null,
        event_types: types,
        secret: this.seal(tenantId, 'secret', secret),
        dispatch_cursor: cursor,
      },
      max,
    );
    if (!row) {
      throw new WebhooksError(
        WebhooksErrorCode.TooManyEndpoints,
        `A tenant may have at most ${max} webhook endpoints; delete one first.`,
        { limit: max },
      );
    }
    this.dispatcher.forgetListening(tenantId);
    await this.record(AuditAction.WebhookEndpointCreated, actor, tenantId, row.id, {
      host: hostOf(url),
      event_types: types,
    });
    return { ...view(row), secret };
  }

  async list(tenantId: string): Promise<WebhookEndpointDto[]> {
    return (await this.endpoints.list(tenantId)).map(view);
  }

  /** Whether the endpoint is the tenant's (another tenant's reads as missing). */
  async owns(tenantId: string, id: string): Promise<boolean> {
    return isUuid(id) && (await this.endpoints.find(tenantId, id)) !== null;
  }

  async get(tenantId: string, id: string): Promise<WebhookEndpointDto> {
    return view(await this.find(tenantId, id));
  }

  async update(
    tenantId: string,
    id: string,
    dto: UpdateWebhookEndpointDto,
    actor: AuditActor,
  ): Promise<WebhookEndpointDto> {
    const before = await this.find(tenantId, id);
    const changes: EndpointChanges = {};
    if (dto.url !== undefined) changes.url = await this.checkUrl(dto.url);
    if (dto.event_types !== undefined) changes.event_types = checkEventTypes(dto.event_types);
    if (dto.description !== undefined) changes.description = dto.description;
    Object.assign(changes, statusChanges(before, dto.status, 'disabled through the API'));
    return view(await this.applyChanges(tenantId, before, changes, actor));
  }

  async remove(tenantId: string, id: string, actor: AuditActor): Promise<void> {
    const row = await this.find(tenantId, id);
    await this.tenantDb.run(tenantId, async (em) => {
      if (!(await this.endpoints.delete(tenantId, id, em))) throw endpointNotFound(id);
      await this.record(AuditAction.WebhookEndpointDeleted, actor, tenantId, id, { host: hostOf(row.url) }, em);
    });
    this.forgetTarget(id);
  }

  /** A new secret; the old one keeps signing beside it for WEBHOOK_SECRET_OVERLAP_SECONDS. */
  async rotateSecret(tenantId: string, id: string, actor: AuditActor): Promise<{ secret: string }> {
    const before = await this.find(tenantId, id);
    const secret = newWebhookSecret();
    const overlapMs = this.config.webhooks.secretOverlapSeconds * 1000;
    await this.tenantDb.run(tenantId, async (em) => {
      const row = await this.endpoints.update(
        tenantId,
        id,
        {
          secret: this.seal(tenantId, 'secret', secret),
          // The old secret is sealed again for its own column: an envelope is bound to its column.
          previous_secret:
            overlapMs > 0 ? this.seal(tenantId, 'previous_secret', this.open(tenantId, 'secret', before.secret)) : null,
          previous_secret_until: overlapMs > 0 ? new Date(Date.now() + overlapMs) : null,
        },
        em,
      );
      if (!row) throw endpointNotFound(id);
      await this.record(AuditAction.WebhookSecretRotated, actor, tenantId, id, {}, em);
    });
    this.forgetTarget(id);
    return { secret };
  }

  /** Records a `ping` naming this endpoint: it is delivered to this endpoint only. */
  async test(tenantId: string, id: string): Promise<{ event_id: string }> {
    await this.find(tenantId, id);
    const event = await this.events.emit(tenantId, EventType.Ping, { endpoint_id: id });
    if (!event) throw new Error('a ping without a dedupe key is always recorded');
    return { event_id: event.id };
  }

  /** Delivers again every kept event from `fromEventId` on that the endpoint takes (the same webhook-id each). */
  async replay(
    tenantId: string,
    id: string,
    fromEventId: string,
    actor: AuditActor,
  ): Promise<{ from_event_id: string }> {
    const from = BigInt(fromEventId);
    if (from < 1n || from > 2n ** 63n - 1n) {
      throw validationFailed([{ field: 'from_event_id', problems: ['from_event_id must be an event id (1 or more)'] }]);
    }
    await this.find(tenantId, id);
    await this.tenantDb.run(tenantId, async (em) => {
      if (!(await this.endpoints.rewind(tenantId, id, from.toString(), em))) throw endpointNotFound(id);
      await this.record(AuditAction.WebhookReplayed, actor, tenantId, id, { from_event_id: from.toString() }, em);
    });
    this.dispatcher.wake(tenantId);
    return { from_event_id: from.toString() };
  }

  async deliveriesOf(
    tenantId: string,
    id: string,
    status: DeliveryStatus | undefined,
    limit = DEFAULT_DELIVERIES_LIMIT,
  ): Promise<WebhookDeliveryDto[]> {
    await this.find(tenantId, id);
    const rows = await this.deliveries.list(tenantId, id, status, limit);
    return rows.map((d) => ({
      event_id: d.event_id,
      attempt: d.attempt,
      status: d.status,
      status_code: d.status_code,
      duration_ms: d.duration_ms,
      error: d.error,
      delivered_at: d.delivered_at,
      next_attempt_at: d.next_attempt_at,
    }));
  }

  /** The support console's view of a tenant's endpoints, with their delivery health. */
  async adminList(tenantId: string): Promise<AdminWebhookEndpointDto[]> {
    await this.findTenant(tenantId);
    const rows = await this.endpoints.list(tenantId);
    if (rows.length === 0) return [];
    const health = new Map(
      (
        await this.deliveries.health(
          tenantId,
          rows.map((r) => r.id),
        )
      ).map((h) => [h.endpoint_id, h]),
    );
    return rows.map((r) => {
      const h = health.get(r.id);
      const attempts = h?.attempts_24h ?? 0;
      const succeeded = h?.succeeded_24h ?? 0;
      return {
        ...view(r),
        health: {
          attempts_24h: attempts,
          succeeded_24h: succeeded,
          success_rate: attempts > 0 ? succeeded / attempts : null,
          last_failure: h?.last_failure_at
            ? { at: h.last_failure_at, status_code: h.last_failure_status_code, error: h.last_failure_error }
            : null,
          next_retry_at: h?.next_retry_at ?? null,
          failing_since: r.failing_since,
        },
      };
    });
  }

  async adminSetStatus(
    actor: AuditActor,
    tenantId: string,
    id: string,
    status: 'enabled' | 'disabled',
  ): Promise<WebhookEndpointDto> {
    await this.findTenant(tenantId);
    const before = await this.find(tenantId, id);
    return view(await this.applyChanges(tenantId, before, statusChanges(before, status, 'disabled by support'), actor));
  }

  async adminReplay(
    actor: AuditActor,
    tenantId: string,
    id: string,
    fromEventId: string,
  ): Promise<{ from_event_id: string }> {
    await this.findTenant(tenantId);
    return this.replay(tenantId, id, fromEventId, actor);
  }

  /**
   * The endpoint's url, status and secrets for a delivery; null when it is gone. Cached briefly per
   * process; deliveries that miss at the same time share one lookup, and a secret whose sealed value
   * did not change is not opened again. An answer past half its time is looked up again in the
   * background while it is still served, so a busy endpoint's deliveries do not wait for the lookup.
   */
  deliveryTarget(tenantId: string, endpointId: string): Promise<DeliveryTarget | null> {
    const hit = this.targets.get(endpointId);
    const now = Date.now();
    if (hit && hit.expires > now) {
      if (hit.expires - now < TARGET_CACHE_MS / 2) {
        // A failed lookup here is forgotten: the next delivery past the expiry looks up and waits.
        this.lookUpTargetShared(tenantId, endpointId).catch(() => undefined);
      }
      return Promise.resolve(hit.value);
    }
    return this.lookUpTargetShared(tenantId, endpointId);
  }

  /** One lookup of the endpoint at a time in this process; callers meanwhile share it. */
  private lookUpTargetShared(tenantId: string, endpointId: string): Promise<DeliveryTarget | null> {
    let pending = this.targetLookups.get(endpointId);
    if (!pending) {
      pending = this.lookUpTarget(tenantId, endpointId).finally(() => this.targetLookups.delete(endpointId));
      this.targetLookups.set(endpointId, pending);
    }
    return pending;
  }

  private async lookUpTarget(tenantId: string, endpointId: string): Promise<DeliveryTarget | null> {
    const changesBefore = this.targetChanges;
    const row = await this.endpoints.findTarget(tenantId, endpointId);
    const before = this.targets.get(endpointId)?.sealed;
    const opened = (column: 'secret' | 'previous_secret', envelope: string): string => {
      const known = before?.find((s) => s.envelope === envelope);
      return known ? known.secret : this.open(tenantId, column, envelope);
    };
    const sealed =
      row === null
        ? []
        : [
            { envelope: row.secret, secret: opened('secret', row.secret) },
            ...(row.previous_secret && row.previous_secret_until && row.previous_secret_until.getTime() > Date.now()
              ? [{ envelope: row.previous_secret, secret: opened('previous_secret', row.previous_secret) }]
              : []),
          ];
    const value: DeliveryTarget | null = row && {
      url: row.url,
      status: row.status,
      secrets: sealed.map((s) => s.secret),
    };
    // Changed through this process meanwhile: answer what was read, but do not keep it.
    if (changesBefore !== this.targetChanges) return value;
    if (this.targets.size >= TARGET_CACHE_MAX) this.targets.clear();
    const overlapEnds = row?.previous_secret_until?.getTime() ?? Infinity;
    this.targets.set(endpointId, { value, sealed, expires: Math.min(Date.now() + TARGET_CACHE_MS, overlapEnds) });
    return value;
  }

  /** The endpoint changed through this process: its next delivery reads it again. */
  private forgetTarget(endpointId: string): void {
    this.targets.delete(endpointId);
    this.targetChanges++;
  }

  /**
   * Records an attempt's outcome: a success stops the failure clock; a failure schedules the next
   * attempt (WEBHOOK_RETRY_SCHEDULE_SECONDS; after the last the delivery stays failed), starts the
   * clock, and once it has run WEBHOOK_DISABLE_AFTER_SECONDS disables the endpoint, records
   * `endpoint.disabled` and tells the tenant through the system bot. Outcomes recorded at the same
   * time share one statement (tenant_webhook_record).
   */
  async recordOutcome(
    job: DeliveryJob,
    event: TenantEvent,
    outcome: PostOutcome,
    options: { expired?: boolean } = {},
  ): Promise<void> {
    const { tenantId, endpointId } = job;
    const schedule = this.config.webhooks.retryScheduleSeconds;
    // An event past the retention cannot be sent: the attempt fails for good, and not against the endpoint.
    const delay = outcome.ok || options.expired ? undefined : schedule[job.attempt - 1];
    const recorded = await this.outcomes.call({
      tenantId,
      deliveryId: job.deliveryId,
      outcome: outcome.ok ? 'succeeded' : options.expired ? 'expired' : 'failed',
      result: outcome,
      nextAfterSeconds: delay ?? null,
    });
    if (outcome.ok) {
      this.metrics.webhookDelivery('delivered', outcome.durationMs / 1000);
      this.metrics.eventsLag((Date.now() - Date.parse(event.created_at)) / 1000);
      return;
    }
    if (!recorded) return;
    this.metrics.webhookDelivery(recorded.nextId ? 'failed' : 'gave_up', outcome.durationMs / 1000);
    if (recorded.nextId && recorded.nextAt) {
      await this.dispatcher.queueDeliveries(
        [{ ...job, deliveryId: recorded.nextId, attempt: job.attempt + 1, event }],
        Math.max(0, recorded.nextAt.getTime() - Date.now()),
      );
    }
    if (recorded.disableDue) await this.disableFailing(tenantId, endpointId, outcome);
  }

  /** The endpoint's failure clock has run out: disabled, `endpoint.disabled` and its audit entry in one transaction, then the note. */
  private async disableFailing(tenantId: string, endpointId: string, outcome: PostOutcome): Promise<void> {
    const reason = `deliveries failed for ${this.config.webhooks.disableAfterSeconds} s without a success (last: ${outcome.error ?? 'failed'})`;
    const disabledUrl = await this.tenantDb.run(tenantId, async (em) => {
      const failure = await this.endpoints.disableIfDue(
        em,
        tenantId,
        endpointId,
        this.config.webhooks.disableAfterSeconds,
        reason.slice(0, 500),
      );
      if (!failure.disabled || failure.url === null) return null;
      await this.events.emit(
        tenantId,
        EventType.EndpointDisabled,
        { endpoint_id: endpointId, url: shownUrl(failure.url), reason },
        { em },
      );
      await this.record(AuditAction.WebhookEndpointDisabled, systemActor(), tenantId, endpointId, { reason }, em);
      return failure.url;
    });
    if (disabledUrl === null) return;
    this.forgetTarget(endpointId);
    this.dispatcher.forgetListening(tenantId);
    this.logger.warn(`webhook endpoint ${endpointId} of tenant ${tenantId} disabled after failing`);
    await this.notifications.notify(tenantId, {
      kind: 'webhook_endpoint_disabled',
      endpoint_id: endpointId,
      url: shownUrl(disabledUrl),
      reason: `no successful delivery for ${this.config.webhooks.disableAfterSeconds} s (last: ${outcome.error ?? 'failed'})`,
    });
  }

  private async recordOutcomeBatch(batch: OutcomeToRecord[]): Promise<(RecordedOutcome | null)[]> {
    const recorded = await this.deliveries.recordOutcomes(batch, this.config.webhooks.disableAfterSeconds);
    return batch.map((o) => recorded.get(o.deliveryId) ?? null);
  }

  private async applyChanges(
    tenantId: string,
    before: EndpointRow,
    changes: EndpointChanges,
    actor: AuditActor,
  ): Promise<EndpointRow> {
    if (Object.keys(changes).length === 0) return before;
    const row = await this.tenantDb.run(tenantId, async (em) => {
      const updated = await this.endpoints.update(tenantId, before.id, changes, em);
      if (!updated) throw endpointNotFound(before.id);
      await this.record(
        AuditAction.WebhookEndpointChanged,
        actor,
        tenantId,
        before.id,
        {
          fields: Object.keys(changes).filter((k) => k !== 'failing_since' && k !== 'disabled_reason'),
          ...(changes.status ? { status: changes.status } : {}),
          ...(changes.url ? { host: hostOf(changes.url) } : {}),
        },
        em,
      );
      return updated;
    });
    this.forgetTarget(before.id);
    this.dispatcher.forgetListening(tenantId);
    if (before.status === 'disabled' && row.status === 'enabled') {
      // Enabled again: what was held back goes out, the attempts not made first.
      await this.dispatcher.requeuePending(tenantId, row.id);
      this.dispatcher.wake(tenantId);
    }
    return row;
  }

  private async find(tenantId: string, id: string): Promise<EndpointRow> {
    const row = isUuid(id) ? await this.endpoints.find(tenantId, id) : null;
    if (!row) throw endpointNotFound(id);
    return row;
  }

  private async findTenant(id: string): Promise<void> {
    const user = isUuid(id) ? await this.users.findById(id) : null;
    if (!user || user.role !== UserRole.Tenant) {
      throw new TenantsError(TenantsErrorCode.TenantNotFound, `Tenant ${id.slice(0, 64)} not found.`);
    }
  }

  private checkUrl(url: string): Promise<string> {
    return checkTargetUrl(url, { allowPrivateTargets: this.config.webhooks.allowPrivateTargets }).then(() => url);
  }

  private seal(tenantId: string, column: 'secret' | 'previous_secret', value: string): string {
    return this.crypto.encrypt(value, { tenantId, table: TABLE, column });
  }

  private open(tenantId: string, column: 'secret' | 'previous_secret', envelope: string): string {
    return this.crypto.decrypt(envelope, { tenantId, table: TABLE, column });
  }

  private record(
    action: AuditAction,
    actor: AuditActor,
    tenantId: string,
    endpointId: string,
    meta: Record<string, unknown>,
    em?: EntityManager,
  ): Promise<void> {
    return this.audit.record({ action, actor, tenantId, target: `webhook_endpoint:${endpointId}`, meta }, em);
  }
}

/** Event types as a tenant lists them: known ones, each once. Answers 400 naming an unknown one. */
function checkEventTypes(types: string[]): string[] {
  const unknown = types.filter((t) => !isEventType(t));
  if (unknown.length > 0) {
    throw validationFailed([
      {
        field: 'event_types',
        problems: [
          `unknown event type: ${unknown
            .map((t) => JSON.stringify(t.slice(0, 64)))
            .join(', ')
            .slice(0, 300)}`,
        ],
      },
    ]);
  }
  return [...new Set(types)];
}

/** The columns a status change sets: enabling again stops the failure clock and forgets why it was disabled. */
function statusChanges(
  before: EndpointRow,
  status: 'enabled' | 'disabled' | undefined,
  reason: string,
): EndpointChanges {
  if (status === undefined || status === before.status) return {};
  return status === 'enabled'
    ? { status, disabled_reason: null, failing_since: null }
    : { status, disabled_reason: reason };
}

const hostOf = (url: string): string => new URL(url).host;

/** An endpoint URL as events and notes show it: without credentials a tenant may have put in it. */
const shownUrl = (url: string): string => {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString();
};
