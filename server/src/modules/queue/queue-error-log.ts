import { WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Queue, Worker } from 'bullmq';

/**
 * Built by QueueModule with every queue the product registers (`queues`). Logs the connection errors of every queue, and of every worker whose processor does not
 * listen itself (`@OnWorkerEvent('error')`). An EventEmitter's 'error' without a listener
 * throws, and BullMQ reports every failed reconnect; jobs and adds that fail during an
 * outage surface where they are made.
 */
export class QueueErrorLog implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('Queues');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly queues: readonly Queue[],
  ) {}

  onModuleInit(): void {
    for (const queue of this.queues) {
      queue.on('error', (err) => this.logger.warn(`queue ${queue.name}: ${err.message}`));
    }
  }

  /** Workers exist from the modules' init on; by bootstrap every processor has one. */
  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const host: unknown = wrapper.instance;
      if (!(host instanceof WorkerHost)) continue;
      const worker: Worker = (host as WorkerHost<Worker>).worker;
      if (worker.listenerCount('error') > 0) continue;
      worker.on('error', (err: Error) => this.logger.warn(`worker ${worker.name}: ${err.message}`));
    }
  }
}
