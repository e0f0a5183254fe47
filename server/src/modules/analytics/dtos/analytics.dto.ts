import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { STATS_INTERVALS, TOP_POSTS_SORTS, type StatsInterval, type TopPostsSort } from '../analytics.types';

/** How an answer is written: JSON (the default) or CSV with a header row. */
export type StatsFormat = 'json' | 'csv';
const FORMATS: readonly StatsFormat[] = ['json', 'csv'];

/** The most posts one top-posts answer lists. */
export const MAX_TOP_POSTS = 100;

export class StatsFormatQueryDto {
  @ApiPropertyOptional({ enum: FORMATS, default: 'json', description: '`csv`: the same rows as text/csv.' })
  @IsOptional()
  @IsIn(FORMATS)
  format?: StatsFormat;
}

export class StatsRangeQueryDto extends StatsFormatQueryDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Start (ISO 8601, inclusive). Default: 30 days before `to`.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  from?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'End (ISO 8601, exclusive). Default: now.' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;
}

export class StatsQueryDto extends StatsRangeQueryDto {
  @ApiPropertyOptional({
    enum: STATS_INTERVALS,
    default: 'day',
    description: 'Bucket width, in UTC (weeks begin on Monday). `from` is moved back to its bucket start.',
  })
  @IsOptional()
  @IsIn(STATS_INTERVALS)
  interval?: StatsInterval;
}

export class TopPostsQueryDto extends StatsRangeQueryDto {
  @ApiPropertyOptional({ enum: TOP_POSTS_SORTS, default: 'views' })
  @IsOptional()
  @IsIn(TOP_POSTS_SORTS)
  sort?: TopPostsSort;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_TOP_POSTS, default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_TOP_POSTS)
  limit?: number;
}

export class StatsPointDto {
  @ApiProperty({ type: String, format: 'date-time', description: 'Start of the bucket.' })
  at!: Date;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'The last subscriber count known at the end of the bucket (null before the first sample).',
  })
  subscribers!: number | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: "Views the channel's posts gained in the bucket; null when views are not available.",
  })
  views!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Forwards gained in the bucket.' })
  forwards!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Reactions gained in the bucket (may be negative).' })
  reactions!: number | null;

  @ApiProperty({ type: 'integer', description: 'Posts published in the bucket.' })
  posts!: number;
}

export class StatsDto {
  @ApiProperty({
    description:
      "False when the channel was never sampled through the tenant's own account (only the bot's member count): no views, forwards or reactions then.",
  })
  views_available!: boolean;

  @ApiProperty({ type: [StatsPointDto], description: 'One point per bucket, oldest first, empty buckets included.' })
  series!: StatsPointDto[];
}

/** One post's counts at one sample: what the top list ranks by and what its curve plots. */
export class PostCountsDto {
  @ApiProperty({ type: 'integer' })
  views!: number;

  @ApiProperty({ type: 'integer' })
  forwards!: number;

  @ApiProperty({ type: 'integer', description: 'Reactions of every kind, summed.' })
  reactions!: number;
}

export class TopPostDto extends PostCountsDto {
  @ApiProperty({ type: 'integer', description: "The post's Telegram message id in the channel." })
  message_id!: number;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The platform post that sent it, null for a message posted otherwise.',
  })
  post_id!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  posted_at!: Date;

  @ApiProperty({ type: String, format: 'date-time', description: 'When these counts were sampled.' })
  sampled_at!: Date;
}

export class TopPostsDto {
  @ApiProperty({ type: [TopPostDto], description: 'Best first.' })
  posts!: TopPostDto[];
}

export class CurvePointDto extends PostCountsDto {
  @ApiProperty({ type: String, format: 'date-time', description: 'When the sample was taken.' })
  at!: Date;
}

export class CurveDto {
  @ApiProperty({ type: [CurvePointDto], description: "The post's samples, oldest first." })
  points!: CurvePointDto[];
}

export class HourCellDto {
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 6, description: '0 = Sunday (UTC).' })
  weekday!: number;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: 23, description: 'Hour of day (UTC).' })
  hour!: number;

  @ApiProperty({ type: 'integer', description: 'Views gained in that hour of the week over the range.' })
  views!: number;
}

export class HoursDto {
  @ApiProperty({ type: [HourCellDto], description: 'All 168 cells, Sunday 00:00 first.' })
  cells!: HourCellDto[];
}
