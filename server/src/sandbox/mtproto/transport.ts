import { Cipher, createCipheriv, createDecipheriv, Decipher, randomBytes, randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** Largest packet the door accepts; Telegram's own limit is in this range and it bounds memory per socket. */
export const MAX_PACKET_BYTES = 16 * 1024 * 1024;

/** Telegram's transport-level error codes (core.telegram.org/mtproto/mtproto-transports#transport-errors). */
export const TRANSPORT_ERROR_AUTH_KEY_NOT_FOUND = -404;
export const TRANSPORT_ERROR_FLOOD = -429;

export class TransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportError';
  }
}

/** One packet received from the client. */
export interface TransportPacket {
  payload: Buffer;
  /** The client set the quick-ack bit of the length: it wants a quick acknowledgement of this packet. */
  quickAck: boolean;
}

/** The framings Telegram serves on one port (core.telegram.org/mtproto/mtproto-transports). */
export type FramingKind = 'abridged' | 'intermediate' | 'padded' | 'full';

/** A framing seen from the server: packets in, packets, quick acks and transport errors out. */
export interface Framing {
  readonly kind: FramingKind;
  /** Reads one packet from the start of `buf`; undefined while it is incomplete. Throws TransportError. */
  decode(buf: Buffer): { packet: TransportPacket; consumed: number } | undefined;
  encode(payload: Buffer): Buffer;
  /** The reply to a quick-ack request: `token` already has its top bit set. */
  encodeQuickAck(token: number): Buffer;
  encodeError(code: number): Buffer;
}

const errorPayload = (code: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(code);
  return b;
};

/** Abridged: a length in 4-byte words, one byte below 0x7f, else 0x7f and three little-endian bytes. */
export class AbridgedFraming implements Framing {
  readonly kind = 'abridged';

  decode(buf: Buffer): { packet: TransportPacket; consumed: number } | undefined {
    if (buf.length < 1) return undefined;
    // The top bit of the first byte asks for a quick ack.
    const first = buf.readUInt8(0);
    const quickAck = (first & 0x80) !== 0;
    let words = first & 0x7f;
    let header = 1;
    if (words === 0x7f) {
      if (buf.length < 4) return undefined;
      words = buf.readUIntLE(1, 3);
      header = 4;
    }
    const length = words * 4;
    if (length > MAX_PACKET_BYTES) throw new TransportError('bad packet length');
    if (buf.length < header + length) return undefined;
    return {
      packet: { payload: Buffer.from(buf.subarray(header, header + length)), quickAck },
      consumed: header + length,
    };
  }

  encode(payload: Buffer): Buffer {
    const words = payload.length >> 2;
    if (words < 0x7f) return Buffer.concat([Buffer.from([words]), payload]);
    const header = Buffer.alloc(4);
    header[0] = 0x7f;
    header.writeUIntLE(words, 1, 3);
    return Buffer.concat([header, payload]);
  }

  encodeQuickAck(token: number): Buffer {
    // Abridged clients read the quick ack big-endian, so its top bit lands in the first byte they see.
    const b = Buffer.alloc(4);
    b.writeUInt32BE(token >>> 0);
    return b;
  }

  encodeError(code: number): Buffer {
    return this.encode(errorPayload(code));
  }
}

/** Intermediate: a 4-byte little-endian length, then the payload; padded adds 0–15 random bytes. */
export class IntermediateFraming implements Framing {
  constructor(readonly kind: 'intermediate' | 'padded' = 'intermediate') {}

  decode(buf: Buffer): { packet: TransportPacket; consumed: number } | undefined {
    if (buf.length < 4) return undefined;
    const raw = buf.readUInt32LE(0);
    const quickAck = (raw & 0x80000000) !== 0;
    const length = raw & 0x7fffffff;
    if (length > MAX_PACKET_BYTES || (this.kind === 'intermediate' && length % 4 !== 0)) {
      throw new TransportError('bad packet length');
    }
    if (buf.length < 4 + length) return undefined;
    return { packet: { payload: Buffer.from(buf.subarray(4, 4 + length)), quickAck }, consumed: 4 + length };
  }

