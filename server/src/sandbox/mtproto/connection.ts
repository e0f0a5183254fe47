import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { gzipSync, unzipSync } from 'node:zlib';
import { aesIge, computeMsgKey, messageAesKeyIv } from './crypto';
import { Handshake, NewAuthKey } from './handshake';
import { AuthKeyRecord, RpcAnswer, RpcError } from './rpc';
import {
  GZIP_PACKED_ID,
  MAX_INFLATED_BYTES,
  MSG_CONTAINER_ID,
  RPC_RESULT_ID,
  TlCodec,
  TlObject,
  TlReader,
  TlUnknownConstructorError,
  TlWriter,
} from './tl-codec';
import { DEFAULT_LAYER, LOWEST_LAYER, namedLayer } from './tl-schema';
import { FullTransportDecoder, FullTransportEncoder } from './transport';

/** What a connection needs from the server that owns it. */
export interface ConnectionHost {
  codec: TlCodec;
  /** The codec answering a client at this API layer (see tl-schema's resolveLayer). */
  codecFor(layer: number): TlCodec;
  newHandshake(): Handshake;
  registerAuthKey(key: NewAuthKey): void;
  findAuthKey(id: Buffer): AuthKeyRecord | undefined;
  /** Called once per connection when it first presents an auth key, and on every API request. */
  countAttempt(key: AuthKeyRecord): void;
  invoke(key: AuthKeyRecord, request: TlObject, codec: TlCodec): Promise<RpcAnswer>;
  bindConnection(conn: MtprotoConnection, key: AuthKeyRecord): void;
  onClosed(conn: MtprotoConnection): void;
}

interface Outgoing {
  body: Buffer;
  contentRelated: boolean;
}

/** Results larger than this travel gzip_packed, as Telegram does for big answers. */
const GZIP_THRESHOLD = 8 * 1024;

/** Service messages that are not API calls and need no answer. */
const IGNORED = new Set([
  'msgs_ack',
  'http_wait',
  'msgs_state_info',
  'msgs_all_info',
  'msg_resend_req',
  'msgs_state_req',
]);

/** One TCP client of the MTProto door: transport framing, key exchange, encryption, sessions and RPC. */
export class MtprotoConnection {
  key?: AuthKeyRecord;
  private sessionId?: bigint;
  private readonly decoder = new FullTransportDecoder();
  private readonly encoder = new FullTransportEncoder();
  private handshake?: Handshake;
  private lastMsgId = 0n;
  private seq = 0;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** Cleared once the client wraps a call in invokeWithoutUpdates, as Telegram does for such connections. */
  private updatesEnabled = true;
  private disconnectTimer?: NodeJS.Timeout;
  /** The API layer this connection named with invokeWithLayer; requests are read and answers written in it. */
  private layer?: number;

  /** This connection's layer, else the one its auth key last named, else the default. */
  private get codec(): TlCodec {
    return this.host.codecFor(this.layer ?? this.key?.layer ?? DEFAULT_LAYER);
  }

