import { randomBytes } from 'node:crypto';
import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import { BadMsg, ConnectionHost, futureSalts, isValidSalt, MtprotoConnection } from './connection';
import { aesIge, authKeyIdOf, computeMsgKey, messageAesKeyIv, messageAesKeyIvV1, sha1, sha256 } from './crypto';
import { firstServerSalt, Handshake } from './handshake';
import { AuthKeyRecord, RpcAnswer } from './rpc';
import { GZIP_PACKED_ID, MSG_CONTAINER_ID, RPC_RESULT_ID, TlCodec, TlObject, TlReader, TlWriter } from './tl-codec';
import { loadInstalledSchema } from './tl-schema';

/**
 * Service messages of the door, exercised by a minimal client written in this spec (intermediate
 * framing, MTProto 2.0 encryption from crypto.ts) against a connection with a known auth key.
 */

const codec = new TlCodec(loadInstalledSchema());

function newKey(extra: Partial<AuthKeyRecord> = {}): AuthKeyRecord {
  const key = randomBytes(256);
  const id = authKeyIdOf(key);
  return {
    id,
    idHex: id.toString('hex'),
    key,
    salt: randomBytes(8).readBigInt64LE(),
    revoked: false,
    sessions: new Set(),
    attempts: 0,
    createdAt: new Date(),
    ...extra,
  };
}

class TestHost implements ConnectionHost {
  codec = codec;
  keys = new Map<string, AuthKeyRecord>();
  invoked: { key: AuthKeyRecord; request: TlObject }[] = [];
  answer: (request: TlObject) => RpcAnswer = () => ({
    type: 'NearestDc',
    value: { _: 'nearestDc', country: 'US', this_dc: 2, nearest_dc: 2 },
    withoutUpdates: false,
  });
  newHandshake(): Handshake {
    throw new Error('no key exchange in these tests');
  }
  registerAuthKey(): void {}
  findAuthKey(id: Buffer): AuthKeyRecord | undefined {
    const key = this.keys.get(id.toString('hex'));
    if (key?.expiresAt !== undefined && key.expiresAt <= Date.now() / 1000) return undefined;
    return key;
  }
  forgetAuthKey(key: AuthKeyRecord): void {
    this.keys.delete(key.idHex);
  }
  keysChanged(): void {}
  countAttempt(): void {}
  codecFor(): TlCodec {
    return codec;
  }
  invoke(key: AuthKeyRecord, request: TlObject): Promise<RpcAnswer> {
    this.invoked.push({ key, request });
    return Promise.resolve(this.answer(request));
  }
  bindConnection(): void {}
  onClosed(): void {}
}

interface Received {
  msgId: bigint;
  seqNo: number;
  body: Buffer;
  obj?: TlObject;
  /** For rpc_result: the request's msg_id and the decoded result. */
  reqMsgId?: bigint;
  result?: TlObject;
}

/** A bare-bones MTProto 2.0 client over the intermediate transport. */
class RawClient {
  readonly sessionId = randomBytes(8).readBigInt64LE();
  salt: bigint;
  received: Received[] = [];
  /** Frames that are not encrypted messages: transport errors and quick acks. */
  shortFrames: Buffer[] = [];
  closed = false;
  /** Plaintext (with padding) of the last message sent. */
  lastPlain = Buffer.alloc(0);
  private seq = 0;
  private lastMsgId = 0n;
  private buffered = Buffer.alloc(0);

  constructor(
    readonly socket: Socket,
    public key: AuthKeyRecord,
  ) {
    this.salt = key.salt;
    socket.write(Buffer.from('eeeeeeee', 'hex'));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
  }

  msgId(offsetSeconds = 0): bigint {
    let id = ((BigInt(Date.now() + offsetSeconds * 1000) << 32n) / 1000n) & ~3n;
    if (offsetSeconds === 0 && id <= this.lastMsgId) id = this.lastMsgId + 4n;
    if (offsetSeconds === 0) this.lastMsgId = id;
    return id;
  }

  seqNo(contentRelated: boolean): number {
    return contentRelated ? this.seq++ * 2 + 1 : this.seq * 2;
  }

