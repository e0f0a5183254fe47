import { AdminWebhookEndpointDto } from '../../core/api/api.generated';

/** An endpoint's latest failed delivery attempt. */
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
  /** succeeded_24h / attempts_24h, from 0 to 1; null without attempts. */
  success_rate: number | null;
  last_failure: WebhookLastFailure | null;
  next_retry_at: string | null;
  /** Since when deliveries have been failing; null while they succeed. */
  failing_since: string | null;
}

/**
 * A tenant's webhook endpoint as the admin API sends it. The server has two classes named WebhookHealthDto (a bot's
 * webhook as Telegram reports it, and an endpoint's deliveries), so the OpenAPI document holds one schema for both
 * and the generated `health` is the bot's; the endpoint's is written out above.
 */
export type AdminWebhookEndpoint = Omit<AdminWebhookEndpointDto, 'health'> & { health: WebhookEndpointHealth };

export interface AdminWebhookEndpointList {
  items: AdminWebhookEndpoint[];
}
