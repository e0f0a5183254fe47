import { present } from '../../common/present';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { Channel } from '../channels/channel.entity';
import { channelNotFound } from '../channels/channels.errors';
import { ChannelsService } from '../channels/channels.service';
import { isUuid } from '../database/tenant-db';
import { MtprotoCallServer } from './mtproto-calls';
import { Meter, MtprotoClientPool } from './mtproto-client.pool';
import { ChannelRef, HistoryMessage, TelegramCallError, TelegramUserSession } from './telegram-user-session';
import { UserMtprotoError, UserMtprotoErrorCode } from './user-mtproto.errors';

export const HISTORY_OP = 'channel.history';

export interface HistoryArgs {
  channelId: string;
  limit: number;
  offsetId: number;
}

/** Telegram hands out at most this many messages per history request. */
const TELEGRAM_PAGE = 100;
/** Bot API ids of channels are -100 followed by the MTProto channel id. */
const CHANNEL_PREFIX = '-100';
const STALE_REF_ERRORS = new Set(['CHANNEL_INVALID', 'CHANNEL_PRIVATE', 'PEER_ID_INVALID']);
/** Channel refs this worker keeps in memory, to skip reading the channel row on every page. */
const REF_CACHE_MAX = 10_000;

/**
 * Reads a channel's history with the tenant's own session, in the worker that owns it. The
 * channel is found by its username or among the account's dialogs once; its access hash is then
 * cached on the channel row (and in this worker's memory), and looked up again only if Telegram
 * stops accepting it.
 */
@Injectable()
export class ChannelHistoryWorker implements OnModuleInit {
  private readonly refs = new Map<string, ChannelRef>();

  constructor(
    private readonly channels: ChannelsService,
    private readonly pool: MtprotoClientPool,
    private readonly calls: MtprotoCallServer,
  ) {}

  onModuleInit(): void {
    this.calls.register(HISTORY_OP, (tenantId, args) => this.history(tenantId, args as HistoryArgs));
  }

  history(tenantId: string, args: HistoryArgs): Promise<HistoryMessage[]> {
    return this.withChannel(tenantId, args.channelId, (session, meter, ref) => this.pages(session, meter, ref, args));
  }

  /**
   * Runs `fn` with the tenant's client and the channel's ref, in this worker (the lease holder): the ref is
   * found once and cached; when Telegram stops accepting it, it is looked up again and `fn` runs once more.
   * `fn`'s first Telegram request runs on the operation's own rate token; it takes `meter()` before each
   * further one. Throws NotOwnerError (via the pool) when another worker holds the session.
   */
  async withChannel<T>(
    tenantId: string,
    channelId: string,
    fn: (session: TelegramUserSession, meter: Meter, ref: ChannelRef) => Promise<T>,
  ): Promise<T> {
    if (!isUuid(channelId)) throw channelNotFound(channelId);
    const key = `${tenantId}:${channelId}`;
    const known = this.refs.get(key);
    if (known) {
      // The API pod checked ownership for this request, and the ref was found under this tenant.
      const done = await this.pool.use(tenantId, async (session, meter): Promise<{ out: T } | null> => {
        try {
          return { out: await fn(session, meter, known) };
        } catch (err) {
          if (err instanceof TelegramCallError && STALE_REF_ERRORS.has(err.errorName)) return null;
          throw err;
        }
      });
      if (done) return done.out;
      this.refs.delete(key);
    }
    const channel = await this.channels.find(tenantId, channelId);
    return this.pool.use(tenantId, async (session, meter) => {
      let ref = this.cachedRef(channel);
      const fresh = !ref;
      ref ??= await this.resolve(tenantId, channel, session, meter);
      try {
        const out = await fn(session, meter, ref);
        this.remember(key, ref);
        return out;
      } catch (err) {
        if (fresh || !(err instanceof TelegramCallError) || !STALE_REF_ERRORS.has(err.errorName)) throw err;
        ref = await this.resolve(tenantId, channel, session, meter);
        try {
          const out = await fn(session, meter, ref);
          this.remember(key, ref);
          return out;
        } catch (again) {
          if (again instanceof TelegramCallError && STALE_REF_ERRORS.has(again.errorName)) throw this.unreachable();
          throw again;
        }
      }
    });
  }

  private remember(key: string, ref: ChannelRef): void {
    this.refs.delete(key);
    this.refs.set(key, ref);
    if (this.refs.size > REF_CACHE_MAX) {
      const oldest = this.refs.keys().next().value;
      if (oldest !== undefined) this.refs.delete(oldest);
    }
  }

  /**
   * Pages of at most 100, newest first. The first request runs on the operation's own rate token;
   * each further one takes a token, asked for while the previous page is still on its way.
   */
  private async pages(
    session: TelegramUserSession,
    meter: Meter,
    ref: ChannelRef,
    args: HistoryArgs,
  ): Promise<HistoryMessage[]> {
    const out: HistoryMessage[] = [];
    let offsetId = args.offsetId;
    let token: Promise<void> | undefined;
    try {
      while (out.length < args.limit) {
        if (token) await token;
        const want = Math.min(TELEGRAM_PAGE, args.limit - out.length);
        const request = session.channelHistory(ref, { limit: want, offsetId });
        token = out.length + want < args.limit ? meter() : undefined;
        const page = await request;
        out.push(...page);
        if (page.length < want) break;
        offsetId = present(page.at(-1), 'the last message of a full page').id;
      }
    } finally {
      // A token taken for a page that was not needed (the channel ended) must not fail unobserved.
      token?.catch(() => undefined);
    }
    return out;
  }

  private unreachable(): UserMtprotoError {
    return new UserMtprotoError(
      UserMtprotoErrorCode.ChannelUnreachable,
      "The connected Telegram account cannot see this channel (join it, or check the channel's username).",
    );
  }

  private mtprotoChannelId(channel: Channel): string | null {
    const id = channel.telegramId;
    return id?.startsWith(CHANNEL_PREFIX) ? id.slice(CHANNEL_PREFIX.length) : null;
  }

  private cachedRef(channel: Channel): ChannelRef | null {
    const channelId = this.mtprotoChannelId(channel);
    return channelId && channel.accessHash ? { channelId, accessHash: channel.accessHash } : null;
  }

  private async resolve(
    tenantId: string,
    channel: Channel,
    session: TelegramUserSession,
    meter: Meter,
  ): Promise<ChannelRef> {
    await meter();
    const knownId = this.mtprotoChannelId(channel);
    let ref: ChannelRef | null = null;
    if (channel.username) {
      ref = await session.resolveChannelByUsername(channel.username);
      if (ref && knownId && ref.channelId !== knownId) ref = null;
    }
    if (!ref && knownId) ref = await session.findChannelInDialogs(knownId);
    if (!ref) throw this.unreachable();
    const found = ref;
    await this.channels.recordAccessHash(
      tenantId,
      channel.id,
      found.accessHash,
      knownId ? undefined : `${CHANNEL_PREFIX}${found.channelId}`,
    );
    channel.accessHash = found.accessHash;
    channel.telegramId ??= `${CHANNEL_PREFIX}${found.channelId}`;
    return found;
  }
}
