import { randomBytes } from 'node:crypto';
import { Api, TelegramClient } from 'telegram';
import { Raw } from 'telegram/events/Raw';
import { _parseMessageText } from 'telegram/client/messageParse';
import { CustomFile } from 'telegram/client/uploads';
import { returnBigInt } from 'telegram/Helpers';
import { computeCheck } from 'telegram/Password';
import type {
  AccountChannel,
  AccountMessage,
  AccountUpdate,
  AccountUser,
  ChannelDifference,
  CommonState,
  Difference,
  PeerRef,
  UpdateBatch,
} from './account-updates/account-update-types';
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
  /** All reactions on the post, summed over emoji (null where the layer or the message has none). */
  reactions: number | null;
}

/** What `channels.getFullChannel` tells about a channel that analytics reads. */
export interface ChannelFullInfo {
  /** Subscribers (participants_count); null when Telegram does not show it to this account. */
  subscribers: number | null;
}

/** Who a message goes to, as the tenant named it (see AccountActionsWorker). */
export type PeerSpec =
  | { kind: 'username'; username: string }
  /** Digits only: a contact of the account. */
  | { kind: 'phone'; phone: string }
  | { kind: 'user'; userId: string }
  | { kind: 'channel'; channelId: string | null; accessHash: string | null; username: string | null };

/** A peer resolved for this session (opaque outside this file). */
export class PeerHandle {
  constructor(
    readonly label: string,
    /** gramjs's input peer; only this file reads it. */
    readonly input: unknown,
  ) {}
}

export interface SentMessageRef {
  messageId: number;
  date: number;
}

export interface OutgoingMessage {
  text: string;
  parseMode: 'markdown' | 'html' | null;
  replyTo: number | null;
  /** Signed 64-bit, decimal: Telegram sends a message once per random_id. */
  randomId: string;
}

export interface OutgoingFile {
  bytes: Buffer;
  fileName: string;
  mimeType: string;
}

export interface DialogItem {
  peer: { type: 'user' | 'group' | 'channel'; id: string };
  title: string;
  username: string | null;
  unreadCount: number;
  lastMessageDate: number | null;
}

export interface ContactItem {
  userId: string;
  firstName: string;
  lastName: string | null;
  username: string | null;
  phone: string | null;
}

export interface ImportedContact {
  phone: string;
  userId: string | null;
}

/** Photos Telegram recompresses and shows inline; anything else goes as a document. */
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
/** Parallel upload.saveFilePart / saveBigFilePart requests of one upload. */
const UPLOAD_WORKERS = 4;

function sentMessageOf(result: Api.TypeUpdates, randomId: string): SentMessageRef {
  if (result instanceof Api.UpdateShortSentMessage) return { messageId: result.id, date: result.date };
  if (result instanceof Api.Updates || result instanceof Api.UpdatesCombined) {
    const idUpdate = result.updates.find(
      (u): u is Api.UpdateMessageID => u instanceof Api.UpdateMessageID && u.randomId?.toString() === randomId,
    );
    const messages = result.updates.flatMap((u) =>
      u instanceof Api.UpdateNewMessage || u instanceof Api.UpdateNewChannelMessage ? [u.message] : [],
    );
    const message = idUpdate ? messages.find((m) => m.id === idUpdate.id) : messages[0];
    const messageId = idUpdate?.id ?? message?.id;
    if (messageId !== undefined) {
      const date = message instanceof Api.Message ? message.date : result.date;
      return { messageId, date };
    }
  }
  throw new TelegramCallError('SENT_MESSAGE_UNEXPECTED');
}

function inputChannelOf(ref: ChannelRef): Api.InputChannel {
  return new Api.InputChannel({ channelId: returnBigInt(ref.channelId), accessHash: returnBigInt(ref.accessHash) });
}

function inputPeerChannelOf(ref: ChannelRef): Api.InputPeerChannel {
  return new Api.InputPeerChannel({ channelId: returnBigInt(ref.channelId), accessHash: returnBigInt(ref.accessHash) });
}

