import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Whether the tenant's bot may post in a channel, as last checked. */
export class AdminStatusDto {
  @ApiProperty({ format: 'uuid' })
  channel_id!: string;

  @ApiProperty()
  title!: string;

  @ApiProperty({ enum: ['creator', 'administrator', 'member', 'restricted', 'left', 'kicked', 'not_member'] })
  status!: string;

  @ApiProperty()
  bot_is_admin!: boolean;

  @ApiProperty()
  bot_can_post!: boolean;

  @ApiProperty()
  admin_checked_at!: Date;

  @ApiPropertyOptional({ description: "Telegram's reason when it does not show the chat to the bot." })
  detail?: string;
}
