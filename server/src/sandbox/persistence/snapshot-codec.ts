/**
 * Turns the sandbox's in-memory values into plain JSON and back, keeping what JSON cannot say: bigint
 * (access hashes, session ids), bytes (auth keys, file contents), Date, Map (with number keys kept numbers),
 * Set, undefined inside arrays and non-finite numbers.
 *
 * Written here rather than taken from a library: superjson and devalue (the well-kept ones) ship as ES modules
 * only and know nothing of Node's Buffer, while the sandbox runs as CommonJS and its most important values are
 * bytes. The format is small: a tagged value is an object with exactly one key, one of {@link TAGS}; a plain
 * object that itself has a key starting with '$' is wrapped in `$object`, so no data is ever read as a tag.
 *
 * Only data persists: functions, symbols and class instances (sockets, timers, SRP sessions in progress) are
 * runtime state and are left out (a property holding one is omitted, an array slot becomes undefined).
 */

export class SnapshotFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotFormatError';
  }
}

const TAGS = ['$bigint', '$bytes', '$date', '$map', '$set', '$undefined', '$number', '$object'] as const;
type Tag = (typeof TAGS)[number];
const TAG_SET = new Set<string>(TAGS);

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Marks a value the encoder leaves out. */
const SKIP = Symbol('skip');

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

export function encodeValue(value: unknown): JsonValue {
  const out = encode(value, new Set());
  return out === SKIP ? { $undefined: true } : out;
}

function encode(value: unknown, path: Set<object>): JsonValue | typeof SKIP {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : { $number: String(value) };
    case 'bigint':
      return { $bigint: value.toString() };
    case 'undefined':
    case 'function':
    case 'symbol':
      return SKIP;
    case 'object':
      break;
  }
  if (value === null) return null;
  if (path.has(value)) throw new SnapshotFormatError('the world holds a cycle; it cannot be stored as JSON');
  if (value instanceof Uint8Array)
    return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.length).toString('base64') };
  if (value instanceof Date) return { $date: value.getTime() };
  path.add(value);
  try {
    const item = (v: unknown): JsonValue => {
      const e = encode(v, path);
      return e === SKIP ? { $undefined: true } : e;
    };
    if (Array.isArray(value)) return value.map(item);
    if (value instanceof Map) return { $map: [...value].map(([k, v]): JsonValue => [item(k), item(v)]) };
    if (value instanceof Set) return { $set: [...value].map(item) };
    if (!isPlainObject(value)) return SKIP;
    const obj: Record<string, JsonValue> = {};
    let hasDollarKey = false;
    for (const [key, v] of Object.entries(value)) {
      const e = encode(v, path);
      if (e === SKIP) continue;
      if (key.startsWith('$')) hasDollarKey = true;
      define(obj, key, e);
    }
    return hasDollarKey ? { $object: obj } : obj;
  } finally {
    path.delete(value);
  }
}

/** Own property even for '__proto__', so stored data can never change an object's prototype. */
function define(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function decodeValue(json: unknown): unknown {
  return decode(json, '$');
}

function decode(json: unknown, where: string): unknown {
  if (json === null || typeof json === 'string' || typeof json === 'boolean' || typeof json === 'number') return json;
  if (Array.isArray(json)) return json.map((v, i) => decode(v, `${where}[${i}]`));
  if (typeof json !== 'object') throw new SnapshotFormatError(`${where}: unexpected ${typeof json}`);
  const entries = Object.entries(json as Record<string, unknown>);
  const [only] = entries;
  if (entries.length === 1 && only && TAG_SET.has(only[0])) {
    return decodeTagged(only[0] as Tag, only[1], where);
  }
  return decodeObject(entries, where);
}

function decodeObject(entries: [string, unknown][], where: string): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (const [key, v] of entries) define(obj, key, decode(v, `${where}.${key}`));
  return obj;
}

function decodeTagged(tag: Tag, v: unknown, where: string): unknown {
  const bad = (what: string): SnapshotFormatError => new SnapshotFormatError(`${where}: ${tag} must be ${what}`);
  switch (tag) {
    case '$bigint':
      if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw bad('a decimal string');
      return BigInt(v);
    case '$bytes':
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw bad('a base64 string');
      return Buffer.from(v, 'base64');
    case '$date':
      if (typeof v !== 'number') throw bad('a number of milliseconds');
      return new Date(v);
    case '$map': {
      if (!Array.isArray(v)) throw bad('an array of [key, value] pairs');
      const map = new Map<unknown, unknown>();
      v.forEach((pair: unknown, i) => {
        if (!Array.isArray(pair) || pair.length !== 2) throw bad('an array of [key, value] pairs');
        map.set(decode(pair[0], `${where}[${i}].key`), decode(pair[1], `${where}[${i}].value`));
      });
      return map;
    }
    case '$set':
      if (!Array.isArray(v)) throw bad('an array');
      return new Set(v.map((item, i) => decode(item, `${where}[${i}]`)));
    case '$undefined':
      if (v !== true) throw bad('true');
      return undefined;
    case '$number':
      if (v !== 'NaN' && v !== 'Infinity' && v !== '-Infinity') throw bad('NaN, Infinity or -Infinity');
      return Number(v);
    case '$object':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad('an object');
      return decodeObject(Object.entries(v as Record<string, unknown>), where);
  }
}
