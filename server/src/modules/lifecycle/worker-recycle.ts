import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';

/** Why a worker recycles itself. */
export type RecycleReason =
  { kind: 'memory'; rssMb: number; limitMb: number } | { kind: 'runtime'; hours: number; limitHours: number };

export function describeRecycle(reason: RecycleReason): string {
  return reason.kind === 'memory'
    ? `resident memory ${reason.rssMb} MB is past WORKER_MAX_RSS_MB=${reason.limitMb}`
    : `running ${reason.hours.toFixed(2)} h, past its share of WORKER_MAX_RUNTIME_HOURS=${reason.limitHours}`;
}

/**
 * How long this worker may run (ms), or null without a runtime limit: the limit less a random share
 * of up to `jitter` of it, so workers started together do not recycle together.
 */
export function runtimeBudgetMs(
  maxRuntimeHours: number,
  jitter: number,
  random: () => number = Math.random,
): number | null {
  if (maxRuntimeHours <= 0) return null;
  return maxRuntimeHours * 3_600_000 * (1 - jitter * random());
}

/** The reason to recycle now, if any: memory first (the pressing one), then age. */
export function recycleReason(
  limits: { maxRssMb: number; maxRuntimeHours: number; budgetMs: number | null },
  now: { rssBytes: number; runningMs: number },
): RecycleReason | null {
  const rssMb = Math.round(now.rssBytes / (1024 * 1024));
  if (limits.maxRssMb > 0 && rssMb > limits.maxRssMb) return { kind: 'memory', rssMb, limitMb: limits.maxRssMb };
  if (limits.budgetMs !== null && now.runningMs >= limits.budgetMs) {
    return { kind: 'runtime', hours: now.runningMs / 3_600_000, limitHours: limits.maxRuntimeHours };
  }
  return null;
}

/**
 * Watches a worker's resident memory and age against WORKER_MAX_RSS_MB and WORKER_MAX_RUNTIME_HOURS.
 * `due` settles once either is past; the process entry point then closes the app (workers stop
 * taking jobs and finish the running ones, MTProto sessions are closed and their leases handed
 * back, clients closed) and exits 0, for Kubernetes to start a fresh one.
 */
@Injectable()
export class WorkerRecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WorkerRecycle.name);
  private startedAt = Date.now();
  private timer?: NodeJS.Timeout;
  private settle: (reason: RecycleReason) => void = () => undefined;
  /** Settles with the reason once the worker should recycle; never settles without limits. */
  readonly due: Promise<RecycleReason> = new Promise((resolve) => (this.settle = resolve));

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    const { maxRssMb, maxRuntimeHours, jitter, checkSeconds } = this.config.workerRecycle;
    this.startedAt = Date.now();
    const budgetMs = runtimeBudgetMs(maxRuntimeHours, jitter);
    if (maxRssMb <= 0 && budgetMs === null) return;
    if (budgetMs !== null) this.logger.log(`recycles after ${(budgetMs / 3_600_000).toFixed(3)} h`);
    this.timer = setInterval(() => {
      const reason = recycleReason(
        { maxRssMb, maxRuntimeHours, budgetMs },
        { rssBytes: process.memoryUsage.rss(), runningMs: Date.now() - this.startedAt },
      );
      if (!reason) return;
      clearInterval(this.timer);
      this.logger.log(`recycling: ${describeRecycle(reason)}`);
      this.settle(reason);
    }, checkSeconds * 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
