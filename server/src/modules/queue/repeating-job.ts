import type { Queue } from 'bullmq';

/**
 * Registers a deployment-wide repeating job: one BullMQ job scheduler kept in Redis, so every worker
 * may ask and one job runs per period. An upsert, so a changed period replaces the old schedule
 * instead of adding a second one. Not awaited by start-up: with Redis down the queue waits for it,
 * and readiness reports the outage; `onFailure` hears why it was not scheduled (another worker's
 * schedule still runs it).
 */
export function scheduleRepeatingJob(
  queue: Queue,
  job: string,
  everyMs: number,
  onFailure: (err: Error) => void,
): void {
  queue
    .upsertJobScheduler(job, { every: everyMs }, { name: job, opts: { removeOnComplete: true, removeOnFail: 100 } })
    .catch((err: unknown) => onFailure(err instanceof Error ? err : new Error(String(err))));
}
