import { createHash, createPublicKey } from 'node:crypto';
import { Inject, Injectable, Logger as NestLogger, Optional } from '@nestjs/common';
import { Api, TelegramClient } from 'telegram';
import { _serverKeys } from 'telegram/crypto/RSA';
import { Logger as GramLogger, LogLevel } from 'telegram/extensions/Logger';
import { returnBigInt } from 'telegram/Helpers';
import { ConnectionTCPFull } from 'telegram/network';
import { StringSession } from 'telegram/sessions';
import { AppConfig, TelegramMode } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DomainMetrics } from '../health/domain-metrics';
import type { TelegramCallError } from './telegram-errors';

/** Where the sandbox's MTProto door listens, and the RSA key it signs its handshakes with. */
export interface MtprotoSandboxEndpoint {
  host: string;
  port: number;
  publicKey?: { pem: string; fingerprint: string };
}

/** DI token for overriding the sandbox endpoint (tests that start a sandbox on ephemeral ports). */
export const MTPROTO_SANDBOX_ENDPOINT = Symbol('MTPROTO_SANDBOX_ENDPOINT');

export interface CreateMtprotoClientOptions {
  apiId: number;
  apiHash: string;
  /** A saved StringSession; empty or absent for a fresh key. */
  session?: string;
  /** FLOOD_WAITs up to this many seconds are slept by the client itself; longer ones throw FloodWaitError. */
  floodSleepThreshold?: number;
  /** Attempts to open the TCP connection before connect() fails. */
  connectionRetries?: number;
  /** Attempts per request on transient failures. */
  requestRetries?: number;
  /** Reconnects after the connection drops, before giving up. */
  reconnectRetries?: number;
  /** Connect timeout in seconds. */
  timeoutSeconds?: number;
  /**
   * False for short-lived clients (login flows, one-off reads): the connection is opened with
   * invokeWithoutUpdates, so Telegram pushes no updates to it. Defaults to true.
   */
  receiveUpdates?: boolean;
  /** The app's language (initConnection's lang_code): what bots see as the user's language_code. gramjs's 'en' if absent. */
  langCode?: string;
}

/** Telegram's DC 2, where new sessions start (the sandbox answers for every DC). */
const SANDBOX_DC_ID = 2;
/**
 * The client ignores the session's port when it connects and stores it as a signed 16-bit number,
 * so the session carries a harmless placeholder and the connection class supplies the real port.
 */
const SESSION_PLACEHOLDER_PORT = 443;

/** gramjs's line for a FLOOD_WAIT it sleeps through (floodSleepThreshold) instead of throwing. */
const FLOOD_SLEEP_LINE = /^Sleeping for (\d+)s on flood wait/;

/**
 * Routes gramjs's own log lines to the application logger, warnings and errors only. A FLOOD_WAIT
 * the client sleeps through is told to nobody but this logger, so its line is where it is counted.
 */
class RoutedGramLogger extends GramLogger {
  constructor(
    private readonly target: NestLogger,
    level: LogLevel,
    private readonly floodSlept: (seconds: number) => void,
  ) {
    super(level);
  }

  override info(message: string): void {
    const flood = FLOOD_SLEEP_LINE.exec(message);
    if (flood) this.floodSlept(Number(flood[1]));
    super.info(message);
  }

  override log(level: LogLevel, message: string): void {
    if (level === LogLevel.ERROR) this.target.error(message);
    else if (level === LogLevel.WARN) this.target.warn(message);
  }
}

/**
 * The one place the product builds gramjs clients. In sandbox mode it trusts the sandbox's RSA key
 * and points the client at the sandbox's MTProto door; in real mode it builds a plain client.
 */
