import type { SandboxWorld } from '../world';
import { decodeValue, encodeValue, type JsonValue, SnapshotFormatError } from './snapshot-codec';
import { rejoinForwardedPolls } from '../polls';

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
const WORLD_RUNTIME_FIELDS = new Set(['limitsEnabled', 'codeTtlSeconds', 'defaultLimitsEnabled', 'faults']);
/**
 * A bot session's fields that belong to the running process: its bot (the world's own object), a waiting long poll,
 * the webhook delivery loop's flags, when the door started serving it. Rate limiter buckets are class instances and left out by the codec's rule.
 */
const BOT_SESSION_RUNTIME_FIELDS = new Set([
  'bot',
  'poller',
  'deliveryAbort',
  'delivering',
  'closed',
  'servedSince',
  'serverStartedAt',
]);

/** What the MTProto door keeps beyond the world: its auth keys (ids, keys, salts, sessions, signed-in users). */
export interface AuthKeyStore {
  exportAuthKeys(): object[];
  /** Takes all the records or, throwing, none of them. */
  importAuthKeys(records: unknown[]): void;
}

/** What the Bot API door keeps per bot: webhook, allowed_updates, pending updates, what it sent. */
export interface BotSessionStore {
  botSessions(): ReadonlyMap<number, object>;
  /** The session of one of the world's bots (made when missing); undefined when the world has no such bot. */
  botSessionFor(botId: number): object | undefined;
  /** Called once the stored sessions are back: webhooks get what waits for them. */
  resumeBotSessions(): void;
}

/** The doors whose state is stored beside the world's. */
export interface SnapshotParts {
  mtproto: AuthKeyStore;
  botApi?: BotSessionStore;
}

export interface WorldSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  /** ISO time of writing; for people reading the file. */
  savedAt: string;
  /** The world's state fields by name, each encoded by {@link encodeValue}. */
  world: Record<string, JsonValue>;
  authKeys: JsonValue;
  /** `[bot id, session fields]` pairs. */
  botSessions?: [number, Record<string, JsonValue>][];
}

type Fields = Record<string, unknown>;

/** A class instance other than the value types the codec keeps: runtime machinery, never state. */
function isRuntimeObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (value instanceof Map || value instanceof Set || value instanceof Date || value instanceof Uint8Array) {
    return false;
  }
  if (Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto !== Object.prototype && proto !== null;
}

function isStateField(key: string, value: unknown, runtime: Set<string>): boolean {
  return !key.startsWith('_') && !runtime.has(key) && typeof value !== 'function' && !isRuntimeObject(value);
}

/**
 * Every state field of an object (its maps, lists and counters), found by walking the instance rather than by a
 * list of names, so a field added later is stored without touching this file.
 */
function encodeFields(obj: object, runtime: Set<string>): Record<string, JsonValue> {
  const fields: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(obj as Fields)) {
    if (isStateField(key, value, runtime)) fields[key] = encodeValue(value);
  }
  return fields;
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

/**
 * Decodes stored fields for `target` and checks each against the kind of the field it replaces, assigning nothing.
 * A stored field the object no longer has is ignored; a field it gained keeps its initial value.
 */
function decodeFields(
  target: object,
  json: Record<string, JsonValue>,
  runtime: Set<string>,
  where: string,
): [string, unknown][] {
  const current = target as Fields;
  const decoded: [string, unknown][] = [];
  for (const [key, stored] of Object.entries(json)) {
    if (!Object.prototype.hasOwnProperty.call(current, key) || !isStateField(key, current[key], runtime)) continue;
    const value = decodeValue(stored);
    const want = kindOf(current[key]);
    const got = kindOf(value);
    // An optional field (initially undefined) may come back holding anything, and go back to nothing.
    if (want !== got && want !== 'empty' && got !== 'empty') {
      throw new SnapshotFormatError(`${where}.${key} is stored as ${got} but the ${where} holds a ${want}`);
    }
    decoded.push([key, value]);
  }
  return decoded;
}