  encode(payload: Buffer): Buffer {
    const padding = this.kind === 'padded' ? randomBytes(randomInt(16)) : Buffer.alloc(0);
    const header = Buffer.alloc(4);
    header.writeUInt32LE(payload.length + padding.length);
    return Buffer.concat([header, payload, padding]);
  }

  encodeQuickAck(token: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(token >>> 0);
    return b;
  }

  encodeError(code: number): Buffer {
    // Never padded: clients recognise a transport error by its length of exactly 4.
    const header = Buffer.alloc(4);
    header.writeUInt32LE(4);
    return Buffer.concat([header, errorPayload(code)]);
  }
}

/**
 * Full: length(4, includes itself, seq and crc) | seq(4) | payload | crc32(4), with sequence
 * numbers counted separately in each direction.
 */
export class FullFraming implements Framing {
  readonly kind = 'full';
  private expectedSeq = 0;
  private seq = 0;

  decode(buf: Buffer): { packet: TransportPacket; consumed: number } | undefined {
    if (buf.length < 4) return undefined;
    const length = buf.readInt32LE(0);
    if (length < 12 || length > MAX_PACKET_BYTES || length % 4 !== 0) throw new TransportError('bad packet length');
    if (buf.length < length) return undefined;
    const packet = buf.subarray(0, length);
    if (crc32(packet.subarray(0, length - 4)) !== packet.readUInt32LE(length - 4)) {
      throw new TransportError('bad packet checksum');
    }
    if (packet.readInt32LE(4) !== this.expectedSeq) throw new TransportError('bad packet sequence number');
    this.expectedSeq += 1;
    return { packet: { payload: Buffer.from(packet.subarray(8, length - 4)), quickAck: false }, consumed: length };
  }

  encode(payload: Buffer): Buffer {
    const packet = Buffer.alloc(payload.length + 12);
    packet.writeInt32LE(packet.length, 0);
    packet.writeInt32LE(this.seq++, 4);
    payload.copy(packet, 8);
    packet.writeUInt32LE(crc32(packet.subarray(0, packet.length - 4)), packet.length - 4);
    return packet;
  }

  encodeQuickAck(token: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(token >>> 0);
    return b;
  }

  encodeError(code: number): Buffer {
    return this.encode(errorPayload(code));
  }
}

const TAG_ABRIDGED = 0xef;
const TAG_INTERMEDIATE = 0xeeeeeeee;
const TAG_PADDED = 0xdddddddd;
const TAG_OBFUSCATED_ABRIDGED = 0xefefefef;
/** First words an obfuscated client must never send: HTTP verbs and the TLS record header. */
const RESERVED_FIRST_WORDS = new Set([
  0x44414548, // "HEAD"
  0x54534f50, // "POST"
  0x20544547, // "GET "
  0x4954504f, // "OPTI"
  0x02010316, // TLS handshake record
]);
export const OBFUSCATION_HEADER_BYTES = 64;

const framingForTag = (tag: number): Framing | undefined => {
  if (tag === TAG_OBFUSCATED_ABRIDGED) return new AbridgedFraming();
  if (tag === TAG_INTERMEDIATE) return new IntermediateFraming('intermediate');
  if (tag === TAG_PADDED) return new IntermediateFraming('padded');
  return undefined;
};

/**
 * Obfuscation keys from the client's 64-byte random header (core.telegram.org/mtproto/mtproto-transports#transport-obfuscation):
 * the client encrypts with bytes 8..40 (key) and 40..56 (iv) and decrypts with the same 48 bytes reversed;
 * the server mirrors that. Returns the server's two AES-256-CTR streams, the decipher already past the header.
 */
export function obfuscationFromHeader(header: Buffer): {
  decipher: Decipher;
  cipher: Cipher;
  tag: number;
  dcId: number;
} {
  const reversed = Buffer.from(header.subarray(8, 56)).reverse();
  const decipher = createDecipheriv('aes-256-ctr', header.subarray(8, 40), header.subarray(40, 56));
  const cipher = createCipheriv('aes-256-ctr', reversed.subarray(0, 32), reversed.subarray(32, 48));
  const plain = decipher.update(header);
  return { decipher, cipher, tag: plain.readUInt32LE(56), dcId: plain.readInt16LE(60) };
}

