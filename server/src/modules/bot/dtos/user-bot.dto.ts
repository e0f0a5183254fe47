import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

export class SetBotTokenDto {
  @ApiProperty({ description: 'The token from @BotFather, e.g. "123456789:AA…" (35 characters after the colon).' })
  @IsString()
  @MaxLength(200)
  bot_token!: string;
}

export class WebhookStatusDto {
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Empty when no webhook is set (polling mode).' })
  url!: string | null;

  @ApiPropertyOptional({ type: Number, nullable: true })
  pending_update_count!: number | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  last_error!: string | null;
}

export class BotStatusDto {
  @ApiProperty()
  configured!: boolean;

  @ApiProperty()
  verified!: boolean;

  @ApiPropertyOptional({ type: String, nullable: true })
  bot_username!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  bot_id!: string | null;

  @ApiPropertyOptional({ type: WebhookStatusDto, nullable: true })
  webhook!: WebhookStatusDto | null;

  @ApiProperty()
  rate_limit_rps!: number;

  @ApiProperty()
  max_concurrent_requests!: number;
}

export class BotTestDto {
  @ApiProperty()
  ok!: boolean;

  @ApiProperty()
  bot_id!: string;

  @ApiProperty()
  bot_username!: string;

  @ApiProperty({ description: 'Round trip of the live getMe.' })
  latency_ms!: number;
}
