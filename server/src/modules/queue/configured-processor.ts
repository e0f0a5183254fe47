import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Type } from '@nestjs/common';
import type { WorkerOptions } from 'bullmq';
import type { QueueName } from './queue-names';

/** The worker settings a processor may take from the config (the connection and prefix are the queues'). */
export type ProcessorOptions = Pick<
  WorkerOptions,
  'concurrency' | 'lockDuration' | 'stalledInterval' | 'maxStalledCount' | 'autorun'
>;

/**
 * A processor whose worker settings come from the config. `@Processor` fixes them when the
 * class is declared, once per process, while each app instance has its own config (tests run
 * several in one process), so each gets a subclass of its own declared with its settings.
 * The base class is `@Injectable()` and not itself a processor.
 */
export function configuredProcessor<T extends WorkerHost>(
  base: Type<T>,
  queue: QueueName,
  options: ProcessorOptions,
): Type<T> {
  const configured = class extends (base as Type<object>) {} as Type<T>;
  Object.defineProperty(configured, 'name', { value: base.name });
  Processor(queue, options)(configured);
  return configured;
}
