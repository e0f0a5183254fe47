import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Page } from '../../common/http/pagination';
import { StoredFile } from './stored-file.entity';

export class FileDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiPropertyOptional({ type: String, nullable: true, format: 'uuid' })
  channel_id!: string | null;

  @ApiProperty()
  file_id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty()
  size!: number;

  @ApiProperty()
  mime!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  telegram_message_id!: string | null;

  @ApiProperty()
  created_at!: Date;

  static from(f: StoredFile): FileDto {
    return {
      id: f.id,
      channel_id: f.channelId,
      file_id: f.telegramFileId,
      name: f.fileName,
      size: Number(f.size),
      mime: f.mimeType,
      telegram_message_id: f.telegramMessageId,
      created_at: f.createdAt,
    };
  }
}

export class FilePageDto implements Page<FileDto> {
  @ApiProperty({ type: [FileDto] })
  items!: FileDto[];

  @ApiProperty()
  page!: number;

  @ApiProperty()
  page_size!: number;

  @ApiProperty()
  total!: number;
}
