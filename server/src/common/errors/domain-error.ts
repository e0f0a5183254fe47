/**
 * Base class for every error a service throws on purpose. Services also run in
 * workers and bot handlers, so they never throw HTTP exceptions: each module
 * declares a code enum and the HTTP status of each code next to it, and the
 * global filter maps them at the edge.
 */
export abstract class DomainError<Code extends string = string> extends Error {
  abstract readonly httpStatus: number;
  /** Extra, non-secret fields merged into the error body (e.g. `retry_after`, `fields`). */
  readonly details?: Record<string, unknown>;

  constructor(
    readonly code: Code,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

/** Builds a DomainError subclass whose codes carry a fixed status table. */
export function defineDomainError<Code extends string>(
  name: string,
  statuses: Record<Code, number>,
): new (code: Code, message: string, details?: Record<string, unknown>) => DomainError<Code> {
  const cls = class extends DomainError<Code> {
    get httpStatus(): number {
      return statuses[this.code];
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

export function assertUnreachable(value: never): never {
  throw new Error(`Unreachable case: ${String(value)}`);
}
