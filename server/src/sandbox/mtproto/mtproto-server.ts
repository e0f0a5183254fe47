import { createServer, Server, Socket } from 'node:net';
import { DEFAULT_UPDATE_LIMITS, SandboxUpdates, UpdateLimits } from '../updates/sandbox-updates';
import { LoginToken, SandboxWorld, WorldEvent } from '../world';
import type { WebViewResultSentEvent } from '../web-app-queries';
import { MtprotoConnection } from './connection';
import { generateServerRsaKey, ServerRsaKey } from './crypto';
import { Handshake, NewAuthKey } from './handshake';
import { AuthKeyRecord, RpcService } from './rpc';
import { answersLater, type ButtonPressDoor } from './bot-interaction';
import { unixNow } from './tl-builders';
import { TlCodec, TlObject } from './tl-codec';
import { webViewResultSentToTl } from './web-apps';
import { DEFAULT_LAYER, loadLayerSchema } from './tl-schema';

export interface MtprotoServerStats {
  connections: number;
  handshakes: number;
  authKeys: number;
  /** Per auth key id (hex): connections that presented the key plus API requests made with it. */
  attemptsByAuthKey: Record<string, number>;
  /** Live connections per auth key id (hex) they last presented; a key no connection uses is absent. */
  connectionsByAuthKey: Record<string, number>;
  /**
   * Updates sent unasked per auth key id (hex) of the connection they went to; a key never sent one is absent (as is
   * one whose connections opted out of updates). Every connection's pushes for one change are counted together.
   */
  updatesPushedByAuthKey: Record<string, number>;
  /** Live connections per transport, e.g. `{ "intermediate": 1, "obfuscated/padded": 2 }`. */
  transports: Record<string, number>;
  /** Completed key exchanges per encryption of p_q_inner_data: `rsa_pad` or the older `rsa_sha1`. */
  handshakesByEncryption: Record<string, number>;
  /** Temporary (PFS) keys alive, and how many of them are bound to a permanent key. */
  temporaryKeys: number;
  boundTemporaryKeys: number;
  /** API calls per method since the door started (`{"channels.getFullChannel": 3, ...}`), faults included. */
  callsByMethod: Record<string, number>;
}

/**
 * The sandbox's MTProto door: a TCP server speaking every MTProto transport (abridged, intermediate,
 * padded intermediate, full, obfuscated) and MTProto 2.0 over the shared world, so unmodified clients
 * (gramjs, mtcute, Telethon...) can log in, read history and receive updates.
 */
export class MtprotoServer {
  readonly publicKey: { pem: string; fingerprint: string };

  private readonly rsa: ServerRsaKey;
  private readonly codec = new TlCodec(loadLayerSchema(DEFAULT_LAYER));
  /** One codec per served layer, shared by every connection at that layer. */
  private readonly codecs = new Map<number, TlCodec>([[this.codec.layer, this.codec]]);
  private readonly rpc: RpcService;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly connections = new Set<MtprotoConnection>();
  // Auth keys live as long as the server: a forgotten key leaves the client hanging.
  private readonly authKeys = new Map<string, AuthKeyRecord>();
  private readonly connectionsByKey = new Map<string, Set<MtprotoConnection>>();
  private readonly pushesByKey = new Map<string, number>();
  private handshakes = 0;
  private readonly handshakesByEncryption: Record<string, number> = {};
  private boundPort = 0;
  private readonly listeners: [WorldEvent, (payload: unknown) => void][] = [];
  private readonly updates: SandboxUpdates;
  /** Updates waiting to be pushed, per connection, in pts order. */
  private readonly pending = new Map<MtprotoConnection, TlObject[]>();
  private flushTimer?: NodeJS.Immediate;

