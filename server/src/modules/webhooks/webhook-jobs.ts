import type { TenantEvent } from '../events/event-types';

/** The dispatch queue's jobs: one tenant's new events to hand to its endpoints, and the periodic sweep. */
export const DISPATCH_JOB = 'dispatch';
export const SWEEP_JOB = 'webhooks:sweep';

export interface DispatchJob {
  tenantId: string;
}

/** One attempt to deliver one event to one endpoint. No secret: the processor reads the endpoint's. */
export interface DeliveryJob {
  tenantId: string;
  endpointId: string;
  deliveryId: string;
  generation: number;
  eventId: string;
  attempt: number;
  /** The event as delivered; absent when the sweep queues a lost attempt again (then it is read). */
  event?: TenantEvent;
  /**
   * Further first attempts to the same endpoint (same generation), dispatched together with this one:
   * the job makes them too, one POST per event, at once. Each is recorded on its own.
   */
  also?: { deliveryId: string; eventId: string; event: TenantEvent }[];
}

/** Deterministic: the same attempt of the same event to the same endpoint is one job, however often it is queued. */
export const deliveryJobId = (j: Pick<DeliveryJob, 'endpointId' | 'generation' | 'eventId' | 'attempt'>): string =>
  `${j.endpointId}.${j.generation}.${j.eventId}.${j.attempt}`;
