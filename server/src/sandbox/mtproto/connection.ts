import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { gzipSync, unzipSync } from 'node:zlib';
import { aesIge, computeMsgKey, messageAesKeyIv, quickAckToken, sha256 } from './crypto';
import { checkBindMessage, Handshake, NewAuthKey } from './handshake';
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
import { ServerTransport, TRANSPORT_ERROR_AUTH_KEY_NOT_FOUND, TransportPacket } from './transport';

/** What a connection needs from the server that owns it. */
export interface ConnectionHost {
  codec: TlCodec;
  /** The codec answering a client at this API layer (see tl-schema's resolveLayer). */
  codecFor(layer: number): TlCodec;
  newHandshake(): Handshake;
  registerAuthKey(key: NewAuthKey): void;
  /** The key with this id, unless it is unknown, destroyed or (a temporary key) expired. */
  findAuthKey(id: Buffer): AuthKeyRecord | undefined;
  /** destroy_auth_key: the key is forgotten; the next message under it gets -404. */
  forgetAuthKey(key: AuthKeyRecord): void;
  /** A key record changed outside an API call (a temporary key was bound): stored keys need saving. */
  keysChanged(): void;
  /** Called once per connection when it first presents an auth key, and on every API request. */
  countAttempt(key: AuthKeyRecord): void;
  invoke(key: AuthKeyRecord, request: TlObject, codec: TlCodec): Promise<RpcAnswer>;
  /** Calls whose answer waits on someone else (a bot's answer to a button): the connection goes on meanwhile. */
  answersLater?(request: TlObject): boolean;
  /** Files the connection under the key its pushes are for (a bound temporary key's permanent key). */
  bindConnection(conn: MtprotoConnection, key: AuthKeyRecord): void;
  onClosed(conn: MtprotoConnection): void;
}

interface Outgoing {
  body: Buffer;
  contentRelated: boolean;
}

/** Results larger than this travel gzip_packed, as Telegram does for big answers. */
const GZIP_THRESHOLD = 8 * 1024;

/** Service messages that need no answer. */
const IGNORED = new Set(['msgs_ack', 'http_wait', 'msgs_state_info', 'msgs_all_info']);

/** How far a client msg_id may be from the server's clock (core.telegram.org/mtproto/description#message-identifier-msg-id). */
const MSG_ID_MAX_PAST_SECONDS = 300;
const MSG_ID_MAX_FUTURE_SECONDS = 30;

/** Salts rotate hourly; each stays valid half an hour into the next period so clients can switch. */
const SALT_PERIOD_SECONDS = 3600;
const SALT_OVERLAP_SECONDS = 1800;
const MAX_FUTURE_SALTS = 64;

/** bad_msg_notification error codes (core.telegram.org/mtproto/service_messages_about_messages). */
export const BadMsg = {
  MsgIdTooLow: 16,
  MsgIdTooHigh: 17,
  MsgIdNotDivisibleBy4: 18,
  SeqNoTooLow: 32,
  SeqNoTooHigh: 33,
  EvenSeqNoExpected: 34,
  OddSeqNoExpected: 35,
  InvalidContainer: 64,
} as const;

/** What the door keeps per session for msgs_state_req, msg_resend_req and seqno checks; bounded. */
interface SessionState {
  /** Client messages received: whether each was an RPC query and whether its answer was generated. */
  received: Map<bigint, { contentRelated: boolean; rpc: boolean; answered: boolean }>;
  /** msg_ids below this were received but are forgotten. */
  forgottenBelow: bigint;
  /** Recent server messages, for msg_resend_req. */
  sent: Map<bigint, { seqNo: number; body: Buffer }>;
  /** The newest client message so far, for the seqno order checks. */
  last?: { msgId: bigint; seqNo: number };
}

const MAX_RECEIVED_TRACKED = 256;
const MAX_SENT_KEPT = 32;
const MAX_SENT_BODY_BYTES = 16 * 1024;
const MAX_SESSIONS_TRACKED = 16;

/** Session state lives with the key (not the TCP connection) because a session outlives its connections. */
const sessionStates = new WeakMap<AuthKeyRecord, Map<bigint, SessionState>>();

