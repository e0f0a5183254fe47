import { unzipSync } from 'node:zlib';
import { TlCombinator, TlParam, TlSchema } from './tl-schema';
import { present } from '../../common/present';

/**
 * A TL object as the sandbox handles it: `_` is the combinator name from the schema, the other keys
 * are the schema's field names (snake_case). int → number, long → bigint, string → string,
 * bytes/int128/int256 → Buffer, Bool/true → boolean, Vector → array.
 */
export interface TlObject {
  _: string;
  [field: string]: unknown;
}

export const VECTOR_ID = 0x1cb5c415;
export const BOOL_TRUE_ID = 0x997275b5;
export const BOOL_FALSE_ID = 0xbc799737;
export const GZIP_PACKED_ID = 0x3072cfa1;
export const MSG_CONTAINER_ID = 0x73f1f8dc;
export const RPC_RESULT_ID = 0xf35c6d01;

/** A gzip_packed body inflates to at most this (a client cannot make the door inflate a bomb). */
export const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

export class TlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlError';
  }
}

/** Thrown when a constructor id is not in the schema; carries the id so callers can answer precisely. */
export class TlUnknownConstructorError extends TlError {
  /** `method`: the unknown id stood where a function call belongs (a wrapper's `!X` query). */
  constructor(
    readonly constructorId: number,
    readonly method = false,
  ) {
    super(`unknown TL constructor 0x${constructorId.toString(16).padStart(8, '0')}`);
    this.name = 'TlUnknownConstructorError';
  }
}

const isBoxedTypeName = (type: string): boolean => {
  const last = type.slice(type.lastIndexOf('.') + 1);
  const first = last.charAt(0);
  return last.length > 0 && first === first.toUpperCase();
};

export class TlWriter {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  raw(buf: Buffer): this {
    this.chunks.push(buf);
    this.length += buf.length;
    return this;
  }

  int(value: number): this {
    const b = Buffer.alloc(4);
    if (value > 0x7fffffff) b.writeUInt32LE(value >>> 0);
    else b.writeInt32LE(value);
    return this.raw(b);
  }

