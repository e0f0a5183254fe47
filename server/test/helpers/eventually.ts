export interface EventuallyOptions {
  /** Give up after this long (default 20 s). */
  timeoutMs?: number;
  /** Look again after this long (default 50 ms). */
  stepMs?: number;
  /** What is awaited, for the failure message. */
  what?: string;
}

/**
 * Polls `check` until it answers something other than undefined or false,
 * and resolves with that; a check that throws is looked at again, and its
 * last error is in the failure message if time runs out. The one way specs
 * wait for something to have happened (never a fixed sleep).
 */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: EventuallyOptions | number = {},
): Promise<T> {
  const {
    timeoutMs = 20_000,
    stepMs = 50,
    what = 'condition',
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`${what} not met in ${timeoutMs} ms${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
