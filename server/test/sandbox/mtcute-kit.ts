import './mtcute-quiet';
import {
  IntermediatePacketCodec,
  IPacketCodec,
  MemoryStorage,
  ObfuscatedPacketCodec,
  PaddedIntermediatePacketCodec,
  TcpTransport,
  TelegramClient,
  TelegramTransport,
} from '@mtcute/node';
import { addPublicKey } from '@mtcute/node/utils.js';
import { SandboxHandle } from '../../src/sandbox';
import { API_HASH, API_ID, latestCode, type MtprotoKit } from './mtproto-kit';

/** Every framing mtcute ships, by name; the door tells them apart from the first bytes. */
export const MTCUTE_TRANSPORTS: Record<string, () => IPacketCodec> = {
  intermediate: () => new IntermediatePacketCodec(),
  padded: () => new PaddedIntermediatePacketCodec(),
  'obfuscated/intermediate': () => new ObfuscatedPacketCodec(new IntermediatePacketCodec()),
  'obfuscated/padded': () => new ObfuscatedPacketCodec(new PaddedIntermediatePacketCodec()),
};

/** mtcute's TCP transport with one of its framings. */
export function mtcuteTransport(kind: string): TelegramTransport {
  const codec = MTCUTE_TRANSPORTS[kind];
  if (!codec) throw new Error(`mtcute has no ${kind} framing`);
  const tcp = new TcpTransport();
  return { connect: (dc) => tcp.connect(dc), packetCodec: codec };
}

/** An mtcute client (in-memory session) pointed at the sandbox's MTProto door and its RSA key. */
export function mtcuteClient(
  sandbox: SandboxHandle,
  storage = new MemoryStorage(),
  transport = 'intermediate',
): TelegramClient {
  const dc = { id: 2, ipAddress: '127.0.0.1', port: sandbox.mtprotoPort };
  const client = new TelegramClient({
    apiId: API_ID,
    apiHash: API_HASH,
    storage,
    defaultDcs: { main: dc, media: dc },
    transport: mtcuteTransport(transport),
    logLevel: 0,
  });
  // The door's key joins the Telegram keys mtcute knows, as an app would add its server's key.
  addPublicKey(
    (client._client as unknown as { crypto: Parameters<typeof addPublicKey>[0] }).crypto,
    sandbox.publicKey.pem,
  );
  return client;
}

/** Signs an mtcute client in as the user with the code the sandbox sent them; answers the signed-in user. */
export async function signInMtcute(kit: MtprotoKit, client: TelegramClient, phone: string) {
  const sent = await client.sendCode({ phone });
  if (!('phoneCodeHash' in sent)) throw new Error('no code sent');
  return client.signIn({ phone, phoneCodeHash: sent.phoneCodeHash, phoneCode: await latestCode(kit, phone) });
}
