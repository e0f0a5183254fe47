/**
 * Narrows a value that is present by construction (a regex group that always participates, an index
 * inside a checked length) and fails loudly if that reasoning is ever wrong.
 */
export function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}
