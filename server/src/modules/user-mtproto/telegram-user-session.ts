import { randomBytes } from 'node:crypto';
import { Api, TelegramClient } from 'telegram';
import { FloodWaitError, RPCError } from 'telegram/errors';
import { Raw } from 'telegram/events/Raw';
import { returnBigInt } from 'telegram/Helpers';
import { computeCheck } from 'telegram/Password';
import { MtprotoClientFactory } from './mtproto-client.factory';

/** A Telegram answer, reduced to what the product decides on: the error name and, for FLOOD_WAIT, the seconds. */
export class TelegramCallError extends Error {
  constructor(
    /** Telegram's error name (`PHONE_CODE_INVALID`, `FLOOD_WAIT`, ...) or `NETWORK` when no answer came. */
    readonly errorName: string,
    readonly seconds?: number,
    /**
     * Telegram refused the request itself as malformed (an RPC error of the 400 kind), or it
     * could not even be serialized (a value outside its TL type): the caller's input, not an outage.
     */
    readonly invalid = false,
  ) {
    super(errorName === 'FLOOD_WAIT' ? `FLOOD_WAIT_${seconds ?? 0}` : errorName);
    this.name = 'TelegramCallError';
  }
}

/** Error names that mean the auth key is gone for good: reconnecting would only be refused again. */
export const DEAD_SESSION_ERRORS = new Set([
  'AUTH_KEY_UNREGISTERED',
  'SESSION_REVOKED',
  'AUTH_KEY_INVALID',
  'SESSION_EXPIRED',
  'USER_DEACTIVATED',
  'USER_DEACTIVATED_BAN',
]);

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

/** Node's answer when a number does not fit the TL type it is written as (e.g. an `int` past 2^31 - 1). */
const isSerializationError = (err: unknown): boolean =>
  err instanceof RangeError || (err as NodeJS.ErrnoException | null)?.code === 'ERR_OUT_OF_RANGE';

export function toCallError(err: unknown): TelegramCallError {
  if (err instanceof TelegramCallError) return err;
  if (err instanceof FloodWaitError) return new TelegramCallError('FLOOD_WAIT', err.seconds);
  if (err instanceof RPCError) {
    const name = err.errorMessage || 'RPC_ERROR';
    const flood = /^(?:FLOOD_WAIT|FLOOD_PREMIUM_WAIT|SLOWMODE_WAIT)_(\d+)$/.exec(name);
    if (flood) return new TelegramCallError('FLOOD_WAIT', Number(flood[1]));
    return new TelegramCallError(name, undefined, err.code === 400);
  }
  if (isSerializationError(err)) return new TelegramCallError('REQUEST_NOT_SERIALIZABLE', undefined, true);
  return new TelegramCallError('NETWORK');
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

const numOrNull = (v: number | undefined): number | null => (typeof v === 'number' ? v : null);

/**
 * One Telegram user session, as the product uses it. Everything gramjs-shaped (requests,
 * result classes, error classes, big integers) stays in this file and the client factory, so a
 * fork of gramjs replaces them in one place; callers see plain values and TelegramCallError.
 */
export class TelegramUserSession {
  private destroyed = false;

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
    const client = await factory.createClient({
      apiId: opts.apiId,
      apiHash: opts.apiHash,
      session: opts.session,
      floodSleepThreshold: opts.floodSleepSeconds,
    });
    if (opts.keepAlive === 'external') {
      // gramjs starts its update loop on connect unless it believes one is running already.
      (client as unknown as { _loopStarted: boolean })._loopStarted = true;
    }
    const session = new TelegramUserSession(factory, client, opts.apiId, opts.apiHash);
    try {
      await session.call(() => client.connect());
    } catch (err) {
      await session.destroy();
      throw err;
    }
    return session;
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
  async keepAlive(disconnectDelaySeconds: number): Promise<void> {
    await this.call(() =>
      this.client.invoke(
        new Api.PingDelayDisconnect({
          pingId: returnBigInt(randomBytes(8).readBigInt64LE().toString()),
          disconnectDelay: disconnectDelaySeconds,
        }),
      ),
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
    try {
      await this.factory.destroyClient(this.client);
    } catch {
      // A client that never connected can fail to tear down a transport it does not have.
    }
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toCallError(err);
    }
  }
}
