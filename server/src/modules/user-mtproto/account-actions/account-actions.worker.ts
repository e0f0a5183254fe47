import { Injectable, OnModuleInit } from '@nestjs/common';
import { CommonError, CommonErrorCode } from '../../../common/errors/common-errors';
import { ChannelsService } from '../../channels/channels.service';
import { MtprotoCallServer } from '../mtproto-calls';
import { Meter, MtprotoClientPool } from '../mtproto-client.pool';
import {
  ContactItem,
  DialogItem,
  ImportedContact,
  PeerHandle,
  PeerSpec,
  TelegramCallError,
  TelegramUserSession,
} from '../telegram-user-session';
import {
  AccountOps,
  ChannelArgs,
  ChannelRefArgs,
  CreateChannelArgs,
  CreatedChannelResult,
  DialogsArgs,
  ImportContactsArgs,
  SendArgs,
  SendResult,
} from './account-actions.ops';
import { AccountSendsRepository } from './account-sends.repository';
import { UserMtprotoError, UserMtprotoErrorCode } from '../user-mtproto.errors';

/** Answers that mean a resolved peer went stale (an access hash Telegram no longer takes). */
const STALE_PEER_ERRORS = new Set(['PEER_ID_INVALID', 'CHANNEL_INVALID', 'USER_ID_INVALID']);
/** Bot API ids of channels are -100 followed by the MTProto channel id. */
const CHANNEL_PREFIX = '-100';

/**
 * The worker side of acting as the tenant's account: every operation runs with the pooled session
 * under the tenant's rate limits (MtprotoClientPool.use; each request after the first takes a token).
 *
 * A send is idempotent by its key: the API derives the random_id from it and records the key (with the
 * file) before asking and the answer after; sends of one key run one after another here (the lease holder
 * is the only worker that sends for the tenant), and a send whose answer was lost goes to Telegram again
 * with the same random_id, which answers the message already sent instead of sending another.
 */
@Injectable()
export class AccountActionsWorker implements OnModuleInit {
  private readonly sending = new Map<string, Promise<SendResult>>();

  constructor(
    private readonly pool: MtprotoClientPool,
    private readonly calls: MtprotoCallServer,
    private readonly sends: AccountSendsRepository,
    private readonly channels: ChannelsService,
  ) {}

  onModuleInit(): void {
    this.calls.register(AccountOps.send, (t, a) => this.send(t, a as SendArgs));
    this.calls.register(AccountOps.dialogs, (t, a) => this.dialogs(t, a as DialogsArgs));
    this.calls.register(AccountOps.contacts, (t) => this.contacts(t));
    this.calls.register(AccountOps.importContacts, (t, a) => this.importContacts(t, a as ImportContactsArgs));
    this.calls.register(AccountOps.createChannel, (t, a) => this.createChannel(t, a as CreateChannelArgs));
    this.calls.register(AccountOps.deleteChannel, (t, a) => this.deleteChannel(t, a as ChannelRefArgs));
    this.calls.register(AccountOps.join, (t, a) => this.membership(t, a as ChannelArgs, 'join'));
    this.calls.register(AccountOps.leave, (t, a) => this.membership(t, a as ChannelArgs, 'leave'));
  }

  send(tenantId: string, args: SendArgs): Promise<SendResult> {
    const key = `${tenantId}:${args.key}`;
    const before = this.sending.get(key);
    const run = (before ?? Promise.resolve()).catch(() => undefined).then(() => this.sendOnce(tenantId, args));
    this.sending.set(key, run);
    const forget = (): void => {
      if (this.sending.get(key) === run) this.sending.delete(key);
    };
    run.then(forget, forget);
    return run;
  }

  /**
   * Sends under the key's random_id. The API recorded the key before asking and records the answer after;
   * a repeat that reaches this far (the answer was lost on the way) is answered by Telegram with the
   * message it sent the first time.
   */
  private async sendOnce(tenantId: string, args: SendArgs): Promise<SendResult> {
    const file = args.hasFile ? await this.sends.file(tenantId, args.key) : null;
    if (args.hasFile && !file) throw new CommonError(CommonErrorCode.Internal, 'the file to send was not found');
    const sent = await this.pool.use(tenantId, (session, meter) =>
      this.withPeer(tenantId, session, meter, args.peer, args.channelRowId, (peer) => {
        const msg = { text: args.text, parseMode: args.parseMode, replyTo: args.replyTo, randomId: args.randomId };
        return file ? session.sendFile(peer, file, msg) : session.sendMessage(peer, msg);
      }),
    );
    return sent;
  }

