import { randomBytes } from 'node:crypto';
import { Api, TelegramClient } from 'telegram';
import { Raw } from 'telegram/events/Raw';
import { returnBigInt } from 'telegram/Helpers';
import { computeCheck } from 'telegram/Password';
import { MtprotoClientFactory } from './mtproto-client.factory';
import { TelegramCallError, toCallError } from './telegram-errors';

/** The adapter's one error type, for callers that decide on Telegram's answer (see telegram-errors.ts). */
export { TelegramCallError } from './telegram-errors';

export type CodeType = 'app' | 'sms' | 'call' | 'flash_call' | 'missed_call' | 'email' | 'fragment_sms' | 'other';

export type LoginTokenResult =
  | { kind: 'token'; token: Buffer; expiresAt: Date }
  | { kind: 'success' }
  | { kind: 'migrate'; dcId: number; token: Buffer };

export interface ChannelRef {
  channelId: string;
  accessHash: string;
}

export interface HistoryMessage {
  id: number;
  date: number;
  text: string;
  views: number | null;
  forwards: number | null;
  replies: number | null;
  editDate: number | null;
}

function codeTypeOf(type: Api.auth.TypeSentCodeType | undefined): CodeType {
  if (type instanceof Api.auth.SentCodeTypeApp) return 'app';
  if (type instanceof Api.auth.SentCodeTypeSms) return 'sms';
  if (type instanceof Api.auth.SentCodeTypeCall) return 'call';
  if (type instanceof Api.auth.SentCodeTypeFlashCall) return 'flash_call';
  if (type instanceof Api.auth.SentCodeTypeMissedCall) return 'missed_call';
  if (type instanceof Api.auth.SentCodeTypeEmailCode) return 'email';
  if (type instanceof Api.auth.SentCodeTypeFragmentSms) return 'fragment_sms';
  return 'other';
}

/**
 * The longest one call may wait for Telegram. Generous (a call can sleep through short FLOOD_WAITs and walk the
 * dialog list); a lost connection is noticed much sooner through gramjs's reconnect outcome.
 */
const CALL_TIMEOUT_MS = 60_000;
/** A keep-alive ping unanswered this long means the connection went silent. */
const PING_TIMEOUT_MS = 10_000;

/** The parts of gramjs's MTProtoSender that tell its connection state (no public accessor exists). */
interface SenderState {
  userDisconnected: boolean;
  isReconnecting: boolean;
  _userConnected: boolean;
}

const senderOf = (client: TelegramClient): SenderState | undefined =>
  (client as unknown as { _sender?: SenderState })._sender;

const numOrNull = (v: number | undefined): number | null => (typeof v === 'number' ? v : null);

/**
 * One Telegram user session, as the product uses it. Everything gramjs-shaped (requests,
 * result classes, error classes, big integers) stays in this file and the client factory, so a
 * fork of gramjs replaces them in one place; callers see plain values and TelegramCallError.
 */
export class TelegramUserSession {
  private destroyed = false;
  /** Calls in flight: each is failed at once when the connection is lost for good or the session is destroyed. */
  private readonly inFlight = new Set<(err: TelegramCallError) => void>();
  private readonly lostHandlers: (() => void)[] = [];
  /** Set once connect() succeeded: from then on a call on a connection known to be down fails at once. */
  private opened = false;

  private constructor(
    private readonly factory: MtprotoClientFactory,
    private readonly client: TelegramClient,
    readonly apiId: number,
    private readonly apiHash: string,
  ) {}

  static async open(
    factory: MtprotoClientFactory,
    opts: {
      apiId: number;
      apiHash: string;
      session?: string;
      floodSleepSeconds?: number;
      /**
       * `external`: the owner pings the connection itself (see `keepAlive()`) instead of gramjs's
       * own update loop, which pings every 9 s per client and dominates the CPU of a pool of idle
       * sessions. Telegram's own clients ping once a minute with a 75 s disconnect delay.
       */
      keepAlive?: 'gramjs' | 'external';
    },
  ): Promise<TelegramUserSession> {
    let client: TelegramClient;
    try {
      client = await factory.createClient({
        apiId: opts.apiId,
        apiHash: opts.apiHash,
        session: opts.session,
        floodSleepThreshold: opts.floodSleepSeconds,
      });
    } catch (err) {
      // In sandbox mode the client first asks the sandbox for its key: unreachable is an outage too.
      throw toCallError(err);
    }
    if (opts.keepAlive === 'external') {
      // gramjs starts its update loop on connect unless it believes one is running already.
      (client as unknown as { _loopStarted: boolean })._loopStarted = true;
    }
    const session = new TelegramUserSession(factory, client, opts.apiId, opts.apiHash);
    session.watchReconnects();
    try {
      // gramjs answers false (no error) when every connection attempt failed; requests sent then would wait forever.
      const connected = await session.call(() => client.connect());
      if (!connected) throw new TelegramCallError('NETWORK');
      session.opened = true;
    } catch (err) {
      await session.destroy();
      throw err;
    }
    return session;
  }

