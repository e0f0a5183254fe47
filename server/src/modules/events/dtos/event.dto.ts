import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import { EventType } from '../event-types';

/** Repeated `types=` parameters read as one comma-separated list. */
const joinRepeated = ({ value }: { value: unknown }): unknown => (Array.isArray(value) ? value.join(',') : value);

/** Which of a tenant's events to read: `?after=&types=` (streams), plus `limit` and `wait` (pull). */
export class StreamEventsQueryDto {
  @ApiPropertyOptional({
    type: 'string',
    description:
      'Cursor: only events after this id (the last id you have: digits, at most 2^63-1). Omitted: from the oldest kept.',
    example: '1042',
  })
  @IsOptional()
  @IsString()
  after?: string;

  @ApiPropertyOptional({
    type: 'string',
    description: `Comma-separated event types to answer (all when omitted): ${Object.values(EventType).join(', ')}.`,
    example: 'bot.message,post.failed',
  })
  @IsOptional()
  @Transform(joinRepeated)
  @IsString()
  types?: string;
}

export class ListEventsQueryDto extends StreamEventsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  limit?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 30,
    default: 0,
    description:
      'Seconds to wait for an event when none is there yet (long poll; at most EVENTS_WAIT_MAX_SECONDS, 30 by default). Answers as soon as one arrives.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  wait?: number;
}

export class EventDto {
  @ApiProperty({
    description: "The event's id: orders the tenant's events, and is the cursor to read after it.",
    example: '1042',
  })
  id!: string;

  @ApiProperty({ enum: EventType, enumName: 'EventType' })
  type!: EventType;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'What happened; its shape depends on the type (README, "Events").',
  })
  data!: Record<string, unknown>;
}

export class EventPageDto {
  @ApiProperty({ type: [EventDto], description: 'Oldest first.' })
  events!: EventDto[];

  @ApiProperty({
    description: 'The cursor for the next read: the last id answered, or `after` when none was.',
    example: '1042',
  })
  next_after!: string;
}