  constructor(
    private readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.disconnectTimer) clearTimeout(this.disconnectTimer);
    this.socket.destroy();
    this.host.onClosed(this);
  }

  private onData(chunk: Buffer): void {
    let packets: Buffer[];
    try {
      packets = this.decoder.push(chunk);
    } catch {
      this.close();
      return;
    }
    for (const packet of packets) {
      // Packets of one connection are answered strictly in order.
      this.queue = this.queue.then(() => this.onPacket(packet)).catch(() => this.close());
    }
  }

  private send(payload: Buffer): void {
    if (!this.closed) this.socket.write(this.encoder.encode(payload));
  }

  private async onPacket(packet: Buffer): Promise<void> {
    if (this.closed || packet.length < 8) return;
    const keyId = packet.subarray(0, 8);
    if (keyId.every((b) => b === 0)) {
      this.onPlainMessage(packet);
      return;
    }
    const key = this.host.findAuthKey(keyId);
    if (!key) {
      // Telegram's answer to an auth key it does not know: the transport-level error -404.
      const err = Buffer.alloc(4);
      err.writeInt32LE(-404);
      this.send(err);
      return;
    }
    if (this.key !== key) {
      this.key = key;
      this.host.bindConnection(this, key);
      this.host.countAttempt(key);
    }
    await this.onEncrypted(key, packet);
  }

  // ---- unencrypted: the key exchange ----

  private onPlainMessage(packet: Buffer): void {
    const r = new TlReader(packet);
    r.raw(8);
    r.long();
    const length = r.int();
    const request = this.host.codec.readObject(new TlReader(r.raw(length)));
    this.handshake ??= this.host.newHandshake();
    const { reply, done } = this.handshake.handle(request);
    if (done) {
      this.host.registerAuthKey(done);
      this.handshake = undefined;
    }
    const body = this.host.codec.encode(reply);
    const w = new TlWriter().raw(Buffer.alloc(8)).long(this.nextMsgId(1)).int(body.length).raw(body);
    this.send(w.toBuffer());
  }

  // ---- encrypted messages ----

  private nextMsgId(kind: 1 | 3): bigint {
    // Server msg_ids follow the clock, strictly increase, and are ≡ 1 (answers) or 3 (pushes) mod 4.
    let id = ((BigInt(Date.now()) * 4294967296n) / 1000n) & ~3n;
    if (id <= this.lastMsgId) id = (this.lastMsgId + 4n) & ~3n;
    id |= BigInt(kind);
    this.lastMsgId = id;
    return id;
  }

  private nextSeqNo(contentRelated: boolean): number {
    if (!contentRelated) return this.seq * 2;
    return this.seq++ * 2 + 1;
  }

  private async onEncrypted(key: AuthKeyRecord, packet: Buffer): Promise<void> {
    if (packet.length < 24 + 32 || (packet.length - 24) % 16 !== 0) return;
    const msgKey = packet.subarray(8, 24);
    const { key: aesKey, iv } = messageAesKeyIv(key.key, msgKey, 0);
    const plain = aesIge(packet.subarray(24), aesKey, iv, false);
    // A message that fails the msg_key check is dropped, as the protocol requires.
    if (!computeMsgKey(key.key, plain, 0).equals(msgKey)) return;
    const r = new TlReader(plain);
    const salt = r.long();
    const sessionId = r.long();
    const msgId = r.long();
    const seqNo = r.int();
    const length = r.int();
    const padding = plain.length - 32 - length;
    if (length < 0 || length % 4 !== 0 || padding < 12 || padding > 1024) return;
    const body = plain.subarray(32, 32 + length);

    const out: Outgoing[] = [];
    if (salt !== key.salt) {
      const w = new TlWriter().uint(0xedab447b).long(msgId).int(seqNo).int(48).long(key.salt);
      out.push({ body: w.toBuffer(), contentRelated: false });
      this.flush(key, sessionId, out, 1);
      return;
    }
    if (this.sessionId !== sessionId) {
      this.sessionId = sessionId;
      if (!key.sessions.has(sessionId)) {
        key.sessions.add(sessionId);
        const w = new TlWriter().uint(0x9ec20908).long(msgId).long(randomBytes(8).readBigInt64LE()).long(key.salt);
        out.push({ body: w.toBuffer(), contentRelated: true });
      }
    }
    const acks: bigint[] = [];
    await this.handleMessage(key, msgId, seqNo, body, out, acks);
    if (acks.length) {
      const w = new TlWriter().uint(0x62d6b459).uint(0x1cb5c415).int(acks.length);
      for (const id of acks) w.long(id);
      out.push({ body: w.toBuffer(), contentRelated: false });
    }
    this.flush(key, sessionId, out, 1);
  }

  private async handleMessage(
    key: AuthKeyRecord,
    msgId: bigint,
    seqNo: number,
    body: Buffer,
    out: Outgoing[],
    acks: bigint[],
  ): Promise<void> {
    if (body.length < 4) return;
    const constructorId = body.readUInt32LE(0);
    if (constructorId === MSG_CONTAINER_ID) {
      const r = new TlReader(body);
      r.uint();
      const count = r.int();
      for (let i = 0; i < count; i++) {
        const innerId = r.long();
        const innerSeq = r.int();
        const innerLength = r.int();
        const innerBody = r.raw(innerLength);
        await this.handleMessage(key, innerId, innerSeq, innerBody, out, acks);
      }
      return;
    }
    if (constructorId === GZIP_PACKED_ID) {
      const packed = new TlReader(body.subarray(4)).bytes();
      // unzipSync takes both gzip and zlib framing (mtcute packs requests in zlib framing).
      await this.handleMessage(
        key,
        msgId,
        seqNo,
        unzipSync(packed, { maxOutputLength: MAX_INFLATED_BYTES }),
        out,
        acks,
      );
      return;
    }
    if (seqNo % 2 === 1) acks.push(msgId);

    // The layer is fixed before the query is read: the query is in that layer's constructors.
    const layer = namedLayer(body);
    if (layer !== undefined) {
      if (layer < LOWEST_LAYER) {
        out.push(this.rpcResultError(msgId, new RpcError(400, 'CONNECTION_LAYER_INVALID')));
        return;
      }
      this.layer = layer;
      key.layer = layer;
    }
    let request: TlObject;
    try {
      request = this.codec.decode(body);
    } catch (e) {
      if (e instanceof TlUnknownConstructorError) {
        // A method this layer lacks, or a constructor inside the request that this layer lacks.
        const method = e.method || e.constructorId === constructorId;
        out.push(
          this.rpcResultError(msgId, new RpcError(400, method ? 'INPUT_METHOD_INVALID' : 'INPUT_CONSTRUCTOR_INVALID')),
        );
        return;
      }
      out.push(this.rpcResultError(msgId, new RpcError(400, 'INPUT_REQUEST_INVALID')));
      return;
    }
    const codec = this.codec;
    switch (request._) {
      case 'ping':
      case 'ping_delay_disconnect': {
        if (request._ === 'ping_delay_disconnect') this.armDisconnect(Number(request.disconnect_delay));
        out.push({ body: codec.encode({ _: 'pong', msg_id: msgId, ping_id: request.ping_id }), contentRelated: true });
        return;
      }
      case 'destroy_session': {
        const target = request.session_id as bigint;
        const existed = key.sessions.delete(target);
        const answer = { _: existed ? 'destroy_session_ok' : 'destroy_session_none', session_id: target };
        out.push(this.rpcResult(msgId, codec.encode(answer)));
        return;
      }
      case 'get_future_salts': {
        const now = Math.floor(Date.now() / 1000);
        const salts = [{ _: 'future_salt', valid_since: now - 60, valid_until: now + 86400, salt: key.salt }];
        out.push(this.rpcResult(msgId, codec.encode({ _: 'future_salts', req_msg_id: msgId, now, salts })));
        return;
      }
      case 'rpc_drop_answer':
        out.push(this.rpcResult(msgId, codec.encode({ _: 'rpc_answer_unknown' })));
        return;
      default:
        break;
    }
    if (IGNORED.has(request._) || !codec.schema.functions.has(request._)) return;
    this.host.countAttempt(key);
    try {
      const { type, value, withoutUpdates } = await this.host.invoke(key, request, codec);
      if (withoutUpdates) this.updatesEnabled = false;
      out.push(this.rpcResult(msgId, codec.encodeAs(type, value)));
    } catch (e) {
      out.push(this.rpcResultError(msgId, e instanceof RpcError ? e : new RpcError(500, 'INTERNAL')));
    }
  }

  private rpcResult(reqMsgId: bigint, result: Buffer): Outgoing {
    let payload = result;
    if (result.length > GZIP_THRESHOLD) {
      const packed = new TlWriter().uint(GZIP_PACKED_ID).bytes(gzipSync(result)).toBuffer();
      if (packed.length < result.length) payload = packed;
    }
    return { body: new TlWriter().uint(RPC_RESULT_ID).long(reqMsgId).raw(payload).toBuffer(), contentRelated: true };
  }

  private rpcResultError(reqMsgId: bigint, error: RpcError): Outgoing {
    return this.rpcResult(
      reqMsgId,
      this.codec.encode({ _: 'rpc_error', error_code: error.code, error_message: error.errorMessage }),
    );
  }

  /** ping_delay_disconnect: close the connection unless another ping arrives within the delay. */
  private armDisconnect(seconds: number): void {
    if (this.disconnectTimer) clearTimeout(this.disconnectTimer);
    if (!(seconds > 0)) return;
    this.disconnectTimer = setTimeout(() => this.close(), seconds * 1000);
    this.disconnectTimer.unref();
  }

  /** Sends an update the client did not ask for (unless the connection opted out of updates). */
  push(obj: TlObject): void {
    const key = this.key;
    if (!key || this.closed || this.sessionId === undefined || !this.updatesEnabled) return;
    const sessionId = this.sessionId;
    // Queued behind answers in flight so a push never overtakes the reply that caused it.
    this.queue = this.queue
      .then(() => this.flush(key, sessionId, [{ body: this.codec.encode(obj), contentRelated: true }], 3))
      .catch(() => this.close());
  }

  private flush(key: AuthKeyRecord, sessionId: bigint, out: Outgoing[], kind: 1 | 3): void {
    if (!out.length || this.closed) return;
    let msgId: bigint;
    let seqNo: number;
    let body: Buffer;
    if (out.length === 1) {
      msgId = this.nextMsgId(kind);
      seqNo = this.nextSeqNo(out[0].contentRelated);
      body = out[0].body;
    } else {
      const w = new TlWriter().uint(MSG_CONTAINER_ID).int(out.length);
      for (const m of out) {
        w.long(this.nextMsgId(kind)).int(this.nextSeqNo(m.contentRelated)).int(m.body.length).raw(m.body);
      }
      msgId = this.nextMsgId(kind);
      seqNo = this.nextSeqNo(false);
      body = w.toBuffer();
    }
    const header = new TlWriter().long(key.salt).long(sessionId).long(msgId).int(seqNo).int(body.length).toBuffer();
    const unpadded = header.length + body.length;
    const padLength = ((16 - ((unpadded + 12) % 16)) % 16) + 12;
    const plain = Buffer.concat([header, body, randomBytes(padLength)]);
    const msgKey = computeMsgKey(key.key, plain, 8);
    const { key: aesKey, iv } = messageAesKeyIv(key.key, msgKey, 8);
    this.send(Buffer.concat([key.id, msgKey, aesIge(plain, aesKey, iv, true)]));
  }
}
