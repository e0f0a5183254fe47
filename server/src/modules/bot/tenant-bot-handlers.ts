import { Injectable, Logger } from '@nestjs/common';
import type { Telegraf } from 'telegraf';
import { ChannelAdminService } from './channel-admin.service';
import { membershipOf } from './telegram-bot-api';
import { safeErrorMessage } from './telegram-bot-api.failure';

/** What every tenant bot does on its own: greet in private chats and keep channel rights current. */
@Injectable()
export class TenantBotHandlers {
  private readonly logger = new Logger(TenantBotHandlers.name);

  constructor(private readonly channelAdmin: ChannelAdminService) {}

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
      const membership = membershipOf(update.new_chat_member, update.chat.type === 'channel');
      await this.channelAdmin.applyMemberUpdate(tenantId, update.chat.id, membership);
    });
  }
}
