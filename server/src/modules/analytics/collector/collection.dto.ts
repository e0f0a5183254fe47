import { ApiProperty } from '@nestjs/swagger';

export class RefreshResultDto {
  @ApiProperty({ format: 'date-time', description: 'When the stored sample was taken.' })
  sampled_at!: string;

  @ApiProperty({
    enum: ['account', 'bot'],
    description:
      "`account`: the tenant's own session (subscribers, views, forwards, reactions); `bot`: subscribers only.",
  })
  source!: 'account' | 'bot';

  @ApiProperty({ type: 'integer', nullable: true })
  subscribers!: number | null;

  @ApiProperty({ type: 'integer', description: 'Posts whose counters the sample holds.' })
  posts!: number;
}

export class CollectionStatusDto {
  @ApiProperty({
    enum: ['pending', 'active', 'waiting', 'stopped'],
    description: '`pending`: not sampled yet; `waiting`: after a FLOOD_WAIT or a spent budget; `stopped`: see reason.',
  })
  state!: 'pending' | 'active' | 'waiting' | 'stopped';

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      '`flood_wait`, `budget`, `bot_unavailable`, `session_revoked`, `account_not_connected`, `no_telegram_access`',
  })
  reason!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'What to do about a stopped collection.' })
  message!: string | null;

  @ApiProperty({ enum: ['account', 'bot'], nullable: true })
  source!: 'account' | 'bot' | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_sampled_at!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  next_sample_at!: string | null;
}
