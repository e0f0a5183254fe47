import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../../common/http/public.decorator';
import { WebhookIngestService } from './webhook-ingest.service';

/** Where Telegram delivers every tenant bot's updates; authenticated by the per-bot secret header, not a JWT. */
@Public()
@ApiExcludeController()
@Controller('telegram/webhook')
export class WebhookController {
  constructor(private readonly ingest: WebhookIngestService) {}

  @Post(':bot_id')
  @HttpCode(200)
  async receive(
    @Param('bot_id') botId: string,
    @Headers('x-telegram-bot-api-secret-token') secret: string | undefined,
    @Body() body: unknown,
  ): Promise<{ ok: true }> {
    await this.ingest.ingest(botId, secret, body);
    return { ok: true };
  }
}
