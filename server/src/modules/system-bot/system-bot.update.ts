import { Inject } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Command, Ctx, Help, Start, Update } from 'nestjs-telegraf';
import type { Context } from 'telegraf';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { Channel } from '../channels/channel.entity';
import { CredentialsService } from '../credentials/credentials.service';
import { TenantDb } from '../database/tenant-db';
import { Post, PostStatus } from '../posts/post.entity';
import { User, UserRole } from '../tenants/user.entity';

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
    @InjectDataSource() private readonly ds: DataSource,
    private readonly tenantDb: TenantDb,
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
    const tenant =
      from === undefined
        ? null
        : await this.ds.getRepository(User).findOne({
            where: { telegramUserId: String(from), role: UserRole.Tenant },
            select: { id: true },
          });
    if (!tenant) {
      await ctx.reply('This Telegram account is not linked to a Tenantgram account yet. Send /start to log in.');
      return;
    }
    // One transaction is one connection: its queries run one after another, never side by side.
    const { channels, sent, failed, pending } = await this.tenantDb.run(tenant.id, async (em) => {
      const posts = em.getRepository(Post);
      const count = (status: PostStatus): Promise<number> => posts.countBy({ userId: tenant.id, status });
      return {
        channels: await em.getRepository(Channel).countBy({ userId: tenant.id }),
        sent: await count(PostStatus.Sent),
        failed: await count(PostStatus.Failed),
        pending: await count(PostStatus.Scheduled),
      };
    });
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