  /**
   * Whether the connection can carry requests: `up`, `reconnecting` (gramjs is retrying after a drop; requests
   * wait in its queue and are sent once it is back) or `down` (gramjs gave up; nothing sent will ever be answered).
   * gramjs has no public accessor for this, so its sender's flags are read here, the one place that knows them.
   */
  get connectionState(): 'up' | 'reconnecting' | 'down' {
    if (this.destroyed) return 'down';
    const sender = senderOf(this.client);
    if (!sender || sender.userDisconnected) return 'down';
    if (sender.isReconnecting) return 'reconnecting';
    return sender._userConnected ? 'up' : 'down';
  }

  /**
   * Runs `handler` once when gramjs's own reconnect attempts end without a connection (the session is then
   * useless: gramjs never tries again and requests queued on it are never answered).
   */
  onLost(handler: () => void): void {
    this.lostHandlers.push(handler);
  }

  /**
   * gramjs reconnects by itself after a drop (reconnectRetries, retryDelay, connectionRetries) and then calls its
   * `_handleReconnect`, whether the reconnect worked or not, and emits nothing when it did not. This hook, set
   * before connect() binds it, tells the two apart: it is the only signal gramjs gives that it has given up.
   * It also closes a client that reconnected after it was destroyed (gramjs's reconnect does not check).
   */
  private watchReconnects(): void {
    const client = this.client as unknown as { _handleReconnect: () => Promise<void> };
    const original = client._handleReconnect.bind(this.client);
    client._handleReconnect = async () => {
      if (this.destroyed) {
        await this.factory.destroyClient(this.client).catch(() => undefined);
        return;
      }
      if (this.connectionState === 'up') {
        await original();
        return;
      }
      this.lost();
    };
  }

  private lost(): void {
    this.failInFlight();
    for (const handler of this.lostHandlers.splice(0)) handler();
  }

