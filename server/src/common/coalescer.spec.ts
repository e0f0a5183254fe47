import { Coalescer } from './coalescer';

describe('Coalescer', () => {
  it('runs an idle call at once and the calls that waited for it as one batch, in order', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const c = new Coalescer<number, number>(async (inputs) => {
      batches.push(inputs);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      return inputs.map((n) => n * 10);
    });
    const first = c.call(1);
    const rest = [c.call(2), c.call(3), c.call(4)];
    expect(batches).toEqual([[1]]);
    release();
    await expect(first).resolves.toBe(10);
    await expect(Promise.all(rest)).resolves.toEqual([20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('fails every call of a batch that throws, and keeps serving later calls', async () => {
    let fail = true;
    const c = new Coalescer<string, string>((inputs) =>
      fail ? Promise.reject(new Error('database down')) : Promise.resolve(inputs),
    );
    await expect(Promise.all([c.call('a'), c.call('b')])).rejects.toThrow('database down');
    fail = false;
    await expect(c.call('c')).resolves.toBe('c');
  });

  it('splits a long queue into batches of at most maxBatch', async () => {
    const sizes: number[] = [];
    const c = new Coalescer<number, number>(
      (inputs) => {
        sizes.push(inputs.length);
        return Promise.resolve(inputs);
      },
      { maxBatch: 2 },
    );
    await Promise.all([1, 2, 3, 4, 5].map((n) => c.call(n)));
    expect(sizes).toEqual([1, 2, 2]);
  });

  it('runs up to maxInFlight batches side by side, and batches what waits behind them', async () => {
    const batches: number[][] = [];
    const releases: (() => void)[] = [];
    const c = new Coalescer<number, number>(
      async (inputs) => {
        batches.push(inputs);
        await new Promise<void>((r) => releases.push(r));
        return inputs;
      },
      { maxInFlight: 2 },
    );
    const calls = [1, 2, 3, 4].map((n) => c.call(n));
    // Two lanes: 1 and 2 run at once, 3 and 4 wait together for the first lane to free.
    expect(batches).toEqual([[1], [2]]);
    releases[0]?.();
    await calls[0];
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1], [2], [3, 4]]);
    releases[1]?.();
    releases[2]?.();
    await expect(Promise.all(calls)).resolves.toEqual([1, 2, 3, 4]);
  });
});