  constructor(
    private readonly world: SandboxWorld,
    private readonly opts: {
      host: string;
      port: number;
      onChange?: () => void;
      updateLimits?: Partial<UpdateLimits>;
      /** The handshake's RSA key (a stored one, for a world that persists); a new one otherwise. */
      rsaKey?: ServerRsaKey;
      /** How long an app's press of an inline button waits for the bot's answer (default: a few seconds). */
      callbackAnswerTimeoutMs?: number;
      /** How long an app's payment waits for the bot's answer to its pre-checkout query (default: 10 seconds). */
      preCheckoutTimeoutMs?: number;
    },
  ) {
    this.rsa = opts.rsaKey ?? generateServerRsaKey();
    this.publicKey = { pem: this.rsa.pem, fingerprint: this.rsa.fingerprint };
    this.updates = new SandboxUpdates(world, { ...DEFAULT_UPDATE_LIMITS, ...opts.updateLimits }, (userId, build) =>
      this.pushToUser(userId, build),
    );
    this.rpc = new RpcService(
      world,
      this.codec,
      () => ({ host: opts.host, port: this.boundPort || opts.port }),
      this.updates,
    );
    this.rpc.revokeOtherKeys = (userId, keepKeyHex): void => this.revokeKeys(userId, keepKeyHex);
    this.rpc.pushToUser = (userId, build): void => this.pushToUser(userId, build);
    if (opts.callbackAnswerTimeoutMs !== undefined) this.rpc.callbackAnswerTimeoutMs = opts.callbackAnswerTimeoutMs;
    if (opts.preCheckoutTimeoutMs !== undefined) this.rpc.preCheckoutTimeoutMs = opts.preCheckoutTimeoutMs;
    this.server = createServer((socket) => this.accept(socket));
    this.subscribe();
  }

