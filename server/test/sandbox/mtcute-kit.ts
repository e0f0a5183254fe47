import { crc32 } from 'node:zlib';
import './mtcute-quiet';
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

  decode(reader: Parameters<IPacketCodec['decode']>[0], eof: boolean): Uint8Array | null {
    if (eof || reader.available < 4) return null;
    const length = Buffer.from(reader.readSync(4)).readUInt32LE(0);
    if (length < 12 || reader.available < length - 4) {
      reader.rewind(4);
      return null;
    }
    const rest = Buffer.from(reader.readSync(length - 4));
    // rest: sequence number, payload, crc32. A 4-byte payload is a transport error code (-404: unknown key).
    const payload = rest.subarray(4, rest.length - 4);
    if (payload.length === 4) throw new TransportError(-payload.readInt32LE(0));
    return new Uint8Array(payload);
  }

  encode(frame: Uint8Array, into: Parameters<IPacketCodec['encode']>[1]): void {
    const packet = Buffer.alloc(frame.length + 12);
    packet.writeUInt32LE(frame.length + 12, 0);
    packet.writeUInt32LE(this.sendSeq++, 4);
    packet.set(frame, 8);
    packet.writeUInt32LE(crc32(packet.subarray(0, frame.length + 8)) >>> 0, frame.length + 8);
    into.writeSync(packet.length).set(packet);
    into.disposeWriteSync();
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
