import { Inject } from '@nestjs/common';
import { Command, Ctx, Help, Start, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { ChannelsService } from '../channels/channels.service';
import { CredentialsService } from '../credentials/credentials.service';
import { PostsService } from '../posts/posts.service';
import { UsersService } from '../tenants/users.service';

const HELP = [
  'Tenantgram runs your own Telegram bot and posts to your channels for you.',
  '',
  '/start: how to log in',
  '/stats: your channels, posts sent and integration health',
  '/help: this message',
  '',
  'This bot also tells you when a post fails, your bot loses admin rights or your account session ends.',
].join('\n');

/** The system bot's commands (nestjs-telegraf). */
@Update()
export class SystemBotUpdate {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly channels: ChannelsService,
    private readonly posts: PostsService,
    private readonly credentials: CredentialsService,
  ) {}

  @Start()
  async start(@Ctx() ctx: Context): Promise<void> {
    const url = `${this.config.http.publicUrl}/app`;
    await ctx.reply(
      [
        'Welcome to Tenantgram!',
        '',
        `Log in with the Mini App (your Telegram account is your login): ${url}`,
        'Then connect your bot and channels, and I will keep you posted here.',
        'Send /help for the commands.',
      ].join('\n'),
    );
  }

  @Help()
  async help(@Ctx() ctx: Context): Promise<void> {
    await ctx.reply(HELP);
  }

  @Command('stats')
  async stats(@Ctx() ctx: Context): Promise<void> {
    const from = ctx.from?.id;
    const tenantId = from === undefined ? null : await this.users.findTenantIdByTelegramUserId(String(from));
    const tenant = tenantId === null ? null : { id: tenantId };
    if (!tenant) {
      await ctx.reply('This Telegram account is not linked to a Tenantgram account yet. Send /start to log in.');
      return;
    }
    const channels = await this.channels.count(tenant.id);
    const { sent, failed, pending } = await this.posts.counts(tenant.id);
    const c = await this.credentials.get(tenant.id);
    const bot = !c?.botToken
      ? 'not connected'
      : c.isBotVerified
        ? `@${c.botUsername ?? '?'} verified`
        : `@${c.botUsername ?? '?'} not verified`;
    await ctx.reply(
      [
        '📊 Your Tenantgram',
        `Channels: ${channels}`,
        `Posts sent: ${sent}, failed: ${failed}, waiting: ${pending}`,
        `Bot: ${bot}`,
        `User account: ${c?.isMtprotoVerified ? 'connected' : 'not connected'}`,
      ].join('\n'),
    );
  }
}