function assignFields(target: object, decoded: [string, unknown][]): void {
  const fields = target as Fields;
  for (const [key, value] of decoded) {
    const current = fields[key];
    // Maps and sets are refilled in place: a door may hold the world's map itself (world.files).
    if (current instanceof Map && value instanceof Map) {
      current.clear();
      for (const [k, v] of value) current.set(k, v);
    } else if (current instanceof Set && value instanceof Set) {
      current.clear();
      for (const v of value) current.add(v);
    } else {
      fields[key] = value;
    }
  }
}

export function takeSnapshot(world: SandboxWorld, parts: SnapshotParts): WorldSnapshot {
  const botSessions: [number, Record<string, JsonValue>][] = [];
  for (const [botId, session] of parts.botApi?.botSessions() ?? []) {
    botSessions.push([botId, encodeFields(session, BOT_SESSION_RUNTIME_FIELDS)]);
  }
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    savedAt: new Date().toISOString(),
    world: encodeFields(world, WORLD_RUNTIME_FIELDS),
    authKeys: encodeValue(parts.mtproto.exportAuthKeys()),
    botSessions,
  };
}

/**
 * The world's id counters: its top-level number fields (`nextUserId`, `nextBotId`...). Kept in a second small file
 * as well, so even a world file lost or moved aside as unreadable never lets an id be issued twice.
 */
export function takeCounters(world: SandboxWorld): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const [key, value] of Object.entries(world as unknown as Fields)) {
    if (isStateField(key, value, WORLD_RUNTIME_FIELDS) && typeof value === 'number' && Number.isSafeInteger(value)) {
      counters[key] = value;
    }
  }
  return counters;
}

/** Moves each counter up to the stored value (never down); unknown or malformed entries are ignored. */
export function raiseCounters(world: SandboxWorld, stored: unknown): void {
  if (typeof stored !== 'object' || stored === null) return;
  const target = world as unknown as Fields;
  for (const [key, value] of Object.entries(stored as Record<string, unknown>)) {
    const current = target[key];
    if (!Object.prototype.hasOwnProperty.call(target, key) || !isStateField(key, current, WORLD_RUNTIME_FIELDS)) {
      continue;
    }
    if (typeof current === 'number' && Number.isSafeInteger(value) && (value as number) > current) target[key] = value;
  }
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
  const sessions = s.botSessions ?? [];
  if (
    !Array.isArray(sessions) ||
    !sessions.every((p) => Array.isArray(p) && Number.isSafeInteger(p[0]) && typeof p[1] === 'object' && p[1] !== null)
  ) {
    throw new SnapshotFormatError('botSessions must be a list of [bot id, session] pairs');
  }
  return s as WorldSnapshot;
}

/**
 * Puts a snapshot's state into a freshly built world and its doors. The world's fields and the auth keys are
 * decoded and checked before any is assigned: on a {@link SnapshotFormatError} nothing has changed. Bot sessions
 * come last, for the bots the world then has; a session stored in a shape the door no longer has starts fresh.
 */
export function restoreSnapshot(snapshot: WorldSnapshot, world: SandboxWorld, parts: SnapshotParts): void {
  const decoded = decodeFields(world, snapshot.world, WORLD_RUNTIME_FIELDS, 'world');
  const authKeys = decodeValue(snapshot.authKeys ?? []);
  if (!Array.isArray(authKeys)) throw new SnapshotFormatError('authKeys must be a list');
  const sessions = (snapshot.botSessions ?? []).map(([botId, fields]) => {
    const values: Record<string, JsonValue> = {};
    // Decoded once here so malformed bytes or tags fail before anything changes.
    for (const [key, v] of Object.entries(fields)) {
      decodeValue(v);
      values[key] = v;
    }
    return [botId, values] as const;
  });
  // The door checks every record before taking any; after it nothing can fail.
  parts.mtproto.importAuthKeys(authKeys);
  assignFields(world, decoded);
  rejoinForwardedPolls(world);
  if (!parts.botApi) return;
  for (const [botId, fields] of sessions) {
    const session = parts.botApi.botSessionFor(botId);
    if (!session) continue;
    let checked: [string, unknown][];
    try {
      checked = decodeFields(session, fields, BOT_SESSION_RUNTIME_FIELDS, 'bot session');
    } catch {
      continue;
    }
    assignFields(session, checked);
  }
  parts.botApi.resumeBotSessions();
}
