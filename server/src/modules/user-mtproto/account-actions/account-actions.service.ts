import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AuditAction, AuditActor } from '../../audit/audit-actions';
import { AuditService } from '../../audit/audit.service';
import { botNotConfigured } from '../../bot/bot.errors';
import { Channel } from '../../channels/channel.entity';
import { ChannelsService } from '../../channels/channels.service';
import { CredentialsService } from '../../credentials/credentials.service';
import { isUuid } from '../../database/tenant-db';
import type { UploadedFile } from '../../posts/multipart';
import { MtprotoCallClient } from '../mtproto-calls';
import type { ContactItem, DialogItem, ImportedContact, PeerSpec } from '../telegram-user-session';
import { notConfigured, UserMtprotoError, UserMtprotoErrorCode } from '../user-mtproto.errors';
import {
  AccountChannelDto,
  AccountMessageDto,
  ChannelMembershipDto,
  ContactListDto,
  CreateAccountChannelDto,
  DialogPageDto,
  ImportContactsDto,
  ImportContactsResultDto,
  SendAccountMessageDto,
} from './account-actions.dto';
import {
  AccountOps,
  ChannelArgs,
  ChannelRefArgs,
  CreateChannelArgs,
  CreatedChannelResult,
  SendArgs,
  SendResult,
} from './account-actions.ops';
import { AccountSendsRepository } from './account-sends.repository';

const CHANNEL_PREFIX = '-100';
/** How long the API waits for a send with a file: its upload runs in the worker (up to 50 MB). */
const UPLOAD_WAIT_MS = 300_000;
/** Answers that mean Telegram sent nothing and will send nothing for this request as it is. */
const REFUSALS = new Set<string>([
  UserMtprotoErrorCode.PeerNotFound,
  UserMtprotoErrorCode.PrivacyRestricted,
  UserMtprotoErrorCode.TelegramRequestInvalid,
]);
const iso = (unix: number): string => new Date(unix * 1000).toISOString();
const sha256 = (data: string | Buffer): Buffer => createHash('sha256').update(data).digest();

/**
 * The MTProto random_id of a key: the first 8 bytes of sha256(tenant, key) as a signed 64-bit integer.
 * The same key always gives the same random_id, so Telegram sends its message once however often it is asked.
 */
export function randomIdOf(tenantId: string, key: string): string {
  return sha256(`account-send\0${tenantId}\0${key}`).readBigInt64BE(0).toString();
}

/**
 * The API side of acting as the tenant's account: checks the request and the tenant's own records (its
 * channels, its bot), asks the worker holding the session (MtprotoCallClient), and audits each action
 * without its content (no text, no file, no phone numbers).
 */
@Injectable()
export class AccountActionsService {
  private readonly log = new Logger('AccountActions');

  constructor(
    private readonly credentials: CredentialsService,
    private readonly calls: MtprotoCallClient,
    private readonly channels: ChannelsService,
    private readonly sends: AccountSendsRepository,
    private readonly audit: AuditService,
  ) {}

  private async requireAccount(tenantId: string): Promise<{ botUsername: string | null }> {
    const creds = await this.credentials.get(tenantId);
    if (!creds?.isMtprotoVerified || !creds.sessionString) throw notConfigured();
    return { botUsername: creds.botId && creds.botToken ? creds.botUsername : null };
  }

  /** The peer as the worker resolves it; a channel id must be one of the tenant's channels (else NOT_FOUND). */
  private async peerOf(tenantId: string, peer: string): Promise<{ spec: PeerSpec; channel: Channel | null }> {
    if (peer.startsWith('@')) return { spec: { kind: 'username', username: peer.slice(1) }, channel: null };
    if (peer.startsWith('+')) return { spec: { kind: 'phone', phone: peer.slice(1) }, channel: null };
    if (isUuid(peer)) {
      const channel = await this.channels.find(tenantId, peer);
      return { spec: channelSpec(channel), channel };
    }
    return { spec: { kind: 'user', userId: peer.replace(/^0+(?=\d)/, '') }, channel: null };
  }

