import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { timingSafeEqual, createHash } from 'node:crypto';
import { Public } from '../../common/http/public.decorator';
import { BotError, BotErrorCode } from '../bot/bot.errors';
import { SYSTEM_WEBHOOK_PATH, SystemBotLauncher } from './system-bot.launcher';
import type { BotUpdate } from '../bot/telegram-bot-api';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** The system bot's webhook (real mode); authenticated by its secret header. */
@Public()
@ApiExcludeController()
@Controller()
export class SystemBotController {
  constructor(private readonly launcher: SystemBotLauncher) {}

  @Post(SYSTEM_WEBHOOK_PATH.slice(1))
  @HttpCode(200)
  async receive(
    @Headers('x-telegram-bot-api-secret-token') secret: string | undefined,
    @Body() update: BotUpdate,
  ): Promise<{ ok: true }> {
    const expected = this.launcher.webhookSecret;
    if (!secret || !expected || !timingSafeEqual(digest(secret), digest(expected))) {
      throw new BotError(BotErrorCode.WebhookUnauthorized, 'Wrong or missing webhook secret.');
    }
    await this.launcher.handleUpdate(update);
    return { ok: true };
  }
}
