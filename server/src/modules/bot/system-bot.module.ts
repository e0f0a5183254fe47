import { Module } from '@nestjs/common';
import { TelegrafModule } from 'nestjs-telegraf';
import { ChannelsModule } from '../channels/channels.module';
import { PostsModule } from '../posts/posts.module';
import { BotModule } from './bot.module';
import { SystemBotController } from './system-bot.controller';
import { SYSTEM_BOT_NAME, SystemBotLauncher } from './system-bot.launcher';
import { SystemBotToken } from './system-bot-token';
import { SystemBotUpdate } from './system-bot.update';
import { TelegramBotApi } from './telegram-bot-api';
import { CredentialsModule } from '../credentials/credentials.module';
import { TenantsModule } from '../tenants/tenants.module';

/**
 * The platform's own bot through nestjs-telegraf. Without a token (real mode
 * with no SYSTEM_BOT_TOKEN, or no sandbox to create one in) the instance is
 * built but never launched, and its features stay quiet.
 */
@Module({
  imports: [
    TelegrafModule.forRootAsync({
      botName: SYSTEM_BOT_NAME,
      imports: [BotModule],
      inject: [SystemBotToken, TelegramBotApi],
      useFactory: async (systemBot: SystemBotToken, api: TelegramBotApi) => ({
        token: (await systemBot.token()) ?? '',
        options: { telegram: { apiRoot: api.apiRoot, webhookReply: false } },
        launchOptions: false,
        include: [SystemBotModule],
      }),
    }),
    BotModule,
    CredentialsModule,
    TenantsModule,
    ChannelsModule,
    PostsModule,
  ],
  controllers: [SystemBotController],
  providers: [SystemBotUpdate, SystemBotLauncher],
})
export class SystemBotModule {}
