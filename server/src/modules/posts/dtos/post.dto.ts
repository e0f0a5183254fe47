import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { Page } from '../../../common/http/pagination';
import { IsSaneDate } from '../../../common/http/validators';
import { Post, PostStatus } from '../post.entity';

export const PARSE_MODES = ['HTML', 'MarkdownV2', 'Markdown'] as const;

export class CreatePostDto {
  @ApiPropertyOptional({ maxLength: 4096, description: 'The message, or the caption of an attached photo/document.' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  text?: string;

  @ApiPropertyOptional({ enum: PARSE_MODES })
  @IsOptional()
  @IsIn(PARSE_MODES)
  parse_mode?: (typeof PARSE_MODES)[number];

  @ApiPropertyOptional({
    description: 'ISO 8601 time to send at, up to 9999-12-31; omitted or past means now.',
    format: 'date-time',
  })
  @IsOptional()
  @IsDateString()
  @IsSaneDate()
  scheduled_at?: string;

  @ApiProperty({
    description: 'Your key for this post: the same key returns the same post instead of posting twice.',
    maxLength: 128,
  })
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/, {
    message: 'idempotency_key must be 1-128 letters, digits, ".", "_", ":" or "-"',
  })
  idempotency_key!: string;
}

export class PostDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  channel_id!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  text!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  parse_mode!: string | null;

  @ApiPropertyOptional({
    type: Object,
    nullable: true,
    description: 'kind, file_name, mime_type, size, file_id once sent',
  })
  media!: Record<string, unknown> | null;

  @ApiPropertyOptional({ type: Date, nullable: true })
  scheduled_at!: Date | null;

  @ApiProperty({ enum: PostStatus })
  status!: PostStatus;

  @ApiProperty()
  attempts!: number;

  @ApiPropertyOptional({ type: String, nullable: true })
  telegram_message_id!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  error!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  idempotency_key!: string | null;

  @ApiPropertyOptional({ type: Date, nullable: true })
  sent_at!: Date | null;

  @ApiProperty()
  created_at!: Date;

  @ApiProperty()
  updated_at!: Date;

  static from(p: Post): PostDto {
    const media = p.media ? { ...p.media } : null;
    if (media) delete media.staged_path;
    return {
      id: p.id,
      channel_id: p.channelId,
      text: p.text,
      parse_mode: p.parseMode,
      media,
      scheduled_at: p.scheduledAt,
      status: p.status,
      attempts: p.attempts,
      telegram_message_id: p.telegramMessageId,
      error: p.error,
      idempotency_key: p.idempotencyKey,
      sent_at: p.sentAt,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
    };
  }
}

export class PostPageDto implements Page<PostDto> {
  @ApiProperty({ type: [PostDto] })
  items!: PostDto[];

  @ApiProperty()
  page!: number;

  @ApiProperty()
  page_size!: number;

  @ApiProperty()
  total!: number;
}
