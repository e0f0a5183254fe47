import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { INT32_MAX } from '../../../common/http/validators';

export class HistoryQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit = 100;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: INT32_MAX,
    description: 'Messages older than this id (0: from the newest).',
    default: 0,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(INT32_MAX, { message: `offset_id must be a message id, at most ${INT32_MAX}` })
  offset_id = 0;
}

export class HistoryMessageDto {
  @ApiProperty()
  id!: number;

  @ApiProperty({ format: 'date-time' })
  date!: string;

  @ApiProperty()
  text!: string;

  @ApiProperty({ nullable: true, type: Number })
  views!: number | null;

  @ApiProperty({ nullable: true, type: Number })
  forwards!: number | null;

  @ApiProperty({ nullable: true, type: Number })
  replies!: number | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  edit_date!: string | null;
}

export class HistoryPageDto {
  @ApiProperty({ type: [HistoryMessageDto] })
  messages!: HistoryMessageDto[];

  @ApiProperty({ nullable: true, type: Number, description: 'Pass as offset_id for the next, older page.' })
  next_offset_id!: number | null;
}