function sessionStateOf(key: AuthKeyRecord, sessionId: bigint): SessionState {
  let byId = sessionStates.get(key);
  if (!byId) sessionStates.set(key, (byId = new Map<bigint, SessionState>()));
  let state = byId.get(sessionId);
  if (!state) {
    if (byId.size >= MAX_SESSIONS_TRACKED) byId.delete(byId.keys().next().value as bigint);
    state = { received: new Map(), forgottenBelow: 0n, sent: new Map() };
    byId.set(sessionId, state);
  }
  return state;
}

const unixNow = (): number => Math.floor(Date.now() / 1000);

/** The salt of salt period `index` for a key: derived, so no per-key salt list has to be stored. */
function periodSalt(key: AuthKeyRecord, index: number): bigint {
  const counter = Buffer.alloc(8);
  counter.writeBigInt64LE(BigInt(index));
  return sha256(key.key.subarray(0, 32), Buffer.from('server-salt'), counter).readBigInt64LE(0);
}

/** The salt the door currently hands out for a key (in bad_server_salt and first in future_salts). */
export function currentSalt(key: AuthKeyRecord, now = unixNow()): bigint {
  return periodSalt(key, Math.floor(now / SALT_PERIOD_SECONDS));
}

/** A salt is valid when it is the key's first salt (derived from the nonces) or a salt of the current period or the one before it (within the overlap). */
export function isValidSalt(key: AuthKeyRecord, salt: bigint, now = unixNow()): boolean {
  if (salt === key.salt) return true;
  const index = Math.floor(now / SALT_PERIOD_SECONDS);
  if (salt === periodSalt(key, index)) return true;
  return now - index * SALT_PERIOD_SECONDS < SALT_OVERLAP_SECONDS && salt === periodSalt(key, index - 1);
}

/** `num` future salts starting with the current one, as future_salts lists them. */
export function futureSalts(key: AuthKeyRecord, num: number, now = unixNow()): TlObject[] {
  const first = Math.floor(now / SALT_PERIOD_SECONDS);
  const count = Math.max(1, Math.min(MAX_FUTURE_SALTS, Math.floor(num)));
  return Array.from({ length: count }, (_, i) => ({
    _: 'future_salt',
    valid_since: (first + i) * SALT_PERIOD_SECONDS,
    valid_until: (first + i + 1) * SALT_PERIOD_SECONDS + SALT_OVERLAP_SECONDS,
    salt: periodSalt(key, first + i),
  }));
}

/** gzip_packed contents, in gzip or zlib framing (mtcute sends zlib), bounded against decompression bombs. */
export function inflatePacked(packed: Buffer): Buffer {
  return unzipSync(packed, { maxOutputLength: MAX_INFLATED_BYTES });
}

/** One TCP client of the MTProto door: transport framing, key exchange, encryption, sessions and RPC. */
export class MtprotoConnection {
  key?: AuthKeyRecord;
  private sessionId?: bigint;
  private readonly transport = new ServerTransport();
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

