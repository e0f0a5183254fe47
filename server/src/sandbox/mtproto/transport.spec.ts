import { createCipheriv, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import {
  AbridgedFraming,
  FullFraming,
  IntermediateFraming,
  obfuscationFromHeader,
  ServerTransport,
  TransportError,
  TransportPacket,
} from './transport';

/** Feeds a stream to a fresh server transport in 7-byte chunks, as TCP may split it. */
function feed(
  stream: Buffer,
  transport = new ServerTransport(),
): { transport: ServerTransport; packets: TransportPacket[] } {
  const packets: TransportPacket[] = [];
  for (let i = 0; i < stream.length; i += 7) packets.push(...transport.push(stream.subarray(i, i + 7)));
  return { transport, packets };
}

const hex = (packets: TransportPacket[]): string[] => packets.map((p) => p.payload.toString('hex'));
const payloads = [Buffer.alloc(8, 1), Buffer.alloc(1000, 2), Buffer.alloc(4, 3)];

/** A client's side of each framing, written here from the transport documentation. */
function clientAbridged(payload: Buffer, quickAck = false): Buffer {
  const words = payload.length / 4;
  const header =
    words < 0x7f ? Buffer.from([words]) : Buffer.from([0x7f, words & 0xff, (words >> 8) & 0xff, (words >> 16) & 0xff]);
  if (quickAck) header.writeUInt8(header.readUInt8(0) | 0x80, 0);
  return Buffer.concat([header, payload]);
}

function clientIntermediate(payload: Buffer, padding = 0, quickAck = false): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32LE(((payload.length + padding) | (quickAck ? 0x80000000 : 0)) >>> 0);
  return Buffer.concat([header, payload, randomBytes(padding)]);
}

function clientFull(payload: Buffer, seq: number): Buffer {
  const packet = Buffer.alloc(payload.length + 12);
  packet.writeInt32LE(packet.length, 0);
  packet.writeInt32LE(seq, 4);
  payload.copy(packet, 8);
  packet.writeUInt32LE(crc32(packet.subarray(0, packet.length - 4)), packet.length - 4);
  return packet;
}

/** The obfuscation header a client builds (core.telegram.org/mtproto/mtproto-transports#transport-obfuscation). */
function clientObfuscation(tag: number): {
  header: Buffer;
  encrypt: (b: Buffer) => Buffer;
  decrypt: (b: Buffer) => Buffer;
} {
  let init: Buffer;
  do init = randomBytes(64);
  while (init[0] === 0xef || init.readUInt32LE(0) === 0xeeeeeeee || init.readInt32LE(4) === 0);
  init.writeUInt32LE(tag, 56);
  init.writeInt16LE(2, 60);
  const reversed = Buffer.from(init.subarray(8, 56)).reverse();
  const enc = createCipheriv('aes-256-ctr', init.subarray(8, 40), init.subarray(40, 56));
  const dec = createCipheriv('aes-256-ctr', reversed.subarray(0, 32), reversed.subarray(32, 48));
  const encrypted = enc.update(init);
  const header = Buffer.concat([init.subarray(0, 56), encrypted.subarray(56, 64)]);
  return { header, encrypt: (b) => enc.update(b), decrypt: (b) => dec.update(b) };
}

