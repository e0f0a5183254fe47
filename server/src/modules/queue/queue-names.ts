/** Every BullMQ queue the product runs. Processors register in their own modules. */
export enum QueueName {
  /** Housekeeping: expired logins, stale leases, key rewraps. */
  Maintenance = 'maintenance',
  /** Tenant bot updates received by webhook, handled by workers. */
  BotUpdates = 'bot-updates',
  /** Channel send runs: one job drains a channel's due posts in order. */
  PostSend = 'post-send',
  /** Events housekeeping: the coming days' partitions, and dropping expired ones. */
  EventsMaintenance = 'events-maintenance',
  /** Channel analytics housekeeping: the coming months' partitions, and dropping expired ones. */
  AnalyticsMaintenance = 'analytics-maintenance',
  /** Messages from the system bot to tenants. */
  Notifications = 'notifications',
  /** Webhook dispatch: a tenant's new events handed to its endpoints' deliveries, and the periodic sweep. */
  WebhookDispatch = 'webhook-dispatch',
  /** Webhook delivery: one attempt to POST one event to one endpoint. */
  WebhookDelivery = 'webhook-delivery',
}