function inputPeerOfUser(u: Api.User): Api.InputPeerUser {
  return new Api.InputPeerUser({ userId: u.id, accessHash: u.accessHash ?? returnBigInt(0) });
}

function peerRefOfEntity(e: unknown): { type: 'user' | 'group' | 'channel'; id: string } | null {
  if (e instanceof Api.User) return { type: 'user', id: e.id.toString() };
  if (e instanceof Api.Chat) return { type: 'group', id: e.id.toString() };
  if (e instanceof Api.Channel) return { type: 'channel', id: e.id.toString() };
  return null;
}

function titleOf(e: unknown): string {
  if (e instanceof Api.User) return [e.firstName, e.lastName].filter(Boolean).join(' ');
  if (e instanceof Api.Chat || e instanceof Api.Channel) return e.title;
  return '';
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
/** The longest one upload and send of a file (up to 50 MB) may take. */
const UPLOAD_TIMEOUT_MS = 300_000;
/** Peers one session keeps resolved. */
const PEER_CACHE_MAX = 1_000;

/** The parts of gramjs's MTProtoSender that tell its connection state (no public accessor exists). */
interface SenderState {
  userDisconnected: boolean;
  isReconnecting: boolean;
  _userConnected: boolean;
}

const senderOf = (client: TelegramClient): SenderState | undefined =>
  (client as unknown as { _sender?: SenderState })._sender;

const numOrNull = (v: number | undefined): number | null => (typeof v === 'number' ? v : null);

/** crc32 of `Updates`: what Telegram pushes unasked (gramjs's sender hands it on with connection-state numbers). */
const UPDATES_SUBCLASS = 0x8af52aac;

/** The parts of gramjs's MTProtoSender that hand pushed updates on (set at connect, kept across reconnects). */
interface SenderUpdates {
  _updateCallback?: (client: TelegramClient, obj: unknown) => void;
}

function peerRefOf(p: Api.TypePeer): PeerRef {
  if (p instanceof Api.PeerUser) return { type: 'user', id: p.userId.toString() };
  if (p instanceof Api.PeerChat) return { type: 'group', id: p.chatId.toString() };
  return { type: 'channel', id: p.channelId.toString() };
}

function messageOf(m: Api.TypeMessage): AccountMessage | null {
  if (!(m instanceof Api.Message)) return null;
  const peer = peerRefOf(m.peerId);
  let fromId = m.fromId instanceof Api.PeerUser ? m.fromId.userId.toString() : null;
  // A private chat's incoming message may leave its sender to the chat.
  if (fromId === null && peer.type === 'user' && !m.out) fromId = peer.id;
  return {
    id: m.id,
    date: m.date,
    text: m.message,
    out: Boolean(m.out),
    peer,
    fromId,
    editDate: numOrNull(m.editDate),
  };
}

/** A message as a new-message update of its box (a channel's own, or the common one). */
function newMessageOf(m: Api.TypeMessage, pts?: number, ptsCount?: number): AccountUpdate | null {
  const message = messageOf(m);
  if (!message) return null;
  if (message.peer.type === 'channel') {
    return { kind: 'channelMessage', channelId: message.peer.id, message, pts, ptsCount };
  }
  return { kind: 'message', message, pts, ptsCount };
}

function updateOf(u: Api.TypeUpdate): AccountUpdate | null {
  if (u instanceof Api.UpdateNewMessage || u instanceof Api.UpdateNewChannelMessage) {
    return newMessageOf(u.message, u.pts, u.ptsCount);
  }
  if (u instanceof Api.UpdateEditMessage || u instanceof Api.UpdateEditChannelMessage) {
    const message = messageOf(u.message);
    if (!message) return null;
    return message.peer.type === 'channel'
      ? { kind: 'channelEdit', channelId: message.peer.id, message, pts: u.pts, ptsCount: u.ptsCount }
      : { kind: 'edit', message, pts: u.pts, ptsCount: u.ptsCount };
  }
  if (u instanceof Api.UpdateDeleteMessages)
    return { kind: 'delete', messageIds: u.messages, pts: u.pts, ptsCount: u.ptsCount };
  if (u instanceof Api.UpdateDeleteChannelMessages) {
    return {
      kind: 'channelDelete',
      channelId: u.channelId.toString(),
      messageIds: u.messages,
      pts: u.pts,
      ptsCount: u.ptsCount,
    };
  }
  // A contact added: the user's chat has nothing left to offer (no "add contact" bar); the user comes flagged.
  if (u instanceof Api.UpdatePeerSettings && u.peer instanceof Api.PeerUser && !u.settings.addContact) {
    return { kind: 'contact', userId: u.peer.userId.toString() };
  }
  if (u instanceof Api.UpdateChannelTooLong)
    return { kind: 'channelTooLong', channelId: u.channelId.toString(), pts: u.pts };
  // Any other update that moves a box: its pts must still be followed.
  const moved = u as unknown as {
    pts?: unknown;
    ptsCount?: unknown;
    qts?: unknown;
    channelId?: { toString(): string };
  };
  if (typeof moved.pts === 'number' && typeof moved.ptsCount === 'number') {
    return moved.channelId !== undefined
      ? { kind: 'channelPts', channelId: moved.channelId.toString(), pts: moved.pts, ptsCount: moved.ptsCount }
      : { kind: 'pts', pts: moved.pts, ptsCount: moved.ptsCount };
  }
  if (typeof moved.qts === 'number') return { kind: 'qts', qts: moved.qts };
  return null;
}

function usersOf(users: Api.TypeUser[]): AccountUser[] {
  return users.flatMap((u) =>
    u instanceof Api.User
      ? [
          {
            id: u.id.toString(),
            username: u.username ?? undefined,
            firstName: u.firstName ?? undefined,
            self: Boolean(u.self),
            ...(u.contact ? { contact: true } : {}),
          },
        ]
      : [],
  );
}

function channelsOf(chats: Api.TypeChat[]): AccountChannel[] {
  return chats.flatMap((c): AccountChannel[] => {
    if (c instanceof Api.Channel) {
      return [
        {
          id: c.id.toString(),
          accessHash: c.accessHash?.toString(),
          username: c.username ?? undefined,
          title: c.title,
          megagroup: Boolean(c.megagroup),
        },
      ];
    }
    if (c instanceof Api.Chat) return [{ id: c.id.toString(), title: c.title, megagroup: false }];
    return [];
  });
}

const present = <T>(items: (T | null)[]): T[] => items.filter((x): x is T => x !== null);

function batch(
  updates: (AccountUpdate | null)[],
  users: Api.TypeUser[] = [],
  chats: Api.TypeChat[] = [],
  seq = { seq: 0, seqStart: 0, date: 0 },
): UpdateBatch {
  return { updates: present(updates), users: usersOf(users), channels: channelsOf(chats), ...seq };
}

/** What Telegram pushed, as the product reads it. */
function pushedBatch(obj: Api.TypeUpdates): UpdateBatch {
  if (obj instanceof Api.UpdatesTooLong) return batch([{ kind: 'tooLong' }]);
  if (obj instanceof Api.UpdateShortMessage || obj instanceof Api.UpdateShortChatMessage) {
    const peer: PeerRef =
      obj instanceof Api.UpdateShortMessage
        ? { type: 'user', id: obj.userId.toString() }
        : { type: 'group', id: obj.chatId.toString() };
    const fromId =
      obj instanceof Api.UpdateShortChatMessage ? obj.fromId.toString() : obj.out ? null : obj.userId.toString();
    const message: AccountMessage = {
      id: obj.id,
      date: obj.date,
      text: obj.message,
      out: Boolean(obj.out),
      peer,
      fromId,
      editDate: null,
    };
    return batch([{ kind: 'message', message, pts: obj.pts, ptsCount: obj.ptsCount }], [], [], {
      seq: 0,
      seqStart: 0,
      date: obj.date,
    });
  }
  if (obj instanceof Api.UpdateShortSentMessage) {
    return batch([{ kind: 'pts', pts: obj.pts, ptsCount: obj.ptsCount }]);
  }
  if (obj instanceof Api.UpdateShort)
    return batch([updateOf(obj.update)], [], [], { seq: 0, seqStart: 0, date: obj.date });
  if (obj instanceof Api.UpdatesCombined) {
    return batch(obj.updates.map(updateOf), obj.users, obj.chats, {
      seq: obj.seq,
      seqStart: obj.seqStart,
      date: obj.date,
    });
  }
  return batch(obj.updates.map(updateOf), obj.users, obj.chats, { seq: obj.seq, seqStart: obj.seq, date: obj.date });
}

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
  private readonly reconnectHandlers: (() => void)[] = [];
  private readonly updateHandlers: ((batch: UpdateBatch) => void)[] = [];
  /** Set once connect() succeeded: from then on a call on a connection known to be down fails at once. */
  private opened = false;
  /** Peers resolved on this session (they stay valid for the account). */
  private readonly peers = new Map<string, PeerHandle>();

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
        for (const handler of this.reconnectHandlers) handler();
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

  /** Runs `handler` each time gramjs restored a dropped connection (updates may have been missed meanwhile). */
  onReconnected(handler: () => void): void {
    this.reconnectHandlers.push(handler);
  }

  /**
   * Hands every batch of updates Telegram pushes to this connection to `handler`, whole (gramjs would
   * split a container and drop its `seq`), before gramjs's own dispatch sees it.
   */
  onUpdates(handler: (batch: UpdateBatch) => void): void {
    const sender = (this.client as unknown as { _sender?: SenderUpdates })._sender;
    if (!sender) throw new TelegramCallError('NETWORK');
    this.updateHandlers.push(handler);
    const original = sender._updateCallback;
    sender._updateCallback = (client, obj) => {
      if (!this.destroyed && (obj as { SUBCLASS_OF_ID?: number } | null)?.SUBCLASS_OF_ID === UPDATES_SUBCLASS) {
        handler(pushedBatch(obj as Api.TypeUpdates));
      }
      original?.(client, obj);
    };
  }

  /** The account's current common update state (`updates.getState`). */
  async updateState(): Promise<CommonState> {
    const s = await this.call(() => this.client.invoke(new Api.updates.GetState()));
    return { pts: s.pts, qts: s.qts, date: s.date, seq: s.seq };
  }

  /**
   * The account's chats as of now (walking the dialog list): the users it has private chats with, and
   * the channels it is in with their pts and access hash.
   */
  async dialogs(): Promise<{ userIds: string[]; channels: { channelId: string; accessHash: string; pts: number }[] }> {
    return this.call(async () => {
      const userIds: string[] = [];
      const channels: { channelId: string; accessHash: string; pts: number }[] = [];
      for await (const d of this.client.iterDialogs({})) {
        const entity = d.entity;
        if (entity instanceof Api.User && !entity.self && !entity.bot) userIds.push(entity.id.toString());
        if (entity instanceof Api.Channel && entity.accessHash && typeof d.dialog.pts === 'number') {
          channels.push({
            channelId: entity.id.toString(),
            accessHash: entity.accessHash.toString(),
            pts: d.dialog.pts,
          });
        }
      }
      return { userIds, channels };
    });
  }

  /** What happened in the common box since `state` (`updates.getDifference`); a slice says where to ask next. */
  async difference(state: CommonState, ptsTotalLimit?: number): Promise<Difference> {
    const d = await this.call(() =>
      this.client.invoke(
        new Api.updates.GetDifference({ pts: state.pts, qts: state.qts, date: state.date, ptsTotalLimit }),
      ),
    );
    if (d instanceof Api.updates.DifferenceEmpty) return { kind: 'empty', date: d.date, seq: d.seq };
    if (d instanceof Api.updates.DifferenceTooLong) return { kind: 'tooLong', pts: d.pts };
    const s = d instanceof Api.updates.Difference ? d.state : d.intermediateState;
    return {
      kind: 'difference',
      final: d instanceof Api.updates.Difference,
      batch: batch([...d.newMessages.map((m) => newMessageOf(m)), ...d.otherUpdates.map(updateOf)], d.users, d.chats),
      state: { pts: s.pts, qts: s.qts, date: s.date, seq: s.seq },
    };
  }

  /** What happened in a channel since `pts` (`updates.getChannelDifference`), at most `limit` messages. */
  async channelDifference(ref: ChannelRef, pts: number, limit = 100): Promise<ChannelDifference> {
    const d = await this.call(() =>
      this.client.invoke(
        new Api.updates.GetChannelDifference({
          channel: new Api.InputChannel({
            channelId: returnBigInt(ref.channelId),
            accessHash: returnBigInt(ref.accessHash),
          }),
          filter: new Api.ChannelMessagesFilterEmpty(),
          pts,
          limit,
        }),
      ),
    );
    if (d instanceof Api.updates.ChannelDifferenceEmpty) return { kind: 'empty', pts: d.pts };
    if (d instanceof Api.updates.ChannelDifferenceTooLong) {
      const dialogPts = d.dialog instanceof Api.Dialog ? (d.dialog.pts ?? pts) : pts;
      // Oldest first, like a difference.
      return {
        kind: 'tooLong',
        pts: dialogPts,
        batch: batch(
          [...d.messages].reverse().map((m) => newMessageOf(m)),
          d.users,
          d.chats,
        ),
      };
    }
    return {
      kind: 'difference',
      final: Boolean(d.final),
      pts: d.pts,
      batch: batch([...d.newMessages.map((m) => newMessageOf(m)), ...d.otherUpdates.map(updateOf)], d.users, d.chats),
    };
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
          reactions: m.reactions ? m.reactions.results.reduce((sum, r) => sum + r.count, 0) : null,
        });
      } else if (m instanceof Api.MessageService) {
        out.push({
          id: m.id,
          date: m.date,
          text: '',
          views: null,
          forwards: null,
          replies: null,
          editDate: null,
          reactions: null,
        });
      }
    }
    return out;
  }

  // ---- acting as the account (account-actions/) ----

  /** The peer, if an earlier call on this session resolved it already (no request needed). */
  cachedPeer(spec: PeerSpec): PeerHandle | undefined {
    return this.peers.get(JSON.stringify(spec));
  }

  /**
   * Finds the peer the tenant named (PEER_ID_INVALID when the account cannot reach it): a username with
   * `contacts.resolveUsername`, a phone among the account's contacts, a user id among its contacts and
   * dialogs, a channel by its cached access hash, its username or the dialogs. One or more requests.
   */
  async resolvePeer(spec: PeerSpec): Promise<PeerHandle> {
    const input = await this.call(async (): Promise<Api.TypeInputPeer | null> => {
      switch (spec.kind) {
        case 'username': {
          const r = await this.client.invoke(new Api.contacts.ResolveUsername({ username: spec.username }));
          const user = r.users.find((u): u is Api.User => u instanceof Api.User);
          if (r.peer instanceof Api.PeerUser && user) return inputPeerOfUser(user);
          const channel = r.chats.find((c): c is Api.Channel => c instanceof Api.Channel);
          if (channel?.accessHash) {
            return inputPeerChannelOf({ channelId: channel.id.toString(), accessHash: channel.accessHash.toString() });
          }
          return null;
        }
        case 'phone': {
          const contacts = await this.client.invoke(new Api.contacts.GetContacts({ hash: returnBigInt(0) }));
          if (!(contacts instanceof Api.contacts.Contacts)) return null;
          const user = contacts.users.find(
            (u): u is Api.User => u instanceof Api.User && (u.phone ?? '').replace(/\D/g, '') === spec.phone,
          );
          return user ? inputPeerOfUser(user) : null;
        }
        case 'user': {
          const contacts = await this.client.invoke(new Api.contacts.GetContacts({ hash: returnBigInt(0) }));
          if (contacts instanceof Api.contacts.Contacts) {
            const user = contacts.users.find(
              (u): u is Api.User => u instanceof Api.User && u.id.toString() === spec.userId,
            );
            if (user) return inputPeerOfUser(user);
          }
          for await (const d of this.client.iterDialogs({})) {
            if (d.entity instanceof Api.User && d.entity.id.toString() === spec.userId)
              return inputPeerOfUser(d.entity);
          }
          return null;
        }
        case 'channel': {
          if (spec.channelId && spec.accessHash) {
            return inputPeerChannelOf({ channelId: spec.channelId, accessHash: spec.accessHash });
          }
          if (spec.username) {
            const r = await this.client.invoke(new Api.contacts.ResolveUsername({ username: spec.username }));
            const channel = r.chats.find((c): c is Api.Channel => c instanceof Api.Channel);
            if (channel?.accessHash && (!spec.channelId || channel.id.toString() === spec.channelId)) {
              return inputPeerChannelOf({
                channelId: channel.id.toString(),
                accessHash: channel.accessHash.toString(),
              });
            }
          }
          if (spec.channelId) {
            for await (const d of this.client.iterDialogs({})) {
              const e = d.entity;
              if (e instanceof Api.Channel && e.id.toString() === spec.channelId && e.accessHash) {
                return inputPeerChannelOf({ channelId: spec.channelId, accessHash: e.accessHash.toString() });
              }
            }
          }
          return null;
        }
      }
    });
    if (!input) throw new TelegramCallError('PEER_ID_INVALID', undefined, true);
    const handle = new PeerHandle(spec.kind, input);
    if (this.peers.size >= PEER_CACHE_MAX) this.peers.clear();
    this.peers.set(JSON.stringify(spec), handle);
    return handle;
  }

  /** Forgets a resolved peer Telegram no longer accepts (a stale access hash). */
  forgetPeer(spec: PeerSpec): void {
    this.peers.delete(JSON.stringify(spec));
  }

  /** `messages.sendMessage` with the caller's random_id: a repeat answers the message already sent. */
  async sendMessage(peer: PeerHandle, msg: OutgoingMessage): Promise<SentMessageRef> {
    return this.call(async () => {
      const [message, entities] = await _parseMessageText(this.client, msg.text, msg.parseMode ?? false);
      const result = await this.client.invoke(
        new Api.messages.SendMessage({
          peer: peer.input as Api.TypeInputPeer,
          message,
          entities: entities.length > 0 ? entities : undefined,
          randomId: returnBigInt(msg.randomId),
          replyTo: msg.replyTo ? new Api.InputReplyToMessage({ replyToMsgId: msg.replyTo }) : undefined,
        }),
      );
      return sentMessageOf(result, msg.randomId);
    });
  }

  /**
   * Uploads the file (`upload.saveFilePart`, or `saveBigFilePart` past 10 MB) and sends it with
   * `messages.sendMedia` under the caller's random_id: a photo when it is one Telegram shows inline,
   * else a document.
   */
  async sendFile(peer: PeerHandle, file: OutgoingFile, msg: OutgoingMessage): Promise<SentMessageRef> {
    return this.call(async () => {
      const uploaded = await this.client.uploadFile({
        file: new CustomFile(file.fileName, file.bytes.length, '', file.bytes),
        workers: UPLOAD_WORKERS,
      });
      const photo = PHOTO_TYPES.has(file.mimeType) && file.bytes.length <= MAX_PHOTO_BYTES;
      const media = photo
        ? new Api.InputMediaUploadedPhoto({ file: uploaded })
        : new Api.InputMediaUploadedDocument({
            file: uploaded,
            mimeType: file.mimeType,
            attributes: [new Api.DocumentAttributeFilename({ fileName: file.fileName })],
          });
      const [message, entities] = await _parseMessageText(this.client, msg.text, msg.parseMode ?? false);
      const result = await this.client.invoke(
        new Api.messages.SendMedia({
          peer: peer.input as Api.TypeInputPeer,
          media,
          message,
          entities: entities.length > 0 ? entities : undefined,
          randomId: returnBigInt(msg.randomId),
          replyTo: msg.replyTo ? new Api.InputReplyToMessage({ replyToMsgId: msg.replyTo }) : undefined,
        }),
      );
      return sentMessageOf(result, msg.randomId);
    }, UPLOAD_TIMEOUT_MS);
  }

  /** One page of the account's chats, newest first, with unread counts. */
  async dialogPage(limit: number, offset: number): Promise<DialogItem[]> {
    return this.call(async () => {
      const out: DialogItem[] = [];
      let index = 0;
      for await (const d of this.client.iterDialogs({ limit: offset + limit })) {
        if (index++ < offset) continue;
        const peer = peerRefOfEntity(d.entity);
        if (!peer) continue;
        const e = d.entity;
        out.push({
          peer,
          title: titleOf(e),
          username: (e instanceof Api.User || e instanceof Api.Channel ? e.username : undefined) ?? null,
          unreadCount: d.unreadCount,
          lastMessageDate: numOrNull(d.message?.date),
        });
      }
      return out;
    });
  }

  /** The account's contacts (`contacts.getContacts`). */
  async contacts(): Promise<ContactItem[]> {
    const r = await this.call(() => this.client.invoke(new Api.contacts.GetContacts({ hash: returnBigInt(0) })));
    if (!(r instanceof Api.contacts.Contacts)) return [];
    return r.users.flatMap((u) =>
      u instanceof Api.User
        ? [
            {
              userId: u.id.toString(),
              firstName: u.firstName ?? '',
              lastName: u.lastName ?? null,
              username: u.username ?? null,
              phone: u.phone ?? null,
            },
          ]
        : [],
    );
  }

  /** `contacts.importContacts`: which phones belong to a Telegram user (now a contact of the account). */
  async importContacts(
    list: { phone: string; firstName: string; lastName: string | null }[],
  ): Promise<ImportedContact[]> {
    const r = await this.call(() =>
      this.client.invoke(
        new Api.contacts.ImportContacts({
          contacts: list.map(
            (c, i) =>
              new Api.InputPhoneContact({
                clientId: returnBigInt(i),
                phone: c.phone,
                firstName: c.firstName,
                lastName: c.lastName ?? '',
              }),
          ),
        }),
      ),
    );
    const byIndex = new Map(r.imported.map((i) => [i.clientId.toString(), i.userId.toString()]));
    // Telegram tells the account's other sessions of the contacts added (updatePeerSettings), not the one
    // that added them: this session's update listeners hear of them from the answer, as if pushed.
    const added = new Set(byIndex.values());
    const contacts = r.users.filter((u) => u instanceof Api.User && u.contact && added.has(u.id.toString()));
    if (contacts.length > 0 && !this.destroyed) {
      const news = batch(
        contacts.map((u) => ({ kind: 'contact', userId: u.id.toString() })),
        contacts,
      );
      for (const handler of this.updateHandlers) handler(news);
    }
    return list.map((c, i) => ({ phone: c.phone, userId: byIndex.get(String(i)) ?? null }));
  }

  /** `channels.createChannel`: a private broadcast channel the account owns. */
  async createChannel(title: string, about: string): Promise<ChannelRef> {
    const r = await this.call(() =>
      this.client.invoke(new Api.channels.CreateChannel({ title, about, broadcast: true })),
    );
    const chats = r instanceof Api.Updates || r instanceof Api.UpdatesCombined ? r.chats : [];
    const channel = chats.find((c): c is Api.Channel => c instanceof Api.Channel);
    if (!channel?.accessHash) throw new TelegramCallError('CREATED_CHANNEL_UNEXPECTED');
    return { channelId: channel.id.toString(), accessHash: channel.accessHash.toString() };
  }

  /** `channels.editAdmin`: makes the bot (by username) an admin that may post, edit and delete posts. */
  async makeBotAdmin(ref: ChannelRef, botUsername: string): Promise<void> {
    await this.call(async () => {
      const r = await this.client.invoke(new Api.contacts.ResolveUsername({ username: botUsername }));
      const bot = r.users.find((u): u is Api.User => u instanceof Api.User);
      if (!bot) throw new TelegramCallError('USER_ID_INVALID', undefined, true);
      await this.client.invoke(
        new Api.channels.EditAdmin({
          channel: inputChannelOf(ref),
          userId: new Api.InputUser({ userId: bot.id, accessHash: bot.accessHash ?? returnBigInt(0) }),
          adminRights: new Api.ChatAdminRights({ postMessages: true, editMessages: true, deleteMessages: true }),
          rank: '',
        }),
      );
    });
  }

  /** `messages.exportChatInvite`: an invite link to the channel. */
  async exportInvite(ref: ChannelRef): Promise<string> {
    const r = await this.call(() =>
      this.client.invoke(new Api.messages.ExportChatInvite({ peer: inputPeerChannelOf(ref) })),
    );
    if (!(r instanceof Api.ChatInviteExported)) throw new TelegramCallError('INVITE_UNEXPECTED');
    return r.link;
  }

  /** `channels.deleteChannel`: undoes a channel the account created. */
  async deleteChannel(ref: ChannelRef): Promise<void> {
    await this.call(() => this.client.invoke(new Api.channels.DeleteChannel({ channel: inputChannelOf(ref) })));
  }

  /**
   * `messages.importChatInvite`: joins a channel by its invite link's hash and answers it (`joined`: the account
   * was not in it before). An account in the channel already (USER_ALREADY_PARTICIPANT) gets it from
   * `messages.checkChatInvite` instead.
   */
  async joinByInvite(hash: string): Promise<{ ref: ChannelRef; joined: boolean }> {
    const { chats, joined } = await this.call(async () => {
      try {
        const r = await this.client.invoke(new Api.messages.ImportChatInvite({ hash }));
        return { chats: r instanceof Api.Updates || r instanceof Api.UpdatesCombined ? r.chats : [], joined: true };
      } catch (err) {
        if (toCallError(err).errorName !== 'USER_ALREADY_PARTICIPANT') throw err;
        const r = await this.client.invoke(new Api.messages.CheckChatInvite({ hash }));
        return { chats: r instanceof Api.ChatInviteAlready ? [r.chat] : [], joined: false };
      }
    });
    const channel = chats.find((c): c is Api.Channel => c instanceof Api.Channel);
    if (!channel?.accessHash) throw new TelegramCallError('CHANNEL_INVALID', undefined, true);
    return { ref: { channelId: channel.id.toString(), accessHash: channel.accessHash.toString() }, joined };
  }

  async joinChannel(ref: ChannelRef): Promise<void> {
    await this.call(() => this.client.invoke(new Api.channels.JoinChannel({ channel: inputChannelOf(ref) })));
  }

  async leaveChannel(ref: ChannelRef): Promise<void> {
    await this.call(() => this.client.invoke(new Api.channels.LeaveChannel({ channel: inputChannelOf(ref) })));
  }

  /** The channel ref of a resolved channel peer, or null for another kind of peer. */
  channelOf(peer: PeerHandle): ChannelRef | null {
    const input = peer.input;
    if (!(input instanceof Api.InputPeerChannel)) return null;
    return { channelId: input.channelId.toString(), accessHash: input.accessHash.toString() };
  }

  /** A channel's full description (`channels.getFullChannel`), reduced to what analytics samples. */
  async channelFull(ref: ChannelRef): Promise<ChannelFullInfo> {
    const full = await this.call(() =>
      this.client.invoke(
        new Api.channels.GetFullChannel({
          channel: new Api.InputChannel({
            channelId: returnBigInt(ref.channelId),
            accessHash: returnBigInt(ref.accessHash),
          }),
        }),
      ),
    );
    const chat = full.fullChat;
    return { subscribers: chat instanceof Api.ChannelFull ? numOrNull(chat.participantsCount) : null };
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
