import { Injectable, Logger } from '@nestjs/common';
import type { Telegraf } from 'telegraf';
import { type BotMembership, membershipOf } from './telegram-bot-api';
import { safeErrorMessage } from './telegram-bot-api.failure';

/** A `my_chat_member` update outside private chats: the bot's standing in a chat changed. */
export interface BotMemberUpdate {
  chatId: number;
  membership: BotMembership;
}

export type MemberUpdateListener = (tenantId: string, update: BotMemberUpdate) => Promise<void>;

/**
 * What every tenant bot does on its own: greet in private chats and report changes of its standing
 * in chats. Those reports go to whoever keeps channel rights (channels/ registers itself), so the
 * bot side depends on no channel code.
 */
@Injectable()
export class TenantBotHandlers {
  private readonly logger = new Logger(TenantBotHandlers.name);
  private readonly memberListeners: MemberUpdateListener[] = [];

  /** Called for every `my_chat_member` update of every tenant bot in this process, in registration order. */
  onMemberUpdate(listener: MemberUpdateListener): void {
    this.memberListeners.push(listener);
  }

  install(bot: Telegraf, tenantId: string): void {
    // telegraf's default error handler rethrows and sets the process exit code; a tenant's bad update is only logged.
    bot.catch((err) => {
      this.logger.warn(`tenant ${tenantId} bot update failed: ${safeErrorMessage(err)}`);
    });
    bot.start(async (ctx) => {
      if (ctx.chat.type !== 'private') return;
      const name = ctx.botInfo.username ? `@${ctx.botInfo.username}` : 'this bot';
      await ctx.reply(
        `Hello${ctx.from.first_name ? `, ${ctx.from.first_name}` : ''}! ${name} is up and running. It posts to its owner's channels.`,
      );
    });
    bot.on('my_chat_member', async (ctx) => {
      const update = ctx.myChatMember;
      if (update.chat.type === 'private') return;
      const change = {
        chatId: update.chat.id,
        membership: membershipOf(update.new_chat_member, update.chat.type === 'channel'),
      };
      for (const listener of this.memberListeners) await listener(tenantId, change);
    });
  }
}
