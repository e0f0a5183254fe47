/**
 * Runs calls in batches, with at most `maxInFlight` batches running at once:
 * a call made while every lane is busy waits, then goes with every other call
 * that waited, in one run (group commit). An idle coalescer runs a call at
 * once, so it adds no delay; under load, many callers share one round trip,
 * and more than one lane lets the database work on batches side by side
 * (a batch runs on one connection, and one connection uses one core). `run`
 * answers one result per input, in order; if it throws, every call of that
 * batch fails with its error.
 */
export class Coalescer<In, Out> {
  private queued: { input: In; resolve: (out: Out) => void; reject: (err: unknown) => void }[] = [];
  private inFlight = 0;

  constructor(
    private readonly run: (inputs: In[]) => Promise<Out[]>,
    private readonly options: { maxBatch?: number; maxInFlight?: number } = {},
  ) {}

  call(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queued.push({ input, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.inFlight >= (this.options.maxInFlight ?? 1) || this.queued.length === 0) return;
    const batch = this.queued.splice(0, this.options.maxBatch ?? 500);
    this.inFlight += 1;
    this.run(batch.map((b) => b.input))
      .then(
        // `run` answers one output per input, in order.
        (outs) => batch.forEach((b, i) => b.resolve(outs.at(i) as Out)),
        (err: unknown) => batch.forEach((b) => b.reject(err)),
      )
      .finally(() => {
        this.inFlight -= 1;
        this.next();
      });
  }
}
