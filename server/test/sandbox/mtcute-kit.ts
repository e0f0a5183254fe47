import { crc32 } from 'node:zlib';
import './mtcute-quiet';
import { Bytes, ISyncWritable, read, write } from '@fuman/io';
import {
  IPacketCodec,
  MemoryStorage,
  TcpTransport,
  TelegramClient,
  TelegramTransport,
  TransportError,
} from '@mtcute/node';
import { addPublicKey } from '@mtcute/node/utils.js';
import { SandboxHandle } from '../../src/sandbox';
import { API_HASH, API_ID } from './mtproto-kit';

/**
 * MTProto's "full" TCP framing (length, sequence number, payload, CRC32) for mtcute, which ships
 * only intermediate and obfuscated framing: mtcute talks to the sandbox in the framing every client
 * shares with it.
 */
class FullPacketCodec implements IPacketCodec {
  private sendSeq = 0;

  tag(): Uint8Array {
    return new Uint8Array(0);
  }

  decode(reader: Bytes, eof: boolean): Uint8Array | null {
    if (eof || reader.available < 4) return null;
    const length = read.uint32le(reader);
    if (reader.available < length - 4) {
      reader.rewind(4);
      return null;
    }
    read.uint32le(reader); // sequence number
    const payload = Buffer.from(read.exactly(reader, length - 12));
    read.uint32le(reader); // crc32
    // A 4-byte payload is a transport error code (-404: the auth key is unknown).
    if (payload.length === 4) throw new TransportError(-payload.readInt32LE(0));
    return new Uint8Array(payload);
  }

  encode(frame: Uint8Array, into: ISyncWritable): void {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(frame.length + 12, 0);
    head.writeUInt32LE(this.sendSeq++, 4);
    const crc = Buffer.alloc(4);
    crc.writeUInt32LE(crc32(Buffer.concat([head, frame])) >>> 0);
    write.bytes(into, head);
    write.bytes(into, frame);
    write.bytes(into, crc);
  }

  reset(): void {
    this.sendSeq = 0;
  }
}

class FullTcpTransport implements TelegramTransport {
  private readonly tcp = new TcpTransport();

  connect(dc: Parameters<TcpTransport['connect']>[0]): ReturnType<TcpTransport['connect']> {
    return this.tcp.connect(dc);
  }

  packetCodec(): IPacketCodec {
    return new FullPacketCodec();
  }
}

/** An mtcute client (in-memory session) pointed at the sandbox's MTProto door and its RSA key. */
export function mtcuteClient(sandbox: SandboxHandle, storage = new MemoryStorage()): TelegramClient {
  const dc = { id: 2, ipAddress: '127.0.0.1', port: sandbox.mtprotoPort };
  const client = new TelegramClient({
    apiId: API_ID,
    apiHash: API_HASH,
    storage,
    defaultDcs: { main: dc, media: dc },
    transport: new FullTcpTransport(),
    logLevel: 0,
  });
  // The door's key joins the Telegram keys mtcute knows, as an app would add its server's key.
  addPublicKey(
    (client._client as unknown as { crypto: Parameters<typeof addPublicKey>[0] }).crypto,
    sandbox.publicKey.pem,
  );
  return client;
}