  /** Sends one message; returns its msg_id. */
  send(
    body: Buffer,
    o: {
      msgId?: bigint;
      seqNo?: number;
      contentRelated?: boolean;
      salt?: bigint;
      sessionId?: bigint;
      quickAck?: boolean;
    } = {},
  ): bigint {
    const msgId = o.msgId ?? this.msgId();
    const seqNo = o.seqNo ?? this.seqNo(o.contentRelated ?? true);
    const header = new TlWriter()
      .long(o.salt ?? this.salt)
      .long(o.sessionId ?? this.sessionId)
      .long(msgId)
      .int(seqNo)
      .int(body.length)
      .toBuffer();
    const unpadded = header.length + body.length;
    const plain = Buffer.concat([header, body, randomBytes(((16 - ((unpadded + 12) % 16)) % 16) + 12)]);
    this.lastPlain = plain;
    const msgKey = computeMsgKey(this.key.key, plain, 0);
    const { key, iv } = messageAesKeyIv(this.key.key, msgKey, 0);
    const packet = Buffer.concat([this.key.id, msgKey, aesIge(plain, key, iv, true)]);
    const length = Buffer.alloc(4);
    length.writeUInt32LE((packet.length | (o.quickAck ? 0x80000000 : 0)) >>> 0);
    this.socket.write(Buffer.concat([length, packet]));
    return msgId;
  }

  sendObject(obj: TlObject, o: Parameters<RawClient['send']>[1] = {}): bigint {
    return this.send(codec.encode(obj), o);
  }