  async send(
    tenantId: string,
    actor: AuditActor,
    dto: SendAccountMessageDto,
    file?: UploadedFile,
  ): Promise<AccountMessageDto> {
    await this.requireAccount(tenantId);
    if (!dto.text.trim() && !file) {
      throw new UserMtprotoError(UserMtprotoErrorCode.TelegramRequestInvalid, 'Give a text, a file, or both.');
    }
    if (file && file.buffer.length === 0) {
      throw new UserMtprotoError(UserMtprotoErrorCode.TelegramRequestInvalid, 'The file is empty.');
    }
    if (file && dto.text.length > 1024) {
      throw new UserMtprotoError(
        UserMtprotoErrorCode.TelegramRequestInvalid,
        'A caption is at most 1024 characters; send the text as its own message.',
      );
    }
    const { spec, channel } = await this.peerOf(tenantId, dto.peer);
    const fingerprint = sha256(
      JSON.stringify([
        dto.peer,
        dto.text,
        dto.parse_mode ?? null,
        dto.reply_to_message_id ?? null,
        file ? sha256(file.buffer).toString('hex') : null,
      ]),
    ).toString('hex');
    const { send } = await this.sends.claim(tenantId, dto.idempotency_key, {
      randomId: randomIdOf(tenantId, dto.idempotency_key),
      fingerprint,
      file: file && { bytes: file.buffer, fileName: file.fileName, mimeType: file.mimeType },
    });
    if (send.fingerprint !== fingerprint) {
      throw new UserMtprotoError(
        UserMtprotoErrorCode.IdempotencyKeyReused,
        'This idempotency_key was used for another message; use a new key for a new message.',
      );
    }
    const answer = (r: { messageId: number; date: number }): AccountMessageDto => ({
      id: send.id,
      peer: dto.peer,
      message_id: r.messageId,
      date: iso(r.date),
    });
    if (send.result) return answer({ messageId: send.result.message_id, date: send.result.date });
    const args: SendArgs = {
      key: dto.idempotency_key,
      randomId: send.randomId,
      hasFile: send.hasFile,
      peer: spec,
      channelRowId: channel?.id ?? null,
      text: dto.text,
      parseMode: dto.parse_mode ?? null,
      replyTo: dto.reply_to_message_id ?? null,
    };
    let sent: SendResult;
    try {
      sent = await this.calls.call<SendResult>(tenantId, AccountOps.send, args, {
        timeoutMs: file ? UPLOAD_WAIT_MS : undefined,
      });
    } catch (err) {
      // Telegram refused the message (nothing was sent): the key and its file go. An outage or a flood wait
      // keeps them, for the retry that follows.
      if (err instanceof UserMtprotoError && REFUSALS.has(err.code))
        await this.sends.forget(tenantId, dto.idempotency_key);
      throw err;
    }
    // The answer is recorded (the file let go) and the send audited in one statement.
    await this.sends.recordSent(
      tenantId,
      dto.idempotency_key,
      { peer: spec.kind, message_id: sent.messageId, date: sent.date },
      this.audit.event({
        action: AuditAction.MtprotoMessageSent,
        actor,
        tenantId,
        target: send.id,
        meta: { peer_kind: spec.kind, with_file: Boolean(file), file_bytes: file?.buffer.length ?? 0 },
      }),
    );
    return answer(sent);
  }

  async dialogs(tenantId: string, actor: AuditActor, limit: number, offset: number): Promise<DialogPageDto> {
    await this.requireAccount(tenantId);
    const items = await this.calls.call<DialogItem[]>(tenantId, AccountOps.dialogs, { limit, offset });
    await this.audit.record({ action: AuditAction.MtprotoDialogsRead, actor, tenantId, meta: { count: items.length } });
    return {
      items: items.map((d) => ({
        peer: d.peer,
        title: d.title,
        username: d.username,
        unread_count: d.unreadCount,
        last_message_date: d.lastMessageDate === null ? null : iso(d.lastMessageDate),
      })),
      limit,
      offset,
    };
  }

  async contacts(tenantId: string, actor: AuditActor): Promise<ContactListDto> {
    await this.requireAccount(tenantId);
    const items = await this.calls.call<ContactItem[]>(tenantId, AccountOps.contacts, {});
    await this.audit.record({
      action: AuditAction.MtprotoContactsRead,
      actor,
      tenantId,
      meta: { count: items.length },
    });
    return {
      items: items.map((c) => ({
        user_id: c.userId,
        first_name: c.firstName,
        last_name: c.lastName,
        username: c.username,
        phone: c.phone,
      })),
    };
  }