  uint(value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0);
    return this.raw(b);
  }

  long(value: bigint | number): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt.asIntN(64, BigInt(value)));
    return this.raw(b);
  }

  double(value: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    return this.raw(b);
  }

  bytes(value: Buffer | string): this {
    const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    let header: Buffer;
    if (data.length < 254) {
      header = Buffer.from([data.length]);
    } else {
      header = Buffer.alloc(4);
      header[0] = 254;
      header.writeUIntLE(data.length, 1, 3);
    }
    const total = header.length + data.length;
    const pad = (4 - (total % 4)) % 4;
    this.raw(header).raw(data);
    if (pad) this.raw(Buffer.alloc(pad));
    return this;
  }

  get size(): number {
    return this.length;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

export class TlReader {
  offset = 0;

  constructor(readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.offset + n > this.buf.length) throw new TlError('TL buffer ended early');
  }

  raw(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  int(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  uint(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  long(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.offset);
    this.offset += 8;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.offset);
    this.offset += 8;
    return v;
  }

  bytes(): Buffer {
    this.need(1);
    let len = this.buf.readUInt8(this.offset);
    let header = 1;
    if (len === 254) {
      this.need(4);
      len = this.buf.readUIntLE(this.offset + 1, 3);
      header = 4;
    }
    this.offset += header;
    const data = Buffer.from(this.raw(len));
    const pad = (4 - ((header + len) % 4)) % 4;
    this.raw(pad);
    return data;
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }
}

/**
 * Schema-driven (de)serialization of TL objects, in the schema's layer. Objects are built once for
 * every layer (with the newest layer's field names); writing one in an older or newer layer takes the
 * constructor that layer has under the same name, leaves out the fields it lacks and defaults the
 * fields it needs that the object does not carry. No TL library does this projection across layers,
 * hence the hand-written codec.
 */
export class TlCodec {
  /** Per boxed type: the constructor written when a value is missing (the one with fewest fields). */
  private readonly defaults = new Map<string, TlCombinator | null>();

  constructor(readonly schema: TlSchema) {}

  get layer(): number {
    return this.schema.layer;
  }

  combinatorByName(name: string): TlCombinator {
    const c = this.schema.constructors.get(name) ?? this.schema.functions.get(name);
    if (!c) throw new TlError(`no TL combinator named ${name}`);
    return c;
  }

  encode(obj: TlObject): Buffer {
    const w = new TlWriter();
    this.writeObject(w, obj);
    return w.toBuffer();
  }

  /** Serializes a value of a declared type (e.g. a function's result type `Vector<User>`). */
  encodeAs(type: string, value: unknown): Buffer {
    const w = new TlWriter();
    this.writeValue(w, type, value, type);
    return w.toBuffer();
  }

  decode(buf: Buffer): TlObject {
    return this.readObject(new TlReader(buf));
  }

  /**
   * Writes a boxed object. When `expected` (the declared type) is given and this layer has no
   * constructor of that name and type, the type's default constructor is written instead.
   */
  writeObject(w: TlWriter, obj: TlObject, expected?: string): void {
    const c = this.schema.constructors.get(obj._) ?? this.schema.functions.get(obj._);
    if (c && (expected === undefined || c.type === expected || !isConcreteType(expected))) {
      w.uint(c.id);
      this.writeFields(w, c, obj);
      return;
    }
    const fallback = expected !== undefined && isConcreteType(expected) ? this.defaultConstructor(expected) : undefined;
    if (!fallback) throw new TlError(`no TL combinator named ${obj._} in layer ${this.schema.layer}`);
    w.uint(fallback.id);
    this.writeFields(w, fallback, { _: fallback.name });
  }

  /** The constructor of a boxed type with the fewest required fields (`userStatusEmpty`, `chatPhotoEmpty`…). */
  defaultConstructor(type: string): TlCombinator | undefined {
    let chosen = this.defaults.get(type);
    if (chosen === undefined) {
      chosen = null;
      let best = Infinity;
      for (const c of this.schema.constructors.values()) {
        if (c.type !== type) continue;
        const cost = c.params.filter((p) => !p.flag && p.type !== '#').length * 2 + (c.name.endsWith('Empty') ? 0 : 1);
        if (cost < best) {
          best = cost;
          chosen = c;
        }
      }
      this.defaults.set(type, chosen);
    }
    return chosen ?? undefined;
  }

  private writeFields(w: TlWriter, c: TlCombinator, obj: TlObject, depth = 0): void {
    for (const p of c.params) {
      const where = `${c.name}.${p.name}`;
      if (p.type === '#') {
        w.uint(this.flagsValue(c, p.name, obj));
        continue;
      }
      const value = obj[p.name];
      if (p.flag && (p.type === 'true' || value === undefined || value === null)) continue;
      this.writeValue(w, p.type, value, where, c.binaryStrings, depth);
    }
  }

  private flagsValue(c: TlCombinator, field: string, obj: TlObject): number {
    let flags = 0;
    for (const p of c.params) {
      if (p.flag?.field !== field) continue;
      const v = obj[p.name];
      const present = p.type === 'true' ? v === true : v !== undefined && v !== null;
      if (present) flags |= 1 << p.flag.bit;
    }
    return flags >>> 0;
  }

  private writeValue(w: TlWriter, type: string, value: unknown, where: string, binaryStrings = false, depth = 0): void {
    switch (type) {
      case 'int':
        // A field that is `long` in one layer may be `int` in another.
        w.int(typeof value === 'number' ? value : typeof value === 'bigint' ? Number(BigInt.asIntN(32, value)) : 0);
        return;
      case 'long':
        // A Stars balance is `starsAmount` from layer 198 on and a plain count of Stars before.
        if (isTlObject(value) && value._ === 'starsAmount') value = value.amount;
        w.long(typeof value === 'bigint' || typeof value === 'number' ? value : 0n);
        return;
      case 'double':
        w.double(typeof value === 'number' ? value : 0);
        return;
      case 'int128':
      case 'int256': {
        const size = type === 'int128' ? 16 : 32;
        if (value === undefined || value === null) w.raw(Buffer.alloc(size));
        else if (!Buffer.isBuffer(value) || value.length !== size)
          throw new TlError(`${where}: expected ${size} bytes`);
        else w.raw(value);
        return;
      }
      case 'string':
      case 'bytes':
        if (value === undefined || value === null) w.bytes(Buffer.alloc(0));
        // A reaction is `reactionEmoji` from layer 145 on and its plain emoji string before.
        else if (isTlObject(value) && value._ === 'reactionEmoji' && typeof value.emoticon === 'string')
          w.bytes(value.emoticon);
        // A poll's question and options are `textWithEntities` from layer 179 on and plain strings before.
        else if (isTlObject(value) && value._ === 'textWithEntities' && typeof value.text === 'string')
          w.bytes(value.text);
        else if (typeof value === 'string' || Buffer.isBuffer(value)) w.bytes(value);
        else throw new TlError(`${where}: expected ${type}`);
        return;
      case 'Bool':
        w.uint(value === true ? BOOL_TRUE_ID : BOOL_FALSE_ID);
        return;
      case 'true':
        return;
      default:
        break;
    }
    const vector = /^([Vv])ector<(.+)>$/.exec(type);
    if (vector) {
      const elementType = present(vector[2], 'the vector element type');
      // A chat's allowed reactions are `ChatReactions` from layer 145 on and the list of allowed emoji before: the
      // object's `reactions` (chat-reactions-tl.ts).
      const list = isTlObject(value) && value._.startsWith('chatReactions') ? (value.reactions ?? []) : value;
      const items = list === undefined || list === null ? [] : list;
      if (!Array.isArray(items)) throw new TlError(`${where}: expected an array`);
      if (vector[1] === 'V') w.uint(VECTOR_ID);
      w.int(items.length);
      for (const item of items) this.writeValue(w, elementType, item, where, binaryStrings, depth);
      return;
    }
    if (!isTlObject(value)) {
      // A field this layer requires that the object does not carry: its type's default constructor.
      const fallback = isConcreteType(type) && depth < 8 ? this.defaultConstructor(type) : undefined;
      if (!fallback) throw new TlError(`${where}: missing ${type}`);
      w.uint(fallback.id);
      this.writeFields(w, fallback, { _: fallback.name }, depth + 1);
      return;
    }
    if (type.startsWith('!') || type === 'X' || type === 'Object' || isBoxedTypeName(type)) {
      this.writeObject(w, value, type);
      return;
    }
    // A bare constructor (lowercase type name): fields without the id.
    this.writeFields(w, this.combinatorByName(type.replace(/^%/, '')), value, depth + 1);
  }

  readObject(r: TlReader): TlObject {
    const id = r.uint();
    if (id === GZIP_PACKED_ID) {
      const packed = r.bytes();
      // Clients pack in gzip or zlib framing; unzipSync reads both.
      return this.readObject(new TlReader(unzipSync(packed, { maxOutputLength: MAX_INFLATED_BYTES })));
    }
    const c = this.schema.byId.get(id);
    if (!c) throw new TlUnknownConstructorError(id);
    return this.readFields(r, c);
  }

  private readFields(r: TlReader, c: TlCombinator): TlObject {
    const obj: TlObject = { _: c.name };
    const flagValues = new Map<string, number>();
    for (const p of c.params) {
      if (p.type === '#') {
        const v = r.uint();
        flagValues.set(p.name, v);
        obj[p.name] = v;
        continue;
      }
      if (p.flag) {
        const set = ((flagValues.get(p.flag.field) ?? 0) & (1 << p.flag.bit)) !== 0;
        if (p.type === 'true') {
          obj[p.name] = set;
          continue;
        }
        if (!set) continue;
      }
      obj[p.name] = this.readValue(r, p, p.type, c.binaryStrings);
    }
    return obj;
  }

  private readValue(r: TlReader, p: TlParam, type: string, binaryStrings: boolean): unknown {
    const start = r.offset;
    switch (type) {
      case 'int':
        return r.int();
      case 'long':
        return r.long();
      case 'double':
        return r.double();
      case 'int128':
        return Buffer.from(r.raw(16));
      case 'int256':
        return Buffer.from(r.raw(32));
      case 'string':
        return binaryStrings ? r.bytes() : r.bytes().toString('utf8');
      case 'bytes':
        return r.bytes();
      case 'Bool': {
        const id = r.uint();
        if (id !== BOOL_TRUE_ID && id !== BOOL_FALSE_ID) throw new TlError(`${p.name}: bad Bool`);
        return id === BOOL_TRUE_ID;
      }
      case 'true':
        return true;
      default:
        break;
    }
    const vector = /^([Vv])ector<(.+)>$/.exec(type);
    if (vector) {
      const elementType = present(vector[2], 'the vector element type');
      if (vector[1] === 'V' && r.uint() !== VECTOR_ID) throw new TlError(`${p.name}: expected a vector`);
      const count = r.int();
      if (count < 0 || count > r.remaining) throw new TlError(`${p.name}: bad vector length`);
      const items: unknown[] = [];
      for (let i = 0; i < count; i++) items.push(this.readValue(r, p, elementType, binaryStrings));
      return items;
    }
    if (type.startsWith('!')) {
      try {
        return this.readObject(r);
      } catch (e) {
        if (e instanceof TlUnknownConstructorError && !e.method && r.buf.readUInt32LE(start) === e.constructorId) {
          throw new TlUnknownConstructorError(e.constructorId, true);
        }
        throw e;
      }
    }
    if (type === 'X' || type === 'Object' || isBoxedTypeName(type)) return this.readObject(r);
    return this.readFields(r, this.combinatorByName(type.replace(/^%/, '')));
  }
}

/** A named boxed type (not a generic `X`/`!X`/`Object`). */
function isConcreteType(type: string): boolean {
  return !type.startsWith('!') && type !== 'X' && type !== 'Object' && isBoxedTypeName(type) && !type.includes('<');
}

export function isTlObject(value: unknown): value is TlObject {
  return typeof value === 'object' && value !== null && typeof (value as { _?: unknown })._ === 'string';
}