  async next(predicate: (m: Received) => boolean, what: string): Promise<Received> {
    for (let i = 0; i < 200; i++) {
      const found = this.received.find(predicate);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no ${what} received`);
  }

  async waitClosed(): Promise<void> {
    for (let i = 0; i < 200 && !this.closed; i++) await new Promise((r) => setTimeout(r, 10));
    if (!this.closed) throw new Error('connection still open');
  }

  private onData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const first = this.buffered.readUInt32LE(0);
      if (first & 0x80000000) {
        this.shortFrames.push(this.buffered.subarray(0, 4));
        this.buffered = this.buffered.subarray(4);
        continue;
      }
      if (this.buffered.length < 4 + first) return;
      const packet = this.buffered.subarray(4, 4 + first);
      this.buffered = this.buffered.subarray(4 + first);
      if (packet.length === 4) this.shortFrames.push(packet);
      else this.decrypt(packet);
    }
  }

  private decrypt(packet: Buffer): void {
    const msgKey = packet.subarray(8, 24);
    const { key, iv } = messageAesKeyIv(this.key.key, msgKey, 8);
    const plain = aesIge(packet.subarray(24), key, iv, false);
    const r = new TlReader(plain);
    r.long();
    r.long();
    const msgId = r.long();
    const seqNo = r.int();
    const length = r.int();
    this.collect(msgId, seqNo, Buffer.from(plain.subarray(32, 32 + length)));
  }

  private collect(msgId: bigint, seqNo: number, body: Buffer): void {
    const id = body.readUInt32LE(0);
    if (id === MSG_CONTAINER_ID) {
      const r = new TlReader(body);
      r.uint();
      const count = r.int();
      for (let i = 0; i < count; i++) {
        const innerId = r.long();
        const innerSeq = r.int();
        const len = r.int();
        this.collect(innerId, innerSeq, r.raw(len));
      }
      return;
    }
    if (id === RPC_RESULT_ID) {
      const r = new TlReader(body);
      r.uint();
      const reqMsgId = r.long();
      const rest = body.subarray(12);
      let result: TlObject | undefined;
      try {
        result = codec.decode(rest);
      } catch {
        result = undefined; // a bare type such as Bool or a vector: the test reads the bytes
      }
      this.received.push({ msgId, seqNo, body, reqMsgId, result });
      return;
    }
    this.received.push({ msgId, seqNo, body, obj: codec.decode(body) });
  }
}

let server: Server;
let host: TestHost;
let port: number;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.push(socket);
    new MtprotoConnection(socket, host);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

beforeEach(() => {
  host = new TestHost();
});

afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function client(key = newKey()): Promise<RawClient> {
  host.keys.set(key.idHex, key);
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return new RawClient(socket, key);
}

const named = (name: string) => (m: Received) => m.obj?._ === name;

/** An rpc_error answer as `code message` (the service layer reads its strings as bytes). */
const rpcError = (m: Received): string => `${String(m.result?.error_code)} ${String(m.result?.error_message)}`;

describe('MTProto service messages', () => {
  it('derives the first salt from the nonces: new_nonce[0:8] XOR server_nonce[0:8]', () => {
    const newNonce = Buffer.from('0102030405060708aa', 'hex');
    const serverNonce = Buffer.from('ff00ff00ff00ff00bb', 'hex');
    expect(firstServerSalt(newNonce, serverNonce)).toBe(Buffer.from('fe02fc04fa06f808', 'hex').readBigInt64LE());
  });

  it('answers get_future_salts with a bare future_salts of `num` salts, which are then accepted', async () => {
    const c = await client();
    const reqId = c.sendObject({ _: 'get_future_salts', num: 3 });
    const answer = await c.next(named('future_salts'), 'future_salts');
    expect(answer.obj).toMatchObject({ req_msg_id: reqId });
    const salts = answer.obj?.salts as TlObject[];
    expect(salts).toHaveLength(3);
    const now = Date.now() / 1000;
    expect(salts[0]?.valid_since as number).toBeLessThanOrEqual(now);
    expect(salts[0]?.valid_until as number).toBeGreaterThan(now);
    expect(salts[1]?.valid_since as number).toBeGreaterThan(salts[0]?.valid_since as number);
    c.salt = salts[0]?.salt as bigint;
    c.sendObject({ _: 'ping', ping_id: 5n });
    await c.next(named('pong'), 'pong');
    expect(c.received.some(named('bad_server_salt'))).toBe(false);
    expect(futureSalts(c.key, 1000)).toHaveLength(64);
  });

  it('answers a wrong salt with bad_server_salt carrying a salt the door accepts', async () => {
    const c = await client();
    const bad = c.sendObject({ _: 'ping', ping_id: 1n }, { salt: 12345n });
    const notice = await c.next(named('bad_server_salt'), 'bad_server_salt');
    expect(notice.obj).toMatchObject({ bad_msg_id: bad, error_code: 48 });
    const salt = notice.obj?.new_server_salt as bigint;
    expect(isValidSalt(c.key, salt)).toBe(true);
    c.salt = salt;
    c.sendObject({ _: 'ping', ping_id: 2n });
    await c.next((m) => m.obj?._ === 'pong' && m.obj.ping_id === 2n, 'pong');
  });

  it.each([
    ['too old (over 300 s)', (c: RawClient) => c.msgId(-400), BadMsg.MsgIdTooLow],
    ['too new (over 30 s ahead)', (c: RawClient) => c.msgId(60), BadMsg.MsgIdTooHigh],
    ['not divisible by 4', (c: RawClient) => c.msgId() + 1n, BadMsg.MsgIdNotDivisibleBy4],
  ])('answers a msg_id %s with bad_msg_notification', async (_what, makeId, code) => {
    const c = await client();
    const msgId = makeId(c);
    c.sendObject({ _: 'ping', ping_id: 1n }, { msgId });
    const notice = await c.next(named('bad_msg_notification'), 'bad_msg_notification');
    expect(notice.obj).toMatchObject({ bad_msg_id: msgId, error_code: code });
    expect(c.received.some(named('pong'))).toBe(false);
  });

  it('answers wrong seqnos with bad_msg_notification 35, 34, 32 and 33', async () => {
    const c = await client();
    const getDc = codec.encode({ _: 'help.getNearestDc' });
    // An API call is content-related: its seqno must be odd.
    const even = c.send(getDc, { seqNo: 0 });
    expect((await c.next(named('bad_msg_notification'), '35')).obj).toMatchObject({
      bad_msg_id: even,
      error_code: BadMsg.OddSeqNoExpected,
    });
    // A container is not: its seqno must be even.
    const container = new TlWriter().uint(MSG_CONTAINER_ID).int(0).toBuffer();
    const odd = c.send(container, { seqNo: 7 });
    await c.next((m) => m.obj?.bad_msg_id === odd && m.obj.error_code === BadMsg.EvenSeqNoExpected, '34');
    // seqno must not go back as msg_id goes forward, nor forward as msg_id goes back.
    const older = c.msgId();
    c.send(getDc, { seqNo: 21 });
    const low = c.send(getDc, { seqNo: 11 });
    await c.next((m) => m.obj?.bad_msg_id === low && m.obj.error_code === BadMsg.SeqNoTooLow, '32');
    c.send(getDc, { msgId: older, seqNo: 31 });
    await c.next((m) => m.obj?.bad_msg_id === older && m.obj.error_code === BadMsg.SeqNoTooHigh, '33');
  });

  it('answers msgs_state_req with msgs_state_info', async () => {
    const c = await client();
    const pinged = c.sendObject({ _: 'ping', ping_id: 9n });
    await c.next(named('pong'), 'pong');
    const neverSent = c.msgId() - 4000n;
    const future = c.msgId(120);
    const req = c.sendObject({ _: 'msgs_state_req', msg_ids: [pinged, neverSent, future] }, { contentRelated: false });
    const info = await c.next(named('msgs_state_info'), 'msgs_state_info');
    expect(info.obj?.req_msg_id).toBe(req);
    // received + acknowledged + answer generated; not received; msg_id too high.
    expect([...(info.obj?.info as Buffer)]).toEqual([4 | 8 | 64, 2, 3]);
  });

  it('re-sends a server message asked for by msg_resend_req', async () => {
    const c = await client();
    c.sendObject({ _: 'ping', ping_id: 77n });
    const pong = await c.next(named('pong'), 'pong');
    c.received = [];
    c.sendObject({ _: 'msg_resend_req', msg_ids: [pong.msgId] });
    const again = await c.next(named('pong'), 'resent pong');
    expect(again.msgId).toBe(pong.msgId);
    expect(again.body.equals(pong.body)).toBe(true);
  });

  it('accepts msgs_all_info without an answer and goes on', async () => {
    const c = await client();
    c.sendObject({ _: 'msgs_all_info', msg_ids: [c.msgId()], info: Buffer.from([4]) }, { contentRelated: false });
    c.sendObject({ _: 'ping', ping_id: 3n });
    await c.next(named('pong'), 'pong');
    expect(c.received.map((m) => m.obj?._).filter((n) => n !== 'new_session_created' && n !== 'msgs_ack')).toEqual([
      'pong',
    ]);
  });

  it('answers destroy_session with a bare destroy_session_ok, then destroy_session_none', async () => {
    const c = await client();
    const other = randomBytes(8).readBigInt64LE();
    c.sendObject({ _: 'ping', ping_id: 1n }, { sessionId: other });
    await c.next(named('pong'), 'pong in the other session');
    c.sendObject({ _: 'destroy_session', session_id: other });
    expect((await c.next(named('destroy_session_ok'), 'destroy_session_ok')).obj?.session_id).toBe(other);
    c.sendObject({ _: 'destroy_session', session_id: other });
    expect((await c.next(named('destroy_session_none'), 'destroy_session_none')).obj?.session_id).toBe(other);
  });

  it('answers destroy_auth_key with destroy_auth_key_ok and forgets the key (-404 afterwards)', async () => {
    const c = await client();
    c.sendObject({ _: 'destroy_auth_key' });
    await c.next(named('destroy_auth_key_ok'), 'destroy_auth_key_ok');
    expect(host.keys.size).toBe(0);
    c.sendObject({ _: 'ping', ping_id: 1n });
    for (let i = 0; i < 100 && !c.shortFrames.length; i++) await new Promise((r) => setTimeout(r, 10));
    expect(c.shortFrames[0]?.readInt32LE(0)).toBe(-404);
  });

  it.each([
    ['zlib', deflateSync],
    ['gzip', gzipSync],
  ])('inflates gzip_packed in %s framing', async (_name, pack) => {
    const c = await client();
    const packed = new TlWriter()
      .uint(GZIP_PACKED_ID)
      .bytes(pack(codec.encode({ _: 'ping', ping_id: 11n })))
      .toBuffer();
    c.send(packed);
    expect((await c.next(named('pong'), 'pong')).obj?.ping_id).toBe(11n);
  });

  it('reads a packed container, and refuses a container nested in a container (64)', async () => {
    const c = await client();
    const ping = codec.encode({ _: 'ping', ping_id: 21n });
    const container = new TlWriter().uint(MSG_CONTAINER_ID).int(1).long(c.msgId()).int(c.seqNo(true)).int(ping.length);
    c.send(
      new TlWriter()
        .uint(GZIP_PACKED_ID)
        .bytes(gzipSync(container.raw(ping).toBuffer()))
        .toBuffer(),
      {
        contentRelated: false,
      },
    );
    expect((await c.next(named('pong'), 'pong')).obj?.ping_id).toBe(21n);
    const empty = new TlWriter().uint(MSG_CONTAINER_ID).int(0).toBuffer();
    const innerId = c.msgId();
    const outer = new TlWriter().uint(MSG_CONTAINER_ID).int(1).long(innerId).int(c.seqNo(false)).int(empty.length);
    c.send(outer.raw(empty).toBuffer(), { contentRelated: false });
    const notice = await c.next(named('bad_msg_notification'), 'bad_msg_notification');
    expect(notice.obj).toMatchObject({ bad_msg_id: innerId, error_code: BadMsg.InvalidContainer });
  });

  it('packs large answers in gzip_packed inside rpc_result', async () => {
    host.answer = () => ({
      type: 'Vector<long>',
      value: Array.from({ length: 4000 }, () => 7n),
      withoutUpdates: false,
    });
    const c = await client();
    const reqId = c.sendObject({ _: 'help.getNearestDc' });
    const answer = await c.next((m) => m.reqMsgId === reqId, 'rpc_result');
    expect(answer.body.readUInt32LE(12)).toBe(GZIP_PACKED_ID);
    expect(answer.body.length).toBeLessThan(4000 * 8);
  });

  it('answers a quick-ack request with the token of the message', async () => {
    const key = newKey();
    const c = await client(key);
    c.sendObject({ _: 'ping', ping_id: 1n }, { quickAck: true });
    await c.next(named('pong'), 'pong');
    // The first 32 bits of msg_key_large (sha256 of 32 key bytes and the plaintext), top bit set.
    const expected = (sha256(key.key.subarray(88, 120), c.lastPlain).readUInt32LE(0) | 0x80000000) >>> 0;
    expect(c.shortFrames[0]?.readUInt32LE(0)).toBe(expected);
  });

  it('answers an unknown auth key with the transport error -404', async () => {
    const c = await client();
    host.keys.clear();
    c.sendObject({ _: 'ping', ping_id: 1n });
    for (let i = 0; i < 100 && !c.shortFrames.length; i++) await new Promise((r) => setTimeout(r, 10));
    expect(c.shortFrames[0]?.readInt32LE(0)).toBe(-404);
  });

  it('closes the connection on malformed frames and plain messages, and keeps serving others', async () => {
    const garbage = await client();
    garbage.socket.write(Buffer.from('ffffff7f', 'hex'));
    await garbage.waitClosed();
    const badPlain = await client();
    const frame = Buffer.alloc(4 + 24);
    frame.writeUInt32LE(24, 0);
    frame.writeInt32LE(999, 20); // a plain message claiming more bytes than it has
    badPlain.socket.write(frame);
    await badPlain.waitClosed();
    const c = await client();
    c.sendObject({ _: 'ping', ping_id: 1n });
    await c.next(named('pong'), 'pong');
  });
});

describe('auth.bindTempAuthKey', () => {
  function bindRequest(perm: AuthKeyRecord, temp: AuthKeyRecord, c: RawClient, msgId: bigint, sessionId: bigint) {
    const nonce = randomBytes(8).readBigInt64LE();
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const inner = codec.encode({
      _: 'bind_auth_key_inner',
      nonce,
      temp_auth_key_id: temp.id.readBigInt64LE(),
      perm_auth_key_id: perm.id.readBigInt64LE(),
      temp_session_id: sessionId,
      expires_at: expiresAt,
    });
    // MTProto 1.0-style message under the permanent key, as the method's documentation describes.
    const plain = new TlWriter().raw(randomBytes(16)).long(msgId).int(0).int(inner.length).raw(inner).toBuffer();
    const msgKey = sha1(plain).subarray(4, 20);
    const { key, iv } = messageAesKeyIvV1(perm.key, msgKey, 0);
    const padded = Buffer.concat([plain, randomBytes((16 - (plain.length % 16)) % 16)]);
    return {
      _: 'auth.bindTempAuthKey',
      perm_auth_key_id: perm.id.readBigInt64LE(),
      nonce,
      expires_at: expiresAt,
      encrypted_message: Buffer.concat([perm.id, msgKey, aesIge(padded, key, iv, true)]),
    };
  }

  it('binds a temporary key so its calls act as the permanent key, and refuses a bind for another session', async () => {
    const perm = newKey();
    host.keys.set(perm.idHex, perm);
    const temp = newKey({ expiresAt: Math.floor(Date.now() / 1000) + 7200 });
    const c = await client(temp);

    const unbound = c.sendObject({ _: 'help.getNearestDc' });
    const refused = await c.next((m) => m.reqMsgId === unbound, 'rpc_result');
    expect(rpcError(refused)).toBe('401 AUTH_KEY_PERM_EMPTY');

    const wrongId = c.msgId();
    c.sendObject(bindRequest(perm, temp, c, wrongId, c.sessionId + 1n), { msgId: wrongId });
    const rejected = await c.next((m) => m.reqMsgId === wrongId, 'rpc_result');
    expect(rpcError(rejected)).toBe('400 ENCRYPTED_MESSAGE_INVALID');

    const msgId = c.msgId();
    c.sendObject(bindRequest(perm, temp, c, msgId, c.sessionId), { msgId });
    const bound = await c.next((m) => m.reqMsgId === msgId, 'rpc_result');
    expect(bound.body.readUInt32LE(12)).toBe(0x997275b5); // boolTrue
    expect(temp.boundToHex).toBe(perm.idHex);

    const call = c.sendObject({ _: 'help.getNearestDc' });
    await c.next((m) => m.reqMsgId === call, 'rpc_result');
    expect(host.invoked.at(-1)?.key).toBe(perm);
  });
});
