/**
 * Runs calls one batch at a time: a call made while a batch is in flight waits
 * for it and then goes with every other call that waited, in one run (group
 * commit). An idle coalescer runs a call at once, so it adds no delay; under
 * load, many callers share one round trip. `run` answers one result per input,
 * in order; if it throws, every call of that batch fails with its error.
 */
export class Coalescer<In, Out> {
  private queued: { input: In; resolve: (out: Out) => void; reject: (err: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly run: (inputs: In[]) => Promise<Out[]>,
    private readonly maxBatch = 500,
  ) {}

  call(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queued.push({ input, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.running || this.queued.length === 0) return;
    const batch = this.queued.splice(0, this.maxBatch);
    this.running = true;
    this.run(batch.map((b) => b.input))
      .then(
        (outs) => batch.forEach((b, i) => b.resolve(outs[i])),
        (err: unknown) => batch.forEach((b) => b.reject(err)),
      )
      .finally(() => {
        this.running = false;
        this.next();
      });
  }
}