describe('MTProto transport detection and framing', () => {
  it('detects abridged from 0xef and reads short and long (0x7f) lengths', () => {
    const big = Buffer.alloc(0x7f * 4 + 40, 5);
    const stream = Buffer.concat([Buffer.from([0xef]), ...[...payloads, big].map((p) => clientAbridged(p))]);
    const { transport, packets } = feed(stream);
    expect(transport.kind).toBe('abridged');
    expect(hex(packets)).toEqual([...payloads, big].map((p) => p.toString('hex')));
  });

  it('answers abridged with the same length forms, quick acks big-endian, and framed transport errors', () => {
    const framing = new AbridgedFraming();
    expect(framing.encode(Buffer.alloc(8))[0]).toBe(2);
    const long = framing.encode(Buffer.alloc(0x80 * 4));
    expect([...long.subarray(0, 4)]).toEqual([0x7f, 0x80, 0, 0]);
    expect(framing.encodeQuickAck(0x81020304).toString('hex')).toBe('81020304');
    const error = framing.encodeError(-404);
    expect(error[0]).toBe(1);
    expect(error.readInt32LE(1)).toBe(-404);
  });

  it('reports the quick-ack bit of abridged and intermediate packets', () => {
    const abridged = feed(Buffer.concat([Buffer.from([0xef]), clientAbridged(Buffer.alloc(8), true)])).packets;
    expect(abridged[0]?.quickAck).toBe(true);
    const intermediate = Buffer.concat([Buffer.from('eeeeeeee', 'hex'), clientIntermediate(Buffer.alloc(8), 0, true)]);
    const packets = feed(intermediate).packets;
    expect(packets[0]?.quickAck).toBe(true);
    expect(packets[0]?.payload.length).toBe(8);
  });

  it('detects intermediate from 0xeeeeeeee and frames answers with a 4-byte length', () => {
    const stream = Buffer.concat([Buffer.from('eeeeeeee', 'hex'), ...payloads.map((p) => clientIntermediate(p))]);
    const { transport, packets } = feed(stream);
    expect(transport.kind).toBe('intermediate');
    expect(hex(packets)).toEqual(payloads.map((p) => p.toString('hex')));
    const out = transport.encode(Buffer.alloc(12, 7));
    expect(out.readUInt32LE(0)).toBe(12);
    const error = transport.encodeError(-404);
    expect(error?.toString('hex')).toBe('040000006cfeffff');
    expect(new IntermediateFraming().encodeQuickAck(0x80000001).toString('hex')).toBe('01000080');
  });

  it('rejects an intermediate length that is not a multiple of 4', () => {
    const stream = Buffer.concat([Buffer.from('eeeeeeee', 'hex'), clientIntermediate(Buffer.alloc(8), 3)]);
    expect(() => feed(stream)).toThrow(TransportError);
  });

  it('detects padded intermediate from 0xdddddddd, keeps the padding for the message layer, and pads answers', () => {
    const stream = Buffer.concat([
      Buffer.from('dddddddd', 'hex'),
      ...payloads.map((p, i) => clientIntermediate(p, (i * 5) % 16)),
    ]);
    const { transport, packets } = feed(stream);
    expect(transport.kind).toBe('padded');
    expect(packets.map((p, i) => p.payload.subarray(0, payloads[i]?.length))).toEqual(payloads);
    const lengths = new Set<number>();
    for (let i = 0; i < 64; i++) lengths.add(transport.encode(Buffer.alloc(16)).readUInt32LE(0));
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(16);
    expect(Math.max(...lengths)).toBeLessThan(32);
    expect(lengths.size).toBeGreaterThan(1);
    // Transport errors stay unpadded: clients recognise them by their length of 4.
    expect(transport.encodeError(-404)?.length).toBe(8);
  });

  it('detects the full transport from a zero sequence number and checks crc and sequence', () => {
    const stream = Buffer.concat(payloads.map((p, i) => clientFull(p, i)));
    const { transport, packets } = feed(stream);
    expect(transport.kind).toBe('full');
    expect(hex(packets)).toEqual(payloads.map((p) => p.toString('hex')));
    const first = transport.encode(Buffer.alloc(4));
    const second = transport.encode(Buffer.alloc(4));
    expect([first.readInt32LE(4), second.readInt32LE(4)]).toEqual([0, 1]);

    const corrupt = clientFull(Buffer.alloc(8), 0);
    corrupt.writeUInt8(corrupt.readUInt8(10) ^ 0xff, 10);
    expect(() => feed(corrupt)).toThrow(TransportError);
    const framing = new FullFraming();
    framing.decode(clientFull(Buffer.alloc(4), 0));
    expect(() => framing.decode(clientFull(Buffer.alloc(4), 2))).toThrow(TransportError);
  });

  it.each([
    ['abridged', 0xefefefef, (p: Buffer) => clientAbridged(p)],
    ['intermediate', 0xeeeeeeee, (p: Buffer) => clientIntermediate(p)],
    ['padded', 0xdddddddd, (p: Buffer) => clientIntermediate(p, 7)],
  ])('round-trips obfuscated %s both ways', (kind, tag, frame) => {
    const client = clientObfuscation(tag);
    const stream = Buffer.concat([client.header, client.encrypt(Buffer.concat(payloads.map(frame)))]);
    const { transport, packets } = feed(stream);
    expect(transport.kind).toBe(`obfuscated/${kind}`);
    expect(packets.map((p, i) => p.payload.subarray(0, payloads[i]?.length))).toEqual(payloads);
    // The server's answer decrypts with the client's reversed-key stream into the inner framing.
    const answer = client.decrypt(transport.encode(Buffer.alloc(16, 9)));
    const inner = kind === 'abridged' ? answer.subarray(1) : answer.subarray(4, 20);
    expect(inner.equals(Buffer.alloc(16, 9))).toBe(true);
  });

  it('reads the tag and DC id from an obfuscation header', () => {
    const client = clientObfuscation(0xeeeeeeee);
    expect(obfuscationFromHeader(client.header)).toMatchObject({ tag: 0xeeeeeeee, dcId: 2 });
  });

  it('refuses an obfuscation header whose decrypted tag is no known framing', () => {
    const client = clientObfuscation(0x12345678);
    expect(() => feed(client.header)).toThrow(TransportError);
  });

  it('refuses HTTP and TLS first words, which are reserved', () => {
    for (const first of ['POST', 'GET ', 'HEAD', 'OPTI']) {
      expect(() => new ServerTransport().push(Buffer.from(`${first} / HTTP/1.1\r\n`))).toThrow(TransportError);
    }
    expect(() => new ServerTransport().push(Buffer.from('1603010200010001', 'hex'))).toThrow(TransportError);
  });

  it('waits for enough bytes before choosing a framing', () => {
    const transport = new ServerTransport();
    expect(transport.push(Buffer.from('ee', 'hex'))).toEqual([]);
    expect(transport.kind).toBeUndefined();
    expect(transport.encodeError(-404)).toBeUndefined();
    transport.push(Buffer.from('eeeeee', 'hex'));
    expect(transport.kind).toBe('intermediate');
  });
});