@Injectable()
export class MtprotoClientFactory {
  private readonly log = new NestLogger('MtprotoClient');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(MTPROTO_SANDBOX_ENDPOINT) private readonly sandboxOverride?: MtprotoSandboxEndpoint,
    @Optional() private readonly metrics?: DomainMetrics,
  ) {}

  /** Counts a failed call by Telegram's error name (a FLOOD_WAIT with its seconds); answers the error. */
  failed(err: TelegramCallError): TelegramCallError {
    this.metrics?.mtprotoError(err.errorName, err.seconds);
    return err;
  }

  get sandboxMode(): boolean {
    return this.config.telegram.mode === TelegramMode.Sandbox;
  }

  /** Builds a client (not yet connected). Call `destroyClient` when done with it. */
  async createClient(opts: CreateMtprotoClientOptions): Promise<TelegramClient> {
    const session = new StringSession(opts.session ?? '');
    const params: ConstructorParameters<typeof TelegramClient>[3] = {
      connectionRetries: opts.connectionRetries ?? 2,
      requestRetries: opts.requestRetries ?? 2,
      reconnectRetries: opts.reconnectRetries ?? 3,
      retryDelay: 500,
      autoReconnect: true,
      timeout: opts.timeoutSeconds ?? 10,
      floodSleepThreshold: opts.floodSleepThreshold ?? 5,
      useWSS: false,
      deviceModel: 'Tenantgram',
      appVersion: '1.0',
      systemVersion: 'server',
      baseLogger: this.gramLogger(),
      ...(opts.langCode ? { langCode: opts.langCode } : {}),
    };
    if (this.sandboxMode) {
      const endpoint = this.sandboxEndpoint();
      await this.trustSandboxKey(endpoint);
      if (!opts.session) session.setDC(SANDBOX_DC_ID, endpoint.host, SESSION_PLACEHOLDER_PORT);
      params.connection = sandboxConnectionClass(endpoint.host, endpoint.port);
    }
    const client = new TelegramClient(session, opts.apiId, opts.apiHash, params);
    if (opts.receiveUpdates === false) withoutUpdates(client);
    return client;
  }

  /**
   * Stops the client for good: `destroy()` also ends its ping loop, which `disconnect()` leaves running.
   * It also closes what gramjs's own disconnect leaves open: the extra connections an upload borrows
   * (`getSender`, one per DC) and their 30-second release timers. gramjs walks those two Maps with
   * `Object.values`, which sees no entries, so without this each upload left a live connection to Telegram
   * and a timer holding the process for up to 30 s after its session ended.
   */
  async destroyClient(client: TelegramClient): Promise<void> {
    const borrowed = client as unknown as {
      _exportedSenderPromises: Map<number, Promise<{ disconnect(): Promise<void> } | undefined>>;
      _exportedSenderReleaseTimeouts: Map<number, ReturnType<typeof setTimeout>>;
    };
    // Taken before destroy(), which empties the senders' Map without closing them.
    const senders = [...borrowed._exportedSenderPromises.values()];
    await client.destroy();
    for (const timer of borrowed._exportedSenderReleaseTimeouts.values()) clearTimeout(timer);
    borrowed._exportedSenderReleaseTimeouts.clear();
    await Promise.all(senders.map((sender) => sender.then((s) => s?.disconnect()).catch(() => undefined)));
  }

  /** The client's saved StringSession. */
  saveSession(client: TelegramClient): string {
    return (client.session as StringSession).save();
  }

  /** Hex id of the client's auth key (the sandbox reports per-key statistics under it). */
  authKeyId(client: TelegramClient): string | undefined {
    const key = client.session.getAuthKey()?.getKey();
    return key ? createHash('sha1').update(key).digest().subarray(12, 20).toString('hex') : undefined;
  }

  private sandboxEndpoint(): MtprotoSandboxEndpoint {
    return {
      host: this.sandboxOverride?.host ?? '127.0.0.1',
      port: this.sandboxOverride?.port ?? this.config.telegram.sandbox.mtprotoPort,
      publicKey: this.sandboxOverride?.publicKey,
    };
  }

  private async trustSandboxKey(endpoint: MtprotoSandboxEndpoint): Promise<void> {
    // Asked every time (a local call): a restarted sandbox has a new key.
    const key = endpoint.publicKey ?? (await this.fetchSandboxKey());
    if (_serverKeys.has(key.fingerprint)) return;
    const jwk = createPublicKey(key.pem).export({ format: 'jwk' });
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') throw new Error('sandbox public key is not RSA');
    const n = BigInt(`0x${Buffer.from(jwk.n, 'base64url').toString('hex')}`);
    const e = Number(BigInt(`0x${Buffer.from(jwk.e, 'base64url').toString('hex')}`));
    _serverKeys.set(key.fingerprint, { n: returnBigInt(n.toString()), e });
  }

  private async fetchSandboxKey(): Promise<{ pem: string; fingerprint: string }> {
    const url = `http://127.0.0.1:${this.config.telegram.sandbox.httpPort}/sandbox/mtproto/public-key`;
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`sandbox public key request failed with HTTP ${res.status}`);
    const body = (await res.json()) as { pem?: unknown; fingerprint?: unknown };
    if (typeof body.pem !== 'string' || typeof body.fingerprint !== 'string') {
      throw new Error('sandbox public key response lacks pem/fingerprint');
    }
    return { pem: body.pem, fingerprint: body.fingerprint };
  }

  private gramLogger(): GramLogger {
    const level = this.config.log.level === 'silent' ? LogLevel.NONE : LogLevel.WARN;
    return new RoutedGramLogger(this.log, level, (seconds) => this.metrics?.mtprotoError('FLOOD_WAIT', seconds));
  }
}

/**
 * gramjs has no switch for this: it sends its first request as invokeWithLayer(initConnection(query))
 * on every (re)connect. Wrapping that query in invokeWithoutUpdates tells the server this connection
 * wants no updates.
 */
function withoutUpdates(client: TelegramClient): void {
  const init = (client as unknown as { _initRequest: Api.InitConnection })._initRequest;
  let query: unknown;
  Object.defineProperty(init, 'query', {
    configurable: true,
    enumerable: true,
    get: () => query,
    set: (q: unknown) => {
      query = q instanceof Api.InvokeWithoutUpdates ? q : new Api.InvokeWithoutUpdates({ query: q });
    },
  });
}

/** A full-transport connection that dials the sandbox whatever address and port the session names. */
function sandboxConnectionClass(host: string, port: number): typeof ConnectionTCPFull {
  return class SandboxConnectionTCPFull extends ConnectionTCPFull {
    constructor(params: ConstructorParameters<typeof ConnectionTCPFull>[0]) {
      super({ ...params, ip: host, port });
    }
  };
}
