import type { SandboxWorld } from '../world';
import { decodeValue, encodeValue, type JsonValue, SnapshotFormatError } from './snapshot-codec';

export { SnapshotFormatError } from './snapshot-codec';

/** Names the file's content, so some other JSON put in its place is refused rather than read as an empty world. */
export const SNAPSHOT_FORMAT = 'tenantgram-sandbox-world';
/**
 * Raised when a stored world can no longer be read as it was written (a field changing its meaning, not a field
 * added or dropped: those need no new version).
 */
export const SNAPSHOT_VERSION = 1;

/**
 * The world's fields that are configuration or test-time injections rather than its state: a restart takes them
 * from the environment again. Names starting with '_' (EventEmitter's own) are never state either.
 */
const RUNTIME_FIELDS = new Set(['limitsEnabled', 'codeTtlSeconds', 'defaultLimitsEnabled', 'faults']);

/** What the MTProto door keeps beyond the world: its auth keys (ids, keys, salts, sessions, signed-in users). */
export interface AuthKeyStore {
  exportAuthKeys(): object[];
  /** Takes all the records or, throwing, none of them. */
  importAuthKeys(records: unknown[]): void;
}

export interface WorldSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  /** ISO time of writing; for people reading the file. */
  savedAt: string;
  /** The world's state fields by name, each encoded by {@link encodeValue}. */
  world: Record<string, JsonValue>;
  authKeys: JsonValue;
}

type Fields = Record<string, unknown>;

function isStateField(key: string, value: unknown): boolean {
  return !key.startsWith('_') && !RUNTIME_FIELDS.has(key) && typeof value !== 'function';
}

/**
 * Every state field of the world (its maps, lists and id counters), found by walking the instance rather than by a
 * list of names, so a field added to the world later is stored without touching this file.
 */
export function takeSnapshot(world: SandboxWorld, keys: AuthKeyStore): WorldSnapshot {
  const fields: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(world as unknown as Fields)) {
    if (isStateField(key, value)) fields[key] = encodeValue(value);
  }
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    savedAt: new Date().toISOString(),
    world: fields,
    authKeys: encodeValue(keys.exportAuthKeys()),
  };
}

/**
 * The world's id counters: its top-level number fields (`nextUserId`, `nextBotId`...). Kept in a second small file
 * as well, so even a world file lost or moved aside as unreadable never lets an id be issued twice.
 */
export function takeCounters(world: SandboxWorld): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const [key, value] of Object.entries(world as unknown as Fields)) {
    if (isStateField(key, value) && typeof value === 'number' && Number.isSafeInteger(value)) counters[key] = value;
  }
  return counters;
}

/** Moves each counter up to the stored value (never down); unknown or malformed entries are ignored. */
export function raiseCounters(world: SandboxWorld, stored: unknown): void {
  if (typeof stored !== 'object' || stored === null) return;
  const target = world as unknown as Fields;
  for (const [key, value] of Object.entries(stored as Record<string, unknown>)) {
    const current = target[key];
    if (!Object.prototype.hasOwnProperty.call(target, key) || !isStateField(key, current)) continue;
    if (typeof current === 'number' && Number.isSafeInteger(value) && (value as number) > current) target[key] = value;
  }
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (value instanceof Map) return 'Map';
  if (value instanceof Set) return 'Set';
  if (Array.isArray(value)) return 'array';
  if (Buffer.isBuffer(value)) return 'bytes';
  if (value instanceof Date) return 'Date';
  return typeof value;
}

/** Checks a parsed file before anything of it reaches the world, so a bad file leaves the world untouched. */
export function parseSnapshot(raw: unknown): WorldSnapshot {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SnapshotFormatError('the file does not hold a JSON object');
  }
  const s = raw as Partial<WorldSnapshot>;
  if (s.format !== SNAPSHOT_FORMAT) throw new SnapshotFormatError(`the file is not a ${SNAPSHOT_FORMAT} snapshot`);
  if (s.version !== SNAPSHOT_VERSION) {
    throw new SnapshotFormatError(
      `the file is a version ${String(s.version)} snapshot; this sandbox reads version ${SNAPSHOT_VERSION}`,
    );
  }
  if (typeof s.world !== 'object' || s.world === null || Array.isArray(s.world)) {
    throw new SnapshotFormatError('the snapshot has no world object');
  }
  return s as WorldSnapshot;
}

/**
 * Puts a snapshot's state into a freshly built world and door. Every value is decoded and checked against the
 * kind of the field it replaces before any is assigned: on a {@link SnapshotFormatError} nothing has changed.
 * A stored field the world no longer has is ignored; a field the world gained keeps its initial value.
 */
export function restoreSnapshot(snapshot: WorldSnapshot, world: SandboxWorld, keys: AuthKeyStore): void {
  const target = world as unknown as Fields;
  const decoded: [string, unknown][] = [];
  for (const [key, json] of Object.entries(snapshot.world)) {
    if (!Object.prototype.hasOwnProperty.call(target, key) || !isStateField(key, target[key])) continue;
    const value = decodeValue(json);
    const want = kindOf(target[key]);
    const got = kindOf(value);
    // An optional field (initially undefined) may come back holding anything, and go back to nothing.
    if (want !== got && want !== 'empty' && got !== 'empty') {
      throw new SnapshotFormatError(`world.${key} is stored as ${got} but the world holds a ${want}`);
    }
    decoded.push([key, value]);
  }
  const authKeys = decodeValue(snapshot.authKeys ?? []);
  if (!Array.isArray(authKeys)) throw new SnapshotFormatError('authKeys must be a list');
  // The door checks every record before taking any; after it nothing can fail.
  keys.importAuthKeys(authKeys);
  for (const [key, value] of decoded) {
    const current = target[key];
    // Maps and sets are refilled in place: a door may hold the world's map itself (world.files).
    if (current instanceof Map && value instanceof Map) {
      current.clear();
      for (const [k, v] of value) current.set(k, v);
    } else if (current instanceof Set && value instanceof Set) {
      current.clear();
      for (const v of value) current.add(v);
    } else {
      target[key] = value;
    }
  }
}
