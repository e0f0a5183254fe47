import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsNotNull, safeIntegerToString } from '../../../common/http/validators';
import { EVENT_TYPES } from '../../events/event-types';

const TYPES_DESCRIPTION = `Event types to deliver (all when empty or absent): ${EVENT_TYPES.join(', ')}.`;

export class CreateWebhookEndpointDto {
  @ApiProperty({
    maxLength: 2048,
    example: 'https://example.com/webhooks/telegram',
    description: 'Where events are POSTed: https in production, to a public address.',
  })
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiPropertyOptional({ type: [String], maxItems: 50, description: TYPES_DESCRIPTION })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  event_types?: string[];

  @ApiPropertyOptional({ maxLength: 500, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ maxLength: 2048 })
  @IsNotNull()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ type: [String], maxItems: 50, description: TYPES_DESCRIPTION })
  @IsNotNull()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  event_types?: string[];

  @ApiPropertyOptional({ maxLength: 500, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({
    enum: ['enabled', 'disabled'],
    description: 'Enabling again stops the failure clock and delivers what was held back.',
  })
  @IsNotNull()
  @IsIn(['enabled', 'disabled'])
  status?: 'enabled' | 'disabled';
}

export class SetWebhookEndpointStatusDto {
  @ApiProperty({ enum: ['enabled', 'disabled'] })
  @IsIn(['enabled', 'disabled'])
  status!: 'enabled' | 'disabled';
}

export class ReplayWebhookDto {
  @ApiProperty({
    type: 'string',
    example: '1042',
    description: 'Re-deliver every kept event from this id on (an event id: digits) that the endpoint takes.',
  })
  @Transform(safeIntegerToString)
  @IsString()
  @Matches(/^[0-9]{1,19}$/, { message: 'from_event_id must be an event id (digits)' })
  from_event_id!: string;
}

export class DeliveriesQueryDto {
  @ApiPropertyOptional({ enum: ['succeeded', 'failed', 'pending'] })
  @IsOptional()
  @IsIn(['succeeded', 'failed', 'pending'])
  status?: 'succeeded' | 'failed' | 'pending';

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  url!: string;

  @ApiProperty({ type: [String], description: 'Empty: every type.' })
  event_types!: string[];

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ enum: ['enabled', 'disabled'] })
  status!: 'enabled' | 'disabled';

  @ApiProperty({ type: String, nullable: true, description: 'Why the endpoint was disabled.' })
  disabled_reason!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at!: Date;
}

export class CreatedWebhookEndpointDto extends WebhookEndpointDto {
  @ApiProperty({
    description: 'The signing secret (`whsec_…`): shown only now and on rotation.',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  })
  secret!: string;
}

export class WebhookEndpointListDto {
  @ApiProperty({ type: [WebhookEndpointDto] })
  items!: WebhookEndpointDto[];
}

export class WebhookSecretDto {
  @ApiProperty({ description: 'The new signing secret; the old one also signs for WEBHOOK_SECRET_OVERLAP_SECONDS.' })
  secret!: string;
}

export class WebhookTestDto {
  @ApiProperty({ description: 'The id of the `ping` event sent to this endpoint.' })
  event_id!: string;
}

export class WebhookReplayDto {
  @ApiProperty()
  from_event_id!: string;
}

export class WebhookDeliveryDto {
  @ApiProperty()
  event_id!: string;

  @ApiProperty({ description: '1 for the first attempt, then one more per retry.' })
  attempt!: number;

  @ApiProperty({ enum: ['succeeded', 'failed', 'pending'] })
  status!: 'succeeded' | 'failed' | 'pending';

  @ApiProperty({
    type: Number,
    nullable: true,
    description: "The endpoint's HTTP status (none when it did not answer).",
  })
  status_code!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  duration_ms!: number | null;

  @ApiProperty({ type: String, nullable: true })
  error!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the attempt was made.' })
  delivered_at!: Date | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Pending: when it is due. Failed: when the next attempt is due (none after the last).',
  })
  next_attempt_at!: Date | null;
}

export class WebhookDeliveryListDto {
  @ApiProperty({ type: [WebhookDeliveryDto], description: 'Newest first.' })
  items!: WebhookDeliveryDto[];
}

export class WebhookLastFailureDto {
  @ApiProperty({ type: String, format: 'date-time' })
  at!: Date;

  @ApiProperty({ type: Number, nullable: true })
  status_code!: number | null;

  @ApiProperty({ type: String, nullable: true })
  error!: string | null;
}

export class WebhookHealthDto {
  @ApiProperty()
  attempts_24h!: number;

  @ApiProperty()
  succeeded_24h!: number;

  @ApiProperty({ type: Number, nullable: true, description: 'succeeded_24h / attempts_24h; null without attempts.' })
  success_rate!: number | null;

  @ApiProperty({ type: WebhookLastFailureDto, nullable: true })
  last_failure!: WebhookLastFailureDto | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  next_retry_at!: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Since when it has been failing.' })
  failing_since!: Date | null;
}

export class AdminWebhookEndpointDto extends WebhookEndpointDto {
  @ApiProperty({ type: WebhookHealthDto })
  health!: WebhookHealthDto;
}

export class AdminWebhookEndpointListDto {
  @ApiProperty({ type: [AdminWebhookEndpointDto] })
  items!: AdminWebhookEndpointDto[];
}
