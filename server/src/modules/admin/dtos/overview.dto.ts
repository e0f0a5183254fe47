import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { HOURLY_MAX_HOURS } from '../../health/hourly-counters';

export class OverviewQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: HOURLY_MAX_HOURS,
    default: 24,
    description: 'How many hours back the series reach, the current hour included.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'hours must be a whole number of hours' })
  @Min(1, { message: 'hours must be at least 1' })
  @Max(HOURLY_MAX_HOURS, { message: `hours must be at most ${HOURLY_MAX_HOURS} (a week)` })
  hours: number = 24;
}

export class OverviewTotalsDto {
  @ApiProperty({ description: 'Tenant accounts (staff not counted).' })
  tenants!: number;

  @ApiProperty({ description: 'Tenants whose bot token Telegram accepted.' })
  verified_bots!: number;

  @ApiProperty({ description: 'Tenants with a signed-in Telegram account (MTProto session).' })
  verified_accounts!: number;

  @ApiProperty({ description: 'MTProto sessions the workers hold connected now, summed over the workers.' })
  connected_sessions!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'Jobs waiting in each queue, by queue name.',
    example: { 'post-send': 0, 'webhook-delivery': 3 },
  })
  queue_backlog!: Record<string, number>;
}

export class OverviewHourDto {
  @ApiProperty({ description: 'Start of the UTC hour.' })
  hour!: Date;

  @ApiProperty({ description: 'Posts Telegram accepted.' })
  posts_sent!: number;

  @ApiProperty({ description: 'Posts that failed for good.' })
  posts_failed!: number;

  @ApiProperty({ description: 'Post sends put back after a transient error or a 429.' })
  posts_retried!: number;

  @ApiProperty({ description: 'MTProto sessions Telegram revoked and the product cleared.' })
  revocations!: number;

  @ApiProperty({ description: 'FLOOD_WAIT answers Telegram gave MTProto calls.' })
  flood_waits!: number;

  @ApiProperty({ description: 'Seconds of FLOOD_WAIT those answers imposed.' })
  flood_wait_seconds!: number;

  @ApiProperty({ description: 'MTProto logins that signed in.' })
  logins_ok!: number;

  @ApiProperty({ description: 'MTProto login steps that failed (wrong or expired code, flood wait, error).' })
  logins_failed!: number;

  @ApiProperty({ description: 'Failed Telegram calls, Bot API and MTProto.' })
  telegram_errors!: number;

  @ApiProperty({ description: "Tenant bots' updates handled." })
  bot_updates!: number;

  @ApiProperty({ description: 'Webhook deliveries answered with 2xx.' })
  webhook_delivered!: number;

  @ApiProperty({ description: 'Webhook delivery attempts that failed and will be retried.' })
  webhook_failed!: number;

  @ApiProperty({ description: 'Webhook deliveries given up after the last retry.' })
  webhook_gave_up!: number;
}

export class OverviewDto {
  @ApiProperty()
  generated_at!: Date;

  @ApiProperty({ description: 'The window asked for, in hours.' })
  hours!: number;

  @ApiProperty({ type: OverviewTotalsDto })
  totals!: OverviewTotalsDto;

  @ApiProperty({
    type: [OverviewHourDto],
    description:
      'One entry per UTC hour of the window, oldest first, the current hour last; zeros where nothing happened.',
  })
  series!: OverviewHourDto[];
}
