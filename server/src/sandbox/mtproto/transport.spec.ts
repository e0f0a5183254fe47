import { FullTransportDecoder, FullTransportEncoder, TransportError } from './transport';

describe('full TCP transport', () => {
  it('round-trips packets split and merged arbitrarily across chunks', () => {
    const encoder = new FullTransportEncoder();
    const payloads = [Buffer.alloc(4, 1), Buffer.alloc(400, 2), Buffer.alloc(8, 3)];
    const stream = Buffer.concat(payloads.map((p) => encoder.encode(p)));
    const decoder = new FullTransportDecoder();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 7) out.push(...decoder.push(stream.subarray(i, i + 7)));
    expect(out.map((b) => b.toString('hex'))).toEqual(payloads.map((b) => b.toString('hex')));
  });

  it('rejects a packet with a wrong checksum', () => {
    const packet = new FullTransportEncoder().encode(Buffer.alloc(8, 9));
    packet[10] ^= 0xff;
    expect(() => new FullTransportDecoder().push(packet)).toThrow(TransportError);
  });

  it('rejects a packet whose sequence number skips ahead', () => {
    const encoder = new FullTransportEncoder();
    encoder.encode(Buffer.alloc(4));
    expect(() => new FullTransportDecoder().push(encoder.encode(Buffer.alloc(4)))).toThrow(TransportError);
  });
});
