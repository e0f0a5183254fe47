import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { Page } from '../../../common/http/pagination';
import { IsInt64String, IsNotNull, safeIntegerToString } from '../../../common/http/validators';
import { Channel, ChannelType } from '../channel.entity';

const stripAt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.replace(/^@/, '') : value;

export class CreateChannelDto {
  @ApiPropertyOptional({
    description: 'Bot API chat id, e.g. "-1001234567890". Give this or username.',
    example: '-1001234567890',
  })
  @IsNotNull()
  @Transform(safeIntegerToString)
  @IsInt64String({
    message: 'telegram_id must be a Telegram chat id such as "-1001234567890" (a signed 64-bit integer)',
  })
  telegram_id?: string;

  @ApiPropertyOptional({
    description: 'Public @username (with or without "@"). Give this or telegram_id.',
    example: 'my_channel',
  })
  @IsNotNull()
  @Transform(stripAt)
  @IsString()
  @Matches(/^[A-Za-z][A-Za-z0-9_]{3,31}$/, {
    message: 'username must be 4-32 letters, digits or "_", starting with a letter',
  })
  username?: string;

  @ApiPropertyOptional({ maxLength: 255 })
  @IsNotNull()
  @IsString()
  @MaxLength(255)
  title?: string;
}

export class UpdateChannelDto {
  @ApiPropertyOptional({ maxLength: 255 })
  @IsNotNull()
  @IsString()
  @MaxLength(255)
  title?: string;

  @ApiPropertyOptional({ description: 'Public @username (with or without "@").' })
  @IsOptional()
  @Transform(stripAt)
  @IsString()
  @Matches(/^[A-Za-z][A-Za-z0-9_]{3,31}$/, {
    message: 'username must be 4-32 letters, digits or "_", starting with a letter',
  })
  username?: string;
}

export class ChannelDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: '-1001234567890' })
  telegram_id!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  username!: string | null;

  @ApiProperty()
  title!: string;

  @ApiProperty({ enum: ChannelType })
  type!: ChannelType;

  @ApiProperty({ description: 'Whether the tenant bot is an administrator (last check).' })
  bot_is_admin!: boolean;

  @ApiProperty({ description: 'Whether the tenant bot may post (last check).' })
  bot_can_post!: boolean;

  @ApiPropertyOptional({ type: Date, nullable: true })
  admin_checked_at!: Date | null;

  @ApiProperty()
  created_at!: Date;

  @ApiProperty()
  updated_at!: Date;

  static from(c: Channel): ChannelDto {
    return {
      id: c.id,
      telegram_id: c.telegramId,
      username: c.username,
      title: c.title,
      type: c.type,
      bot_is_admin: c.botIsAdmin,
      bot_can_post: c.botCanPost,
      admin_checked_at: c.adminCheckedAt,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
    };
  }
}

export class ChannelPageDto implements Page<ChannelDto> {
  @ApiProperty({ type: [ChannelDto] })
  items!: ChannelDto[];

  @ApiProperty()
  page!: number;

  @ApiProperty()
  page_size!: number;

  @ApiProperty()
  total!: number;
}
