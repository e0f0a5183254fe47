import { Injectable, Logger } from '@nestjs/common';
import type { ChatMember } from 'telegraf/types';
import { Channel, ChannelType } from '../channels/channel.entity';
import { channelLabel, ChannelsService } from '../channels/channels.service';
import { botNotConfigured, BotError, BotErrorCode, telegramUnavailable } from './bot.errors';
import { BotClients, type TenantBotClient } from './bot-clients.service';
import { NotificationsService } from './notifications.service';
import { classifyTelegramFailure, describeFailure } from './telegram-failure';

/** The bot's standing in a channel, as getChatMember reports it (`not_member` when Telegram does not show it the chat). */
export type BotMemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked' | 'not_member';

export interface AdminStatus {
  channel_id: string;
  title: string;
  status: BotMemberStatus;
  bot_is_admin: boolean;
  bot_can_post: boolean;
  admin_checked_at: Date;
  /** Telegram's reason when it did not show the chat to the bot. */
  detail?: string;
}

/** Whether a member with this standing may post: channel posts need admin rights, groups only membership. */
function rights(member: ChatMember | undefined, isChannel: boolean): { admin: boolean; canPost: boolean } {
  if (!member) return { admin: false, canPost: false };
  switch (member.status) {
    case 'creator':
      return { admin: true, canPost: true };
    case 'administrator':
      return { admin: true, canPost: isChannel ? member.can_post_messages === true : true };
    case 'member':
      return { admin: false, canPost: !isChannel };
    case 'restricted':
      return { admin: false, canPost: !isChannel && member.can_send_messages };
    case 'left':
    case 'kicked':
      return { admin: false, canPost: false };
  }
}

/** Checks and records whether the tenant's bot can post in its channels. */
@Injectable()
export class ChannelAdminService {
  private readonly logger = new Logger(ChannelAdminService.name);

  constructor(
    private readonly channels: ChannelsService,
    private readonly clients: BotClients,
    private readonly notifications: NotificationsService,
  ) {}

  async check(tenantId: string, channelId: string): Promise<AdminStatus> {
    const channel = await this.channels.find(tenantId, channelId);
    return this.checkOne(tenantId, channel);
  }

  async checkAll(tenantId: string): Promise<AdminStatus[]> {
    const channels = await this.channels.all(tenantId);
    const out: AdminStatus[] = [];
    for (const channel of channels) out.push(await this.checkOne(tenantId, channel));
    return out;
  }

  /** A `my_chat_member` update: the bot's rights changed in a chat; keep the tenant's channel row current. */
  async applyMemberUpdate(tenantId: string, chatId: number, member: ChatMember, chatType: string): Promise<void> {
    const isChannel = chatType === 'channel';
    const { admin, canPost } = rights(member, isChannel);
    const before = await this.channels.recordBotRightsByTelegramId(tenantId, String(chatId), {
      botIsAdmin: admin,
      botCanPost: canPost,
      adminCheckedAt: new Date(),
    });
    const lost = before?.botCanPost && !canPost ? channelLabel(before) : undefined;
    if (lost !== undefined) await this.notifications.notify(tenantId, { kind: 'bot_admin_lost', channel_title: lost });
  }

  /**
   * A channel added by id alone has no title yet: the check, which already found the bot in the
   * chat, takes the title (and a public username) from getChat. A title the tenant gave is kept,
   * and a failed getChat leaves the row as it was.
   */
  private async nameFromTelegram(
    telegram: TenantBotClient['telegram'],
    chatId: string,
    channel: Channel,
  ): Promise<{ title?: string; username?: string }> {
    if (channel.title) return {};
    try {
      const chat = await telegram.getChat(chatId);
      return {
        ...('title' in chat && chat.title ? { title: chat.title } : {}),
        ...(!channel.username && 'username' in chat && chat.username ? { username: chat.username } : {}),
      };
    } catch {
      return {};
    }
  }

  private async checkOne(tenantId: string, channel: Channel): Promise<AdminStatus> {
    const client = await this.clients.forTenant(tenantId);
    if (!client) throw botNotConfigured();
    const chatId = channel.telegramId ?? `@${channel.username ?? ''}`;
    let member: ChatMember | undefined;
    let detail: string | undefined;
    try {
      member = await client.telegram.getChatMember(chatId, Number(client.botId));
    } catch (err) {
      const failure = classifyTelegramFailure(err);
      if (failure.kind === 'unavailable' || failure.kind === 'flood') throw telegramUnavailable();
      if (failure.kind === 'unauthorized') {
        throw new BotError(
          BotErrorCode.TokenRejected,
          'Telegram no longer accepts this bot token; connect the bot again.',
        );
      }
      // "chat not found" / "bot is not a member": Telegram does not show this chat to the bot.
      detail = describeFailure(failure);
    }
    const isChannel = channel.type === ChannelType.Channel;
    const { admin, canPost } = rights(member, isChannel);
    const checkedAt = new Date();
    const named = member ? await this.nameFromTelegram(client.telegram, chatId, channel) : {};
    await this.channels.recordBotRights(
      tenantId,
      channel.id,
      { botIsAdmin: admin, botCanPost: canPost, adminCheckedAt: checkedAt },
      named,
    );
    if (named.title !== undefined) channel.title = named.title;
    this.logger.debug(`channel ${channel.id}: bot ${member?.status ?? 'not_member'}`);
    return {
      channel_id: channel.id,
      title: channel.title,
      status: member?.status ?? 'not_member',
      bot_is_admin: admin,
      bot_can_post: canPost,
      admin_checked_at: checkedAt,
      ...(detail ? { detail } : {}),
    };
  }
}
