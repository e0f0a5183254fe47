import { crc32 } from 'node:zlib';

/** Largest packet the door accepts; Telegram's own limit is in this range and it bounds memory per socket. */
export const MAX_PACKET_BYTES = 16 * 1024 * 1024;

export class TransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportError';
  }
}

/**
 * The "full" TCP transport (core.telegram.org/mtproto/mtproto-transports#full):
 * length(4, includes itself, seq and crc) | seq(4) | payload | crc32(4).
 */
export class FullTransportDecoder {
  private buffered: Buffer = Buffer.alloc(0);
  private expectedSeq = 0;

  /** Feeds raw socket bytes; returns every complete payload. Throws TransportError on a corrupt stream. */
  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const out: Buffer[] = [];
    while (this.buffered.length >= 4) {
      const length = this.buffered.readInt32LE(0);
      if (length < 12 || length > MAX_PACKET_BYTES || length % 4 !== 0) {
        throw new TransportError('bad packet length');
      }
      if (this.buffered.length < length) break;
      const packet = this.buffered.subarray(0, length);
      this.buffered = this.buffered.subarray(length);
      const seq = packet.readInt32LE(4);
      const crc = packet.readUInt32LE(length - 4);
      if (crc32(packet.subarray(0, length - 4)) !== crc) throw new TransportError('bad packet checksum');
      if (seq !== this.expectedSeq) throw new TransportError('bad packet sequence number');
      this.expectedSeq += 1;
      out.push(Buffer.from(packet.subarray(8, length - 4)));
    }
    return out;
  }
}

export class FullTransportEncoder {
  private seq = 0;

  encode(payload: Buffer): Buffer {
    const packet = Buffer.alloc(payload.length + 12);
    packet.writeInt32LE(packet.length, 0);
    packet.writeInt32LE(this.seq++, 4);
    payload.copy(packet, 8);
    packet.writeUInt32LE(crc32(packet.subarray(0, packet.length - 4)), packet.length - 4);
    return packet;
  }
}
