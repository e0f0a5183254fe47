import { Logger } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { HousekeepingHost } from './housekeeping-host';

/** A pass that records when it ran. */
class Tidy extends HousekeepingHost<{ at: Date }> {
  protected readonly logger = new Logger('Tidy');
  readonly passes: Date[] = [];

  constructor(queue: Queue) {
    super(queue, { job: 'tidy:run', everyMs: 60_000, what: 'tidying' });
  }

  runPass(now: Date = new Date()): Promise<{ at: Date }> {
    this.passes.push(now);
    return Promise.resolve({ at: now });
  }
}

/** The one queue call the host makes, recorded; `fails` makes Redis refuse it. */
function queueThatRecords(fails?: Error) {
  const calls: unknown[][] = [];
  const queue = {
    upsertJobScheduler: (...args: unknown[]) => {
      calls.push(args);
      return fails ? Promise.reject(fails) : Promise.resolve();
    },
  } as unknown as Queue;
  return { queue, calls };
}

const job = (name: string) => ({ name }) as Job;

describe('HousekeepingHost', () => {
  it('schedules its job once for the deployment, with its period, replacing an older schedule', () => {
    const { queue, calls } = queueThatRecords();
    new Tidy(queue).onApplicationBootstrap();
    expect(calls).toEqual([
      ['tidy:run', { every: 60_000 }, { name: 'tidy:run', opts: { removeOnComplete: true, removeOnFail: 100 } }],
    ]);
  });

  it('says why when the schedule cannot be made, and does not throw', async () => {
    const { queue } = queueThatRecords(new Error('Connection is closed.'));
    const tidy = new Tidy(queue);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      tidy.onApplicationBootstrap();
      await new Promise(setImmediate);
      expect(warn).toHaveBeenCalledWith('could not schedule tidying: Connection is closed.');
    } finally {
      warn.mockRestore();
    }
  });

  it('runs a pass as of now for its own job', async () => {
    const tidy = new Tidy(queueThatRecords().queue);
    const before = Date.now();
    const result = await tidy.process(job('tidy:run'));
    expect(tidy.passes).toHaveLength(1);
    expect(result.at.getTime()).toBeGreaterThanOrEqual(before);
  });

  it('refuses a job of another name instead of running a pass for it', async () => {
    const tidy = new Tidy(queueThatRecords().queue);
    await expect(tidy.process(job('tidy:other'))).rejects.toThrow('No tidying task named tidy:other.');
    expect(tidy.passes).toEqual([]);
  });
});
