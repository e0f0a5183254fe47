import { Injectable, Logger } from '@nestjs/common';
import { botNotConfigured, BotError, BotErrorCode, telegramUnavailable } from '../bot/bot.errors';
import { BotClients } from '../bot/bot-clients.service';
import { NotificationsService } from '../bot/notifications.service';
import type { BotApiClient, BotMemberStatus as TelegramMemberStatus, BotMembership } from '../bot/telegram-bot-api';
import { classifyTelegramFailure, describeFailure } from '../bot/telegram-bot-api.failure';
import { TenantBotHandlers } from '../bot/tenant-bot-handlers';
import { EventType } from '../events/event-types';
import { EventsService } from '../events/events.service';
import { Channel, ChannelType } from './channel.entity';
import { channelLabel, ChannelsService } from './channels.service';

/** The bot's standing in a channel, as getChatMember reports it (`not_member` when Telegram does not show it the chat). */
export type BotMemberStatus = TelegramMemberStatus | 'not_member';

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

/** Checks and records whether the tenant's bot can post in its channels, on request and as Telegram reports changes. */
@Injectable()
export class ChannelAdminService {
  private readonly logger = new Logger(ChannelAdminService.name);

  constructor(
    private readonly channels: ChannelsService,
    private readonly clients: BotClients,
    private readonly notifications: NotificationsService,
    private readonly events: EventsService,
    handlers: TenantBotHandlers,
  ) {
    // In the constructor, not a lifecycle hook: queue workers start in onModuleInit and may hand a bot an update first.
    handlers.onMemberUpdate((tenantId, update) => this.applyMemberUpdate(tenantId, update.chatId, update.membership));
  }

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
  async applyMemberUpdate(tenantId: string, chatId: number, membership: BotMembership): Promise<void> {
    const { admin, canPost } = membership;
    const before = await this.channels.recordBotRightsByTelegramId(tenantId, String(chatId), {
      botIsAdmin: admin,
      botCanPost: canPost,
      adminCheckedAt: new Date(),
    });
    // A change from rights known before (a row still unchecked has nothing to change from).
    if (before?.adminCheckedAt && (before.botIsAdmin !== admin || before.botCanPost !== canPost)) {
      await this.events.emit(tenantId, EventType.BotAdminRightsChanged, {
        channel_id: before.id,
        telegram_id: String(chatId),
        bot_is_admin: admin,
        bot_can_post: canPost,
        was: { bot_is_admin: before.botIsAdmin, bot_can_post: before.botCanPost },
      });
    }
    const lost = before?.botCanPost && !canPost ? channelLabel(before) : undefined;
    if (lost !== undefined) await this.notifications.notify(tenantId, { kind: 'bot_admin_lost', channel_title: lost });
  }

  /**
   * A channel added by id alone has no title yet: the check, which already found the bot in the
   * chat, takes the title (and a public username) from getChat. A title the tenant gave is kept,
   * and a failed getChat leaves the row as it was.
   */
  private async nameFromTelegram(
    bot: BotApiClient,
    chatId: string,
    channel: Channel,
  ): Promise<{ title?: string; username?: string }> {
    if (channel.title) return {};
    try {
      const chat = await bot.chatName(chatId);
      return {
        ...(chat.title ? { title: chat.title } : {}),
        ...(!channel.username && chat.username ? { username: chat.username } : {}),
      };
    } catch {
      return {};
    }
  }

  private async checkOne(tenantId: string, channel: Channel): Promise<AdminStatus> {
    const client = await this.clients.forTenant(tenantId);
    if (!client) throw botNotConfigured();
    const chatId = channel.telegramId ?? `@${channel.username ?? ''}`;
    const isChannel = channel.type === ChannelType.Channel;
    let member: BotMembership | undefined;
    let detail: string | undefined;
    try {
      member = await client.api.botMembership(chatId, Number(client.botId), isChannel);
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
    const { admin, canPost } = member ?? { admin: false, canPost: false };
    const checkedAt = new Date();
    const named = member ? await this.nameFromTelegram(client.api, chatId, channel) : {};
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