  /**
   * Runs `fn` on the resolved peer: resolved on this session before (no request), or now (one more
   * request, so one more rate token). A peer Telegram stops taking is forgotten for the next call.
   */
  private async withPeer<T>(
    tenantId: string,
    session: TelegramUserSession,
    meter: Meter,
    spec: PeerSpec,
    channelRowId: string | null,
    fn: (peer: PeerHandle) => Promise<T>,
  ): Promise<T> {
    let peer = session.cachedPeer(spec);
    if (!peer) {
      peer = await session.resolvePeer(spec);
      await meter();
      const ref = session.channelOf(peer);
      if (ref && channelRowId && spec.kind === 'channel' && !spec.accessHash) {
        await this.channels.recordAccessHash(
          tenantId,
          channelRowId,
          ref.accessHash,
          spec.channelId ? undefined : `${CHANNEL_PREFIX}${ref.channelId}`,
        );
      }
    }
    try {
      return await fn(peer);
    } catch (err) {
      if (err instanceof TelegramCallError && STALE_PEER_ERRORS.has(err.errorName)) session.forgetPeer(spec);
      throw err;
    }
  }

  /**
   * Joins a private channel through its invite link and records its access hash (and its id, if the row had
   * none) on the tenant's channel row. A link that leads to another channel than the row's is refused, and
   * that channel left again if the account just joined it.
   */
  private joinByInvite(tenantId: string, args: ChannelArgs, hash: string): Promise<void> {
    return this.pool.use(tenantId, async (session, meter) => {
      const { ref, joined } = await session.joinByInvite(hash);
      const known = args.peer.channelId;
      if (known && known !== ref.channelId) {
        if (joined) {
          await meter();
          await session.leaveChannel(ref).catch(() => undefined);
        }
        throw new UserMtprotoError(
          UserMtprotoErrorCode.TelegramRequestInvalid,
          'This invite link leads to another channel than this one.',
        );
      }
      await this.channels.recordAccessHash(
        tenantId,
        args.channelRowId,
        ref.accessHash,
        known ? undefined : `${CHANNEL_PREFIX}${ref.channelId}`,
      );
    });
  }

  dialogs(tenantId: string, args: DialogsArgs): Promise<DialogItem[]> {
    return this.pool.use(tenantId, (session) => session.dialogPage(args.limit, args.offset));
  }

  contacts(tenantId: string): Promise<ContactItem[]> {
    return this.pool.use(tenantId, (session) => session.contacts());
  }

  importContacts(tenantId: string, args: ImportContactsArgs): Promise<ImportedContact[]> {
    return this.pool.use(tenantId, (session) => session.importContacts(args.contacts));
  }

  /**
   * Creates the channel, makes the bot its admin and exports an invite link; if a later step fails, the
   * channel is deleted again (and if even that fails, the error says what was left).
   */
  createChannel(tenantId: string, args: CreateChannelArgs): Promise<CreatedChannelResult> {
    return this.pool.use(tenantId, async (session, meter) => {
      const ref = await session.createChannel(args.title, args.about);
      try {
        if (args.botUsername) {
          await meter();
          await session.makeBotAdmin(ref, args.botUsername);
          // makeBotAdmin resolves the bot first: two requests.
          await meter();
        }
        await meter();
        const inviteLink = await session.exportInvite(ref);
        return { ...ref, inviteLink };
      } catch (err) {
        await this.undoChannel(session, meter, ref);
        throw err;
      }
    });
  }

  deleteChannel(tenantId: string, args: ChannelRefArgs): Promise<void> {
    return this.pool.use(tenantId, (session) => session.deleteChannel(args));
  }

  private async undoChannel(
    session: TelegramUserSession,
    meter: Meter,
    ref: { channelId: string; accessHash: string },
  ): Promise<void> {
    try {
      await meter();
      await session.deleteChannel(ref);
    } catch (err) {
      throw new UserMtprotoError(
        UserMtprotoErrorCode.TelegramUnavailable,
        `Creating the channel failed after Telegram created it, and deleting it failed too (${(err as Error).message}): ` +
          `channel ${CHANNEL_PREFIX}${ref.channelId} is left in the account; delete it in Telegram.`,
        { left_channel_id: `${CHANNEL_PREFIX}${ref.channelId}` },
      );
    }
  }

  membership(tenantId: string, args: ChannelArgs, what: 'join' | 'leave'): Promise<void> {
    if (what === 'join' && args.inviteHash) return this.joinByInvite(tenantId, args, args.inviteHash);
    return this.pool.use(tenantId, (session, meter) =>
      this.withPeer(tenantId, session, meter, args.peer, args.channelRowId, async (peer) => {
        const ref = session.channelOf(peer);
        if (!ref) throw new TelegramCallError('CHANNEL_INVALID', undefined, true);
        if (what === 'join') await session.joinChannel(ref);
        else await session.leaveChannel(ref);
      }),
    );
  }
}