  /** The transport the client chose, e.g. `intermediate` or `obfuscated/padded`. */
  get transportKind(): string | undefined {
    return this.transport.kind;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.disconnectTimer) clearTimeout(this.disconnectTimer);
    this.socket.destroy();
    this.host.onClosed(this);
  }

  private onData(chunk: Buffer): void {
    let packets: TransportPacket[];
    try {
      packets = this.transport.push(chunk);
    } catch {
      // A stream the door cannot frame: Telegram closes such connections without an answer.
      this.close();
      return;
    }
    for (const packet of packets) {
      // Packets of one connection are answered strictly in order; nothing a client sends may throw out of here.
      this.queue = this.queue.then(() => this.onPacket(packet)).catch(() => this.close());
    }
  }

  private send(payload: Buffer): void {
    if (!this.closed) this.socket.write(this.transport.encode(payload));
  }

  private sendTransportError(code: number): void {
    const frame = this.transport.encodeError(code);
    if (frame && !this.closed) this.socket.write(frame);
  }

  private async onPacket({ payload: packet, quickAck }: TransportPacket): Promise<void> {
    if (this.closed) return;
    if (packet.length < 8) {
      this.close();
      return;
    }
    const keyId = packet.subarray(0, 8);
    if (keyId.every((b) => b === 0)) {
      this.onPlainMessage(packet);
      return;
    }
    const key = this.host.findAuthKey(keyId);
    if (!key) {
      // Telegram's answer to an auth key it does not know (or a temporary key past its expiry).
      this.sendTransportError(TRANSPORT_ERROR_AUTH_KEY_NOT_FOUND);
      return;
    }
    if (this.key !== key) {
      this.key = key;
      this.host.bindConnection(this, this.effectiveKey(key) ?? key);
      this.host.countAttempt(key);
    }
    await this.onEncrypted(key, packet, quickAck);
  }

  /** The key whose user a call acts as: a bound temporary key acts as its permanent key. */
  private effectiveKey(key: AuthKeyRecord): AuthKeyRecord | undefined {
    if (key.expiresAt === undefined) return key;
    if (!key.boundToHex) return undefined;
    return this.host.findAuthKey(Buffer.from(key.boundToHex, 'hex'));
  }

  // ---- unencrypted: the key exchange ----

  private onPlainMessage(packet: Buffer): void {
    const r = new TlReader(packet);
    r.raw(8);
    r.long();
    const length = r.int();
    if (length < 4 || length > r.remaining) throw new RangeError('bad plain message length');
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

  private async onEncrypted(key: AuthKeyRecord, packet: Buffer, quickAck: boolean): Promise<void> {
    // The padded transport may leave up to 15 random bytes after the last AES block.
    const encryptedLength = packet.length - 24 - ((packet.length - 24) % 16);
    if (encryptedLength < 32) return;
    const msgKey = packet.subarray(8, 24);
    const { key: aesKey, iv } = messageAesKeyIv(key.key, msgKey, 0);
    const plain = aesIge(packet.subarray(24, 24 + encryptedLength), aesKey, iv, false);
    // A message that fails the msg_key check is dropped, as the protocol requires.
    if (!computeMsgKey(key.key, plain, 0).equals(msgKey)) return;
    if (quickAck && !this.closed) this.socket.write(this.transport.encodeQuickAck(quickAckToken(key.key, plain)));
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
    const state = sessionStateOf(key, sessionId);
    const timeError = this.checkMsgId(msgId);
    if (timeError !== undefined) {
      out.push(this.badMsg(msgId, seqNo, timeError));
      this.flush(key, sessionId, out, 1);
      return;
    }
    if (!isValidSalt(key, salt)) {
      const w = new TlWriter().uint(0xedab447b).long(msgId).int(seqNo).int(48).long(currentSalt(key));
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
    await this.handleMessage(key, state, msgId, seqNo, body, out, acks, 0);
    if (this.closed || !this.host.findAuthKey(key.id)) {
      // destroy_auth_key: its answer is the last message under the key.
      this.flush(key, sessionId, out, 1);
      return;
    }
    if (acks.length) {
      const w = new TlWriter().uint(0x62d6b459).uint(0x1cb5c415).int(acks.length);
      for (const id of acks) w.long(id);
      out.push({ body: w.toBuffer(), contentRelated: false });
    }
    this.flush(key, sessionId, out, 1);
  }

  /** bad_msg_notification code for a client msg_id too far from the clock or not ≡ 0 mod 4. */
  private checkMsgId(msgId: bigint): number | undefined {
    if (msgId % 4n !== 0n) return BadMsg.MsgIdNotDivisibleBy4;
    const seconds = Number(msgId >> 32n);
    const now = Date.now() / 1000;
    if (seconds < now - MSG_ID_MAX_PAST_SECONDS) return BadMsg.MsgIdTooLow;
    if (seconds > now + MSG_ID_MAX_FUTURE_SECONDS) return BadMsg.MsgIdTooHigh;
    return undefined;
  }

  private badMsg(msgId: bigint, seqNo: number, code: number): Outgoing {
    const body = this.host.codec.encode({
      _: 'bad_msg_notification',
      bad_msg_id: msgId,
      bad_msg_seqno: seqNo,
      error_code: code,
    });
    return { body, contentRelated: false };
  }

  /**
   * seqno checks for one client message: odd for API calls, and never going back against msg_id
   * order within the session.
   */
  private checkSeqNo(state: SessionState, msgId: bigint, seqNo: number, constructorId: number): number | undefined {
    // Telegram tolerates acknowledgements sent as content-related (mtcute does so), so parity is
    // enforced for API calls only; containers are checked where they are read.
    const combinator = this.codec.schema.byId.get(constructorId);
    if (combinator?.kind === 'function' && !combinator.binaryStrings && seqNo % 2 === 0) return BadMsg.OddSeqNoExpected;
    const last = state.last;
    if (last) {
      if (msgId > last.msgId && seqNo < last.seqNo) return BadMsg.SeqNoTooLow;
      if (msgId < last.msgId && seqNo > last.seqNo) return BadMsg.SeqNoTooHigh;
    }
    return undefined;
  }

  private remember(state: SessionState, msgId: bigint, entry: { contentRelated: boolean; rpc: boolean }): void {
    state.received.set(msgId, { ...entry, answered: false });
    while (state.received.size > MAX_RECEIVED_TRACKED) {
      const oldest = state.received.keys().next().value as bigint;
      state.received.delete(oldest);
      if (oldest >= state.forgottenBelow) state.forgottenBelow = oldest + 1n;
    }
  }

  private async handleMessage(
    key: AuthKeyRecord,
    state: SessionState,
    msgId: bigint,
    seqNo: number,
    body: Buffer,
    out: Outgoing[],
    acks: bigint[],
    depth: number,
  ): Promise<void> {
    if (body.length < 4) return;
    const constructorId = body.readUInt32LE(0);
    if (constructorId === MSG_CONTAINER_ID) {
      // Containers never nest; a malformed one is refused as a whole.
      if (seqNo % 2 === 1) {
        out.push(this.badMsg(msgId, seqNo, BadMsg.EvenSeqNoExpected));
        return;
      }
      let inner: { id: bigint; seq: number; body: Buffer }[];
      try {
        if (depth > 0) throw new RangeError('nested container');
        inner = this.readContainer(body);
      } catch {
        out.push(this.badMsg(msgId, seqNo, BadMsg.InvalidContainer));
        return;
      }
      for (const m of inner) {
        const timeError = this.checkMsgId(m.id);
        if (timeError !== undefined) {
          out.push(this.badMsg(m.id, m.seq, timeError));
          continue;
        }
        await this.handleMessage(key, state, m.id, m.seq, m.body, out, acks, depth + 1);
      }
      return;
    }
    if (constructorId === GZIP_PACKED_ID) {
      let unpacked: Buffer;
      try {
        unpacked = inflatePacked(new TlReader(body.subarray(4)).bytes());
      } catch {
        out.push(this.rpcResultError(msgId, new RpcError(400, 'INPUT_REQUEST_INVALID')));
        return;
      }
      // A packed message (or a packed top-level container) is read as itself; packing twice is refused.
      if (unpacked.length >= 4 && unpacked.readUInt32LE(0) === GZIP_PACKED_ID) return;
      await this.handleMessage(key, state, msgId, seqNo, unpacked, out, acks, depth);
      return;
    }
    if (state.received.has(msgId)) return; // a repeat of a message already handled
    const seqError = this.checkSeqNo(state, msgId, seqNo, constructorId);
    if (seqError !== undefined) {
      out.push(this.badMsg(msgId, seqNo, seqError));
      return;
    }
    const contentRelated = seqNo % 2 === 1;
    if (contentRelated) acks.push(msgId);
    this.remember(state, msgId, { contentRelated, rpc: false });
    if (!state.last || msgId > state.last.msgId) state.last = { msgId, seqNo };

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
    const answered = out.length;
    await this.answer(key, state, msgId, request, out);
    const entry = state.received.get(msgId);
    if (entry && out.length > answered) entry.answered = true;
  }

  private readContainer(body: Buffer): { id: bigint; seq: number; body: Buffer }[] {
    const r = new TlReader(body);
    r.uint();
    const count = r.int();
    if (count < 0 || count > 1024) throw new RangeError('bad container size');
    const items: { id: bigint; seq: number; body: Buffer }[] = [];
    for (let i = 0; i < count; i++) {
      const id = r.long();
      const seq = r.int();
      const length = r.int();
      if (length < 0 || length % 4 !== 0 || length > r.remaining) throw new RangeError('bad inner message length');
      items.push({ id, seq, body: r.raw(length) });
    }
    return items;
  }

  private async answer(
    key: AuthKeyRecord,
    state: SessionState,
    msgId: bigint,
    request: TlObject,
    out: Outgoing[],
  ): Promise<void> {
    const codec = this.codec;
    const bare = (obj: TlObject, contentRelated = true): void => {
      out.push({ body: codec.encode(obj), contentRelated });
    };
    switch (request._) {
      case 'ping':
      case 'ping_delay_disconnect': {
        if (request._ === 'ping_delay_disconnect') this.armDisconnect(Number(request.disconnect_delay));
        bare({ _: 'pong', msg_id: msgId, ping_id: request.ping_id });
        return;
      }
      case 'destroy_session': {
        // Answered bare, as Telegram does; the current session cannot destroy itself.
        const target = request.session_id as bigint;
        const existed = target !== this.sessionId && key.sessions.delete(target);
        if (existed) sessionStates.get(key)?.delete(target);
        bare({ _: existed ? 'destroy_session_ok' : 'destroy_session_none', session_id: target });
        return;
      }
      case 'destroy_auth_key': {
        bare({ _: 'destroy_auth_key_ok' });
        this.host.forgetAuthKey(key);
        return;
      }
      case 'get_future_salts': {
        // A bare future_salts with the number of salts asked for (at most 64), not an rpc_result.
        const now = unixNow();
        bare({ _: 'future_salts', req_msg_id: msgId, now, salts: futureSalts(key, Number(request.num), now) });
        return;
      }
      case 'msgs_state_req': {
        const ids = Array.isArray(request.msg_ids) ? (request.msg_ids as bigint[]) : [];
        const info = Buffer.from(ids.map((id) => this.messageState(state, id)));
        bare({ _: 'msgs_state_info', req_msg_id: msgId, info }, false);
        return;
      }
      case 'msg_resend_req': {
        const ids = Array.isArray(request.msg_ids) ? (request.msg_ids as bigint[]) : [];
        for (const id of ids) {
          const sent = state.sent.get(id);
          if (sent && this.sessionId !== undefined) this.sendMessage(key, this.sessionId, id, sent.seqNo, sent.body);
        }
        return;
      }
      case 'rpc_drop_answer':
        out.push(this.rpcResult(msgId, codec.encode({ _: 'rpc_answer_unknown' })));
        return;
      case 'auth.bindTempAuthKey':
        out.push(this.bindTempAuthKey(key, msgId, request));
        return;
      default:
        break;
    }
    if (IGNORED.has(request._) || !codec.schema.functions.has(request._)) return;
    const entry = state.received.get(msgId);
    if (entry) entry.rpc = true;
    this.host.countAttempt(key);
    const actingKey = this.effectiveKey(key);
    if (!actingKey) {
      // A temporary key works only once bound to a permanent key (and while that key exists).
      out.push(this.rpcResultError(msgId, new RpcError(401, 'AUTH_KEY_PERM_EMPTY')));
      return;
    }
    const result = this.host
      .invoke(actingKey, request, codec)
      .then(({ type, value, withoutUpdates }): Outgoing => {
        if (withoutUpdates) this.updatesEnabled = false;
        return this.rpcResult(msgId, codec.encodeAs(type, value));
      })
      .catch((e: unknown) => this.rpcResultError(msgId, e instanceof RpcError ? e : new RpcError(500, 'INTERNAL')));
    if (this.host.answersLater?.(request) && this.sessionId !== undefined) {
      // Answered on its own once ready, as Telegram answers a slow call while the connection's other calls go on.
      const sessionId = this.sessionId;
      void result.then((answer) => {
        this.queue = this.queue
          .then(() => {
            if (entry) entry.answered = true;
            this.flush(key, sessionId, [answer], 1);
          })
          .catch(() => this.close());
      });
      return;
    }
    out.push(await result);
  }

  /** msgs_state_info status byte of one msg_id (core.telegram.org/mtproto/service_messages_about_messages). */
  private messageState(state: SessionState, msgId: bigint): number {
    const entry = state.received.get(msgId);
    if (entry) {
      let status = 4 | (entry.contentRelated ? 8 : 16);
      if (entry.rpc) status |= 32;
      if (entry.answered) status |= 64;
      return status;
    }
    if (Number(msgId >> 32n) > Date.now() / 1000 + MSG_ID_MAX_FUTURE_SECONDS) return 3;
    if (msgId < state.forgottenBelow) return 1;
    return 2;
  }

  /** auth.bindTempAuthKey on a temporary key: checks the bind message and binds the key to the permanent one. */
  private bindTempAuthKey(tempKey: AuthKeyRecord, msgId: bigint, req: TlObject): Outgoing {
    const fail = (message: string): Outgoing => this.rpcResultError(msgId, new RpcError(400, message));
    if (tempKey.expiresAt === undefined) return fail('TEMP_AUTH_KEY_EMPTY');
    if (typeof req.perm_auth_key_id !== 'bigint' || typeof req.nonce !== 'bigint')
      return fail('ENCRYPTED_MESSAGE_INVALID');
    if (typeof req.expires_at !== 'number' || !Buffer.isBuffer(req.encrypted_message))
      return fail('ENCRYPTED_MESSAGE_INVALID');
    const permId = Buffer.alloc(8);
    permId.writeBigInt64LE(req.perm_auth_key_id);
    const permKey = this.host.findAuthKey(permId);
    if (!permKey || permKey.expiresAt !== undefined) return fail('PERM_AUTH_KEY_INVALID');
    if (req.expires_at > tempKey.expiresAt + 60) return fail('TEMP_AUTH_KEY_EMPTY');
    const error = checkBindMessage(this.host.codec, permKey.key, {
      permAuthKeyId: req.perm_auth_key_id,
      nonce: req.nonce,
      expiresAt: req.expires_at,
      encryptedMessage: req.encrypted_message,
      msgId,
      tempAuthKeyId: tempKey.id.readBigInt64LE(0),
      tempSessionId: this.sessionId ?? 0n,
    });
    if (error) return fail(error);
    tempKey.boundToHex = permKey.idHex;
    tempKey.expiresAt = Math.min(tempKey.expiresAt, req.expires_at);
    this.host.keysChanged();
    this.host.bindConnection(this, permKey);
    return this.rpcResult(msgId, this.host.codec.encodeAs('Bool', true));
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

  /** Sends an update the client did not ask for, unless the connection opted out of updates; true when it is sent. */
  push(obj: TlObject): boolean {
    const key = this.key;
    if (!key || this.closed || this.sessionId === undefined || !this.updatesEnabled) return false;
    const sessionId = this.sessionId;
    // Queued behind answers in flight so a push never overtakes the reply that caused it.
    this.queue = this.queue
      .then(() => this.flush(key, sessionId, [{ body: this.codec.encode(obj), contentRelated: true }], 3))
      .catch(() => this.close());
    return true;
  }

  private flush(key: AuthKeyRecord, sessionId: bigint, out: Outgoing[], kind: 1 | 3): void {
    if (!out.length || this.closed) return;
    const state = sessionStateOf(key, sessionId);
    const keep = (id: bigint, seqNo: number, body: Buffer): void => {
      if (body.length > MAX_SENT_BODY_BYTES) return;
      state.sent.set(id, { seqNo, body });
      if (state.sent.size > MAX_SENT_KEPT) state.sent.delete(state.sent.keys().next().value as bigint);
    };
    const [only] = out;
    if (out.length === 1 && only) {
      const msgId = this.nextMsgId(kind);
      const seqNo = this.nextSeqNo(only.contentRelated);
      keep(msgId, seqNo, only.body);
      this.sendMessage(key, sessionId, msgId, seqNo, only.body);
      return;
    }
    const w = new TlWriter().uint(MSG_CONTAINER_ID).int(out.length);
    for (const m of out) {
      const id = this.nextMsgId(kind);
      const seqNo = this.nextSeqNo(m.contentRelated);
      keep(id, seqNo, m.body);
      w.long(id).int(seqNo).int(m.body.length).raw(m.body);
    }
    this.sendMessage(key, sessionId, this.nextMsgId(kind), this.nextSeqNo(false), w.toBuffer());
  }

  private sendMessage(key: AuthKeyRecord, sessionId: bigint, msgId: bigint, seqNo: number, body: Buffer): void {
    const header = new TlWriter().long(key.salt).long(sessionId).long(msgId).int(seqNo).int(body.length).toBuffer();
    const unpadded = header.length + body.length;
    const padLength = ((16 - ((unpadded + 12) % 16)) % 16) + 12;
    const plain = Buffer.concat([header, body, randomBytes(padLength)]);
    const msgKey = computeMsgKey(key.key, plain, 8);
    const { key: aesKey, iv } = messageAesKeyIv(key.key, msgKey, 8);
    this.send(Buffer.concat([key.id, msgKey, aesIge(plain, aesKey, iv, true)]));
  }
}
