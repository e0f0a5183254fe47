import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable } from 'rxjs';

/** The latest failed delivery attempt of an endpoint. */
export interface WebhookLastFailure {
  at: string;
  /** The HTTP status the endpoint answered; null when it did not answer (timeout, refused connection). */
  status_code: number | null;
  error: string | null;
}

/** How deliveries to an endpoint went over the last 24 hours, and what is scheduled next. */
export interface WebhookEndpointHealth {
  attempts_24h: number;
  succeeded_24h: number;
  /** succeeded_24h / attempts_24h, from 0 to 1; null when there was no attempt. */
  success_rate: number | null;
  last_failure: WebhookLastFailure | null;
  next_retry_at: string | null;
  /** When the current run of failures started; null while deliveries succeed. */
  failing_since: string | null;
}

export type WebhookEndpointStatus = 'enabled' | 'disabled';

/** A tenant's webhook endpoint as support staff see it: never its secret. */
export interface AdminWebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  /** The event types delivered to it; empty means every type. */
  event_types: string[];
  status: WebhookEndpointStatus;
  created_at: string;
  disabled_reason: string | null;
  health: WebhookEndpointHealth;
}

export interface AdminWebhookEndpointList {
  items: AdminWebhookEndpoint[];
}

export interface WebhookReplay {
  from_event_id: string;
}

/** The admin API's routes for a tenant's webhook endpoints. */
@Injectable({ providedIn: 'root' })
export class WebhookEndpointsApi {
  private readonly http = inject(HttpClient);

  list(tenantId: string): Observable<AdminWebhookEndpointList> {
    return this.http.get<AdminWebhookEndpointList>(this.base(tenantId));
  }

  setStatus(tenantId: string, id: string, status: WebhookEndpointStatus): Observable<AdminWebhookEndpoint> {
    return this.http.patch<AdminWebhookEndpoint>(`${this.base(tenantId)}/${encodeURIComponent(id)}`, { status });
  }

  replay(tenantId: string, id: string, body: WebhookReplay): Observable<WebhookReplay> {
    return this.http.post<WebhookReplay>(`${this.base(tenantId)}/${encodeURIComponent(id)}/replay`, body);
  }

  private base(tenantId: string): string {
    return `/api/admin/tenants/${encodeURIComponent(tenantId)}/webhook-endpoints`;
  }
}