  private failInFlight(): void {
    for (const fail of [...this.inFlight]) fail(new TelegramCallError('NETWORK'));
    this.inFlight.clear();
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  /** The session to store (encrypted) and resume later, on any pod. */
  save(): string {
    return this.factory.saveSession(this.client);
  }

  authKeyId(): string | undefined {
    return this.factory.authKeyId(this.client);
  }

  /**
   * Telegram tells a live connection its state is stale (updatesTooLong) when, among other things,
   * the session was revoked elsewhere; the caller probes the session when that happens.
   */
  onStale(handler: () => void): void {
    this.client.addEventHandler(
      (update: unknown) => {
        if (update instanceof Api.UpdatesTooLong) handler();
      },
      new Raw({ types: [Api.UpdatesTooLong] }),
    );
  }

  async sendCode(phone: string): Promise<{ phoneCodeHash: string; codeType: CodeType }> {
    const sent = await this.call(() =>
      this.client.invoke(
        new Api.auth.SendCode({
          phoneNumber: phone,
          apiId: this.apiId,
          apiHash: this.apiHash,
          settings: new Api.CodeSettings({}),
        }),
      ),
    );
    if (!(sent instanceof Api.auth.SentCode)) throw new TelegramCallError('SENT_CODE_UNEXPECTED');
    return { phoneCodeHash: sent.phoneCodeHash, codeType: codeTypeOf(sent.type) };
  }

  /** Completes a code login; a 2FA account answers SESSION_PASSWORD_NEEDED. */
  async signIn(phone: string, phoneCodeHash: string, code: string): Promise<void> {
    const auth = await this.call(() =>
      this.client.invoke(new Api.auth.SignIn({ phoneNumber: phone, phoneCodeHash, phoneCode: code })),
    );
    if (auth instanceof Api.auth.AuthorizationSignUpRequired) throw new TelegramCallError('PHONE_NUMBER_UNOCCUPIED');
  }

  /** The 2FA step (SRP): the password never leaves this process. */
  async checkPassword(password: string): Promise<void> {
    await this.call(async () => {
      const srp = await this.client.invoke(new Api.account.GetPassword());
      await this.client.invoke(new Api.auth.CheckPassword({ password: await computeCheck(srp, password) }));
    });
  }

  async exportLoginToken(): Promise<LoginTokenResult> {
    const result = await this.call(() =>
      this.client.invoke(new Api.auth.ExportLoginToken({ apiId: this.apiId, apiHash: this.apiHash, exceptIds: [] })),
    );
    if (result instanceof Api.auth.LoginTokenSuccess) return { kind: 'success' };
    if (result instanceof Api.auth.LoginTokenMigrateTo) {
      return { kind: 'migrate', dcId: result.dcId, token: Buffer.from(result.token) };
    }
    return { kind: 'token', token: Buffer.from(result.token), expiresAt: new Date(result.expires * 1000) };
  }

  async me(): Promise<{ id: string }> {
    const me = await this.call(() => this.client.getMe());
    return { id: me.id.toString() };
  }

  /** A cheap authorized request: fails with AUTH_KEY_UNREGISTERED when the session was revoked. */
  async probe(): Promise<void> {
    await this.call(() => this.client.invoke(new Api.updates.GetState()));
  }

  /** One keep-alive ping; Telegram closes the connection if no other ping follows within `disconnectDelaySeconds`. */
  async keepAlive(disconnectDelaySeconds: number, timeoutMs = PING_TIMEOUT_MS): Promise<void> {
    await this.call(
      () =>
        this.client.invoke(
          new Api.PingDelayDisconnect({
            pingId: returnBigInt(randomBytes(8).readBigInt64LE().toString()),
            disconnectDelay: disconnectDelaySeconds,
          }),
        ),
      timeoutMs,
    );
  }

  async resolveChannelByUsername(username: string): Promise<ChannelRef | null> {
    let resolved: Api.contacts.ResolvedPeer;
    try {
      resolved = await this.call(() => this.client.invoke(new Api.contacts.ResolveUsername({ username })));
    } catch (err) {
      if (err instanceof TelegramCallError && ['USERNAME_NOT_OCCUPIED', 'USERNAME_INVALID'].includes(err.errorName)) {
        return null;
      }
      throw err;
    }
    const channel = resolved.chats.find((c): c is Api.Channel => c instanceof Api.Channel);
    if (!channel?.accessHash) return null;
    return { channelId: channel.id.toString(), accessHash: channel.accessHash.toString() };
  }

  /** Finds a channel the account is in by its id, walking the dialog list. */
  async findChannelInDialogs(channelId: string): Promise<ChannelRef | null> {
    return this.call(async () => {
      for await (const dialog of this.client.iterDialogs({})) {
        const entity = dialog.entity;
        if (entity instanceof Api.Channel && entity.id.toString() === channelId && entity.accessHash) {
          return { channelId, accessHash: entity.accessHash.toString() };
        }
      }
      return null;
    });
  }

  /** One page of a channel's history, newest first, older than `offsetId` (0: from the newest). */
  async channelHistory(ref: ChannelRef, opts: { limit: number; offsetId: number }): Promise<HistoryMessage[]> {
    const result = await this.call(() =>
      this.client.invoke(
        new Api.messages.GetHistory({
          peer: new Api.InputPeerChannel({
            channelId: returnBigInt(ref.channelId),
            accessHash: returnBigInt(ref.accessHash),
          }),
          offsetId: opts.offsetId,
          offsetDate: 0,
          addOffset: 0,
          limit: opts.limit,
          maxId: 0,
          minId: 0,
          hash: returnBigInt(0),
        }),
      ),
    );
    if (result instanceof Api.messages.MessagesNotModified) return [];
    const out: HistoryMessage[] = [];
    for (const m of result.messages) {
      if (m instanceof Api.Message) {
        out.push({
          id: m.id,
          date: m.date,
          text: m.message,
          views: numOrNull(m.views),
          forwards: numOrNull(m.forwards),
          replies: numOrNull(m.replies?.replies),
          editDate: numOrNull(m.editDate),
        });
      } else if (m instanceof Api.MessageService) {
        out.push({ id: m.id, date: m.date, text: '', views: null, forwards: null, replies: null, editDate: null });
      }
    }
    return out;
  }

  /** Stops the client for good (socket, update loop and timers); safe to call twice. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    // gramjs leaves requests queued on a closed client unanswered.
    this.failInFlight();
    this.lostHandlers.length = 0;
    try {
      await this.factory.destroyClient(this.client);
    } catch {
      // A client that never connected can fail to tear down a transport it does not have.
    }
  }

  /**
   * Runs one piece of work on the client, bounded: it fails with NETWORK at once when the connection is down, when
   * gramjs gives up reconnecting while it waits, when the session is destroyed, or after `timeoutMs` (a connection
   * that went silent without closing). gramjs's invoke has no deadline of its own and never fails the requests it
   * queued on a connection it could not restore, hence this wrapper.
   */
  private async call<T>(fn: () => Promise<T>, timeoutMs = CALL_TIMEOUT_MS): Promise<T> {
    if (this.destroyed || (this.opened && this.connectionState === 'down')) throw new TelegramCallError('NETWORK');
    let fail!: (err: TelegramCallError) => void;
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    this.inFlight.add(fail);
    const timer = setTimeout(() => fail(new TelegramCallError('NETWORK')), timeoutMs);
    try {
      const work = fn();
      // The loser of the race must not surface as an unhandled rejection.
      work.catch(() => undefined);
      return await Promise.race([work, failed]);
    } catch (err) {
      throw this.factory.failed(toCallError(err));
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(fail);
    }
  }
}
