/** Every BullMQ queue the product runs. Processors register in their own modules. */
export enum QueueName {
  /** Housekeeping: expired logins, stale leases, key rewraps. */
  Maintenance = 'maintenance',
}
