import { QueryFailedError } from 'typeorm';

/** Which backing service an error says is unreachable, if it is an outage rather than a bug. */
export type Outage = 'postgres' | 'redis';

/** Socket failures: only the Postgres pool connects per request (Redis clients reconnect on their own). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Postgres SQLSTATEs of a server going away or not there yet: class 08 (connection exception),
 * 57P01-57P03 (shut down by an administrator, crash, starting up or shutting down), 53300 (no free slot).
 */
const PG_OUTAGE_STATES = /^(08...|57P0[123]|53300)$/;

/** node-postgres says these in plain text, without a code, when a server vanishes under a client. */
const PG_OUTAGE_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed/i;

/** ioredis: a command given up on while the server is unreachable. */
const REDIS_OUTAGE_MESSAGES =
  /Reached the max retries per request limit|Connection is closed|Stream isn't writeable|enableOfflineQueue options is false/;

type ErrorLike = { name?: unknown; message?: unknown; code?: unknown };

/**
 * Looks at shape, not class: socket errors are made by Node's own realm, where `instanceof Error`
 * from another realm (a test runner's sandbox, a worker) answers false.
 */
export function outageOf(err: unknown): Outage | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as ErrorLike;
  const text = (x: unknown): string => (typeof x === 'string' ? x : '');
  if (e.name === 'MaxRetriesPerRequestError' || REDIS_OUTAGE_MESSAGES.test(text(e.message))) return 'redis';
  const cause = (err instanceof QueryFailedError ? err.driverError : err) as ErrorLike | null | undefined;
  const code = cause?.code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || PG_OUTAGE_STATES.test(code))) return 'postgres';
  if (PG_OUTAGE_MESSAGES.test(text(cause?.message)) || PG_OUTAGE_MESSAGES.test(text(e.message))) return 'postgres';
  return undefined;
}
