import { Module } from '@nestjs/common';
import { WorkerRecycle } from './worker-recycle';

/** The worker's own lifecycle: recycling past its memory or age limit (worker role). */
@Module({ providers: [WorkerRecycle], exports: [WorkerRecycle] })
export class WorkerRecycleModule {}
