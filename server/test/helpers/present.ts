/**
 * The value a test or bench knows is there (a slot of an array it just filled, a row it just
 * inserted), or an Error naming what is missing instead of a TypeError further down.
 */
export function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`expected ${what}, found none`);
  return value;
}