/**
 * The server side of one TCP connection's transport: detects the framing from the first bytes
 * (abridged 0xef, intermediate 0xeeeeeeee, padded 0xdddddddd, full when bytes 4..7 are a zero
 * sequence number, else a 64-byte obfuscation header), then frames packets both ways.
 */
export class ServerTransport {
  private framing?: Framing;
  private obfuscation?: { decipher: Decipher; cipher: Cipher };
  private buffered: Buffer = Buffer.alloc(0);

  /** The framing in use, e.g. `intermediate` or `obfuscated/padded`; undefined until detected. */
  get kind(): string | undefined {
    if (!this.framing) return undefined;
    return this.obfuscation ? `obfuscated/${this.framing.kind}` : this.framing.kind;
  }

  /** Feeds raw socket bytes; returns every complete packet. Throws TransportError on a stream it cannot serve. */
  push(chunk: Buffer): TransportPacket[] {
    const data = this.obfuscation ? this.obfuscation.decipher.update(chunk) : chunk;
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, data]) : data;
    if (!this.framing && !this.detect()) {
      if (this.buffered.length > OBFUSCATION_HEADER_BYTES) throw new TransportError('unknown transport');
      return [];
    }
    const framing = this.framing;
    if (!framing) return [];
    const out: TransportPacket[] = [];
    for (;;) {
      const next = framing.decode(this.buffered);
      if (!next) break;
      out.push(next.packet);
      this.buffered = this.buffered.subarray(next.consumed);
    }
    return out;
  }

  encode(payload: Buffer): Buffer {
    return this.wrap((f) => f.encode(payload));
  }

  encodeQuickAck(token: number): Buffer {
    return this.wrap((f) => f.encodeQuickAck(token));
  }

  /** A transport error (-404...), framed for the client's transport; undefined before any framing is known. */
  encodeError(code: number): Buffer | undefined {
    return this.framing ? this.wrap((f) => f.encodeError(code)) : undefined;
  }

  private wrap(build: (f: Framing) => Buffer): Buffer {
    if (!this.framing) throw new TransportError('transport not detected yet');
    const bytes = build(this.framing);
    return this.obfuscation ? this.obfuscation.cipher.update(bytes) : bytes;
  }

  /** Picks the framing once enough bytes are in; false while more are needed. */
  private detect(): boolean {
    const buf = this.buffered;
    if (buf.length < 1) return false;
    if (buf[0] === TAG_ABRIDGED) return this.use(new AbridgedFraming(), 1);
    if (buf.length < 4) return false;
    const first = buf.readUInt32LE(0);
    if (first === TAG_INTERMEDIATE) return this.use(new IntermediateFraming('intermediate'), 4);
    if (first === TAG_PADDED) return this.use(new IntermediateFraming('padded'), 4);
    if (RESERVED_FIRST_WORDS.has(first)) throw new TransportError('HTTP and TLS transports are not served here');
    if (buf.length < 8) return false;
    if (buf.readInt32LE(4) === 0) return this.use(new FullFraming(), 0);
    if (buf.length < OBFUSCATION_HEADER_BYTES) return false;
    const header = buf.subarray(0, OBFUSCATION_HEADER_BYTES);
    const { decipher, cipher, tag } = obfuscationFromHeader(header);
    const framing = framingForTag(tag);
    if (!framing) throw new TransportError('unknown obfuscated transport tag');
    // What followed the header arrived encrypted: decrypt it with the stream now positioned after the header.
    const rest = decipher.update(buf.subarray(OBFUSCATION_HEADER_BYTES));
    this.obfuscation = { decipher, cipher };
    this.framing = framing;
    this.buffered = rest;
    return true;
  }

  private use(framing: Framing, consumed: number): boolean {
    this.framing = framing;
    this.buffered = this.buffered.subarray(consumed);
    return true;
  }
}