  /** Links the Bot API door: its bots hear the inline buttons apps press (messages.getBotCallbackAnswer). */
  linkBotDoor(door: ButtonPressDoor): void {
    this.rpc.buttonPresses = door;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        this.boundPort = typeof address === 'object' && address ? address.port : this.opts.port;
        resolve(this.boundPort);
      });
    });
  }

  stats(): MtprotoServerStats {
    const attemptsByAuthKey: Record<string, number> = {};
    const transports: Record<string, number> = {};
    let temporaryKeys = 0;
    let boundTemporaryKeys = 0;
    for (const [id, key] of this.authKeys) {
      attemptsByAuthKey[id] = key.attempts;
      if (key.expiresAt === undefined) continue;
      temporaryKeys += 1;
      if (key.boundToHex) boundTemporaryKeys += 1;
    }
    const connectionsByAuthKey: Record<string, number> = {};
    for (const conn of this.connections) {
      const kind = conn.transportKind;
      if (kind) transports[kind] = (transports[kind] ?? 0) + 1;
      const keyId = conn.key?.idHex;
      if (keyId) connectionsByAuthKey[keyId] = (connectionsByAuthKey[keyId] ?? 0) + 1;
    }
    return {
      connections: this.connections.size,
      handshakes: this.handshakes,
      authKeys: this.authKeys.size,
      attemptsByAuthKey,
      connectionsByAuthKey,
      updatesPushedByAuthKey: Object.fromEntries(this.pushesByKey),
      transports,
      handshakesByEncryption: { ...this.handshakesByEncryption },
      temporaryKeys,
      boundTemporaryKeys,
      callsByMethod: { ...this.rpc.callsByMethod },
    };
  }

  async close(): Promise<void> {
    for (const [event, fn] of this.listeners) this.world.off(event, fn);
    this.listeners.length = 0;
    this.updates.close();
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.pending.clear();
    for (const conn of [...this.connections]) conn.close();
    for (const socket of this.sockets) socket.destroy();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const host = {
      codec: this.codec,
      codecFor: (layer: number): TlCodec => this.codecFor(layer),
      newHandshake: (): Handshake => new Handshake(this.codec, this.rsa, (id) => this.authKeys.has(id.toString('hex'))),
      registerAuthKey: (k: NewAuthKey): void => this.registerAuthKey(k),
      findAuthKey: (id: Buffer): AuthKeyRecord | undefined => this.findAuthKey(id.toString('hex')),
      forgetAuthKey: (k: AuthKeyRecord): void => {
        this.authKeys.delete(k.idHex);
        this.opts.onChange?.();
      },
      keysChanged: (): void => this.opts.onChange?.(),
      countAttempt: (k: AuthKeyRecord): void => {
        k.attempts += 1;
      },
      invoke: async (k: AuthKeyRecord, request: TlObject, codec: TlCodec) => {
        try {
          return await this.rpc.invoke(k, request, codec);
        } finally {
          this.opts.onChange?.();
        }
      },
      answersLater: (request: TlObject): boolean => answersLater(request),
      bindConnection: (conn: MtprotoConnection, k: AuthKeyRecord): void => {
        for (const set of this.connectionsByKey.values()) set.delete(conn);
        let set = this.connectionsByKey.get(k.idHex);
        if (!set) this.connectionsByKey.set(k.idHex, (set = new Set()));
        set.add(conn);
      },
      onClosed: (conn: MtprotoConnection): void => {
        this.connections.delete(conn);
        this.pending.delete(conn);
        if (conn.key) this.connectionsByKey.get(conn.key.idHex)?.delete(conn);
        if (conn.key?.boundToHex) this.connectionsByKey.get(conn.key.boundToHex)?.delete(conn);
      },
    };
    this.connections.add(new MtprotoConnection(socket, host));
  }

  /** A known key; a temporary key past its expiry is forgotten, so its client gets -404 and makes a new one. */
  private findAuthKey(idHex: string): AuthKeyRecord | undefined {
    const key = this.authKeys.get(idHex);
    if (key?.expiresAt !== undefined && key.expiresAt <= Math.floor(Date.now() / 1000)) {
      this.authKeys.delete(idHex);
      this.opts.onChange?.();
      return undefined;
    }
    return key;
  }

  private codecFor(layer: number): TlCodec {
    const schema = loadLayerSchema(layer);
    let codec = this.codecs.get(schema.layer);
    if (!codec) this.codecs.set(schema.layer, (codec = new TlCodec(schema)));
    return codec;
  }

  private registerAuthKey(k: NewAuthKey): void {
    this.handshakes += 1;
    this.handshakesByEncryption[k.innerEncryption] = (this.handshakesByEncryption[k.innerEncryption] ?? 0) + 1;
    const idHex = k.id.toString('hex');
    this.authKeys.set(idHex, {
      id: k.id,
      idHex,
      key: k.key,
      // The first salt is the one both sides derive from the nonces, so the client's first message is accepted.
      salt: k.salt,
      revoked: false,
      sessions: new Set(),
      attempts: 0,
      createdAt: new Date(),
      ...(k.expiresAt === undefined ? {} : { expiresAt: k.expiresAt }),
    });
    this.opts.onChange?.();
  }

  // ---- persistence (a stored world keeps its auth keys, so stored sessions keep working) ----

  /** Every auth key record as data; an SRP check in progress is left out (the client asks again). */
  exportAuthKeys(): AuthKeyRecord[] {
    return [...this.authKeys.values()].map((k) => ({ ...k, srp: undefined }));
  }

  /** Takes stored records (all, or none when one is malformed). */
  importAuthKeys(records: unknown[]): void {
    const valid = records.map((r, i) => {
      const k = r as Partial<AuthKeyRecord> | null;
      if (!k || !Buffer.isBuffer(k.id) || !Buffer.isBuffer(k.key) || k.idHex !== k.id.toString('hex')) {
        throw new Error(`auth key record ${i} lacks its id or key`);
      }
      return { ...k, sessions: k.sessions ?? new Set(), attempts: k.attempts ?? 0, revoked: k.revoked ?? false };
    }) as AuthKeyRecord[];
    for (const k of valid) this.authKeys.set(k.idHex, k);
  }

  // ---- updates pushed from the world ----

  private on<T>(event: WorldEvent, fn: (payload: T) => void): void {
    const listener = (payload: unknown): void => {
      try {
        fn(payload as T);
      } catch {
        // A push that cannot be built must never break the world's emitter (and the caller who changed the world).
      }
    };
    this.world.on(event, listener);
    this.listeners.push([event, listener]);
  }

  private subscribe(): void {
    this.on<{ token: LoginToken; userId: number }>(WorldEvent.LoginTokenAccepted, ({ token }) => {
      for (const conn of this.connectionsByKey.get(token.authKeyId) ?? []) {
        this.push(conn, { _: 'updateShort', update: { _: 'updateLoginToken' }, date: unixNow() });
      }
    });
    this.on<{ userId: number }>(WorldEvent.SessionsRevoked, ({ userId }) => this.revokeKeys(userId));
    this.on<void>(WorldEvent.Reset, () => this.rpc.clear());
    // A bot answered a web view (web-app-queries.ts): the user's apps close it.
    this.on<WebViewResultSentEvent>(WorldEvent.WebViewResultSent, ({ userId, queryId }) =>
      this.pushToUser(userId, () => webViewResultSentToTl(queryId, unixNow())),
    );
  }

  /** Signs out every auth key of the user (but `keepKeyHex`), telling their live sessions. */
  private revokeKeys(userId: number, keepKeyHex?: string): void {
    for (const key of this.authKeys.values()) {
      if (key.userId !== userId || key.revoked || key.idHex === keepKeyHex) continue;
      key.revoked = true;
      key.srp = undefined;
      key.passwordUserId = undefined;
      // Tell live sessions their state is stale; the getDifference they answer with gets 401.
      for (const conn of this.connectionsByKey.get(key.idHex) ?? []) this.push(conn, { _: 'updatesTooLong' });
    }
  }

  /**
   * Pushes to every live connection of every auth key signed in as the user, except the one whose
   * call caused it. The update is built only when someone is there to receive it.
   */
  private pushToUser(userId: number, build: () => TlObject | undefined): void {
    let built = false;
    let update: TlObject | undefined;
    for (const key of this.authKeys.values()) {
      if (key.userId !== userId || key.revoked || key.idHex === this.rpc.originKeyId) continue;
      for (const conn of this.connectionsByKey.get(key.idHex) ?? []) {
        if (!built) [update, built] = [build(), true];
        if (update) this.enqueue(conn, update);
      }
    }
  }

  /**
   * Updates leave once the change that caused them is complete (the next turn of the event loop), in
   * pts order. A connection with more waiting than the limit gets one `updatesTooLong` instead, as
   * Telegram does, and catches up with getDifference.
   */
  private enqueue(conn: MtprotoConnection, update: TlObject): void {
    let waiting = this.pending.get(conn);
    if (!waiting) this.pending.set(conn, (waiting = []));
    // One past the limit is enough to know the connection gets updatesTooLong.
    if (waiting.length <= this.updates.limits.pushBatchLimit) waiting.push(update);
    this.flushTimer ??= setImmediate(() => this.flushPending());
  }

  private flushPending(): void {
    this.flushTimer = undefined;
    const batches = [...this.pending];
    this.pending.clear();
    for (const [conn, updates] of batches) {
      if (updates.length > this.updates.limits.pushBatchLimit) this.push(conn, { _: 'updatesTooLong' });
      else for (const update of updates) this.push(conn, update);
    }
  }

  /** Pushes one update to the connection, counting it under the connection's auth key when it went out. */
  private push(conn: MtprotoConnection, update: TlObject): void {
    const keyId = conn.key?.idHex;
    if (conn.push(update) && keyId) this.pushesByKey.set(keyId, (this.pushesByKey.get(keyId) ?? 0) + 1);
  }
}