  async importContacts(tenantId: string, actor: AuditActor, dto: ImportContactsDto): Promise<ImportContactsResultDto> {
    await this.requireAccount(tenantId);
    const contacts = dto.contacts.map((c) => ({
      phone: c.phone.slice(1),
      firstName: c.first_name,
      lastName: c.last_name ?? null,
    }));
    const found = await this.calls.call<ImportedContact[]>(tenantId, AccountOps.importContacts, { contacts });
    const items = dto.contacts.map((c, i) => {
      const userId = found[i]?.userId ?? null;
      return { phone: c.phone, found: userId !== null, user_id: userId };
    });
    await this.audit.record({
      action: AuditAction.MtprotoContactsImported,
      actor,
      tenantId,
      meta: { asked: items.length, found: items.filter((i) => i.found).length },
    });
    return { items };
  }

  /**
   * Creates a private channel as the account, with the tenant's bot as an admin that may post, and adds it
   * to the tenant's channels. The worker deletes the channel again if a Telegram step fails; so does this
   * service if recording it fails.
   */
  async createChannel(tenantId: string, actor: AuditActor, dto: CreateAccountChannelDto): Promise<AccountChannelDto> {
    const { botUsername } = await this.requireAccount(tenantId);
    const withBot = dto.add_bot_as_admin ?? true;
    if (withBot && !botUsername) throw botNotConfigured();
    const args: CreateChannelArgs = {
      title: dto.title,
      about: dto.about ?? '',
      botUsername: withBot ? botUsername : null,
    };
    const created = await this.calls.call<CreatedChannelResult>(tenantId, AccountOps.createChannel, args);
    const telegramId = `${CHANNEL_PREFIX}${created.channelId}`;
    let id: string;
    try {
      const row = await this.channels.create(tenantId, { telegram_id: telegramId, title: dto.title });
      id = row.id;
      await this.channels.recordAccessHash(tenantId, id, created.accessHash);
      if (withBot)
        await this.channels.recordBotRights(tenantId, id, {
          botIsAdmin: true,
          botCanPost: true,
          adminCheckedAt: new Date(),
        });
    } catch (err) {
      const ref: ChannelRefArgs = { channelId: created.channelId, accessHash: created.accessHash };
      await this.calls.call(tenantId, AccountOps.deleteChannel, ref).catch((undo: unknown) => {
        this.log.error(`channel ${telegramId} is left in the account: ${(undo as Error).message}`);
      });
      throw err;
    }
    await this.audit.record({
      action: AuditAction.MtprotoChannelCreated,
      actor,
      tenantId,
      target: id,
      meta: { telegram_id: telegramId, bot_admin: withBot },
    });
    return {
      id,
      telegram_id: telegramId,
      title: dto.title,
      bot_is_admin: withBot,
      bot_can_post: withBot,
      invite_link: created.inviteLink,
    };
  }

  async membership(
    tenantId: string,
    actor: AuditActor,
    channelId: string,
    what: 'join' | 'leave',
    inviteHash: string | null = null,
  ): Promise<ChannelMembershipDto> {
    await this.requireAccount(tenantId);
    const channel = await this.channels.find(tenantId, channelId);
    const args: ChannelArgs = { channelRowId: channel.id, peer: channelSpec(channel), inviteHash };
    await this.calls.call(tenantId, what === 'join' ? AccountOps.join : AccountOps.leave, args);
    await this.audit.record({
      action: what === 'join' ? AuditAction.MtprotoChannelJoined : AuditAction.MtprotoChannelLeft,
      actor,
      tenantId,
      target: channel.id,
      meta: what === 'join' ? { by_invite: inviteHash !== null } : undefined,
    });
    return { channel_id: channel.id, member: what === 'join' };
  }
}

function channelSpec(channel: Channel): Extract<PeerSpec, { kind: 'channel' }> {
  const telegramId = channel.telegramId;
  return {
    kind: 'channel',
    channelId: telegramId?.startsWith(CHANNEL_PREFIX) ? telegramId.slice(CHANNEL_PREFIX.length) : null,
    accessHash: channel.accessHash,
    username: channel.username,
  };
}
