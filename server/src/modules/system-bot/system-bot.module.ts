import { Module } from '@nestjs/common';
import { TelegrafModule } from 'nestjs-telegraf';
import { BotModule } from '../bot/bot.module';
import { TelegramBotApi } from '../bot/telegram-bot-api';
import { ChannelsModule } from '../channels/channels.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { PostsModule } from '../posts/posts.module';
import { TenantsModule } from '../tenants/tenants.module';
import { NotificationsProcessor } from './notifications.processor';
import { SystemBotController } from './system-bot.controller';
import { SYSTEM_BOT_NAME, SystemBotLauncher } from './system-bot.launcher';
import { SystemBotToken } from './system-bot-token';
import { SystemBotUpdate } from './system-bot.update';
import { RedisModule } from '../redis/redis.module';

/** The system bot's token, for every role that talks as the system bot. */
@Module({ imports: [BotModule, RedisModule], providers: [SystemBotToken], exports: [SystemBotToken] })
export class SystemBotTokenModule {}

/**
 * The platform's own bot through nestjs-telegraf. Without a token (real mode
 * with no SYSTEM_BOT_TOKEN, or no sandbox to create one in) the instance is
 * built but never launched, and its features stay quiet.
 */
@Module({
  imports: [
    TelegrafModule.forRootAsync({
      botName: SYSTEM_BOT_NAME,
      imports: [BotModule, SystemBotTokenModule],
      inject: [SystemBotToken, TelegramBotApi],
      useFactory: async (systemBot: SystemBotToken, api: TelegramBotApi) => ({
        token: (await systemBot.token()) ?? '',
        options: { telegram: { apiRoot: api.apiRoot, webhookReply: false } },
        launchOptions: false,
        include: [SystemBotModule],
      }),
    }),
    BotModule,
    SystemBotTokenModule,
    CredentialsModule,
    TenantsModule,
    ChannelsModule,
    PostsModule,
  ],
  controllers: [SystemBotController],
  providers: [SystemBotUpdate, SystemBotLauncher],
})
export class SystemBotModule {}

/** Notifications, delivered by the system bot from the queue (worker role). */
@Module({ imports: [BotModule, SystemBotTokenModule, TenantsModule], providers: [NotificationsProcessor] })
export class SystemBotWorkerModule {}
