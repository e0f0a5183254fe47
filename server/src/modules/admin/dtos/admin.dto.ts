import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '../../../common/http/pagination';
import { IsSaneDate } from '../../../common/http/validators';
import { AuditAction } from '../../audit/audit-actions';
import { UserStatus } from '../../tenants/user.entity';

export const TENANT_SORT_FIELDS = ['created_at', 'email', 'status', 'bot_username', 'telegram_user_id'] as const;
export type TenantSortField = (typeof TENANT_SORT_FIELDS)[number];

export class TenantSearchQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Part of an email or bot username, or an exact Telegram user id.' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  search?: string;

  @ApiPropertyOptional({ enum: TENANT_SORT_FIELDS, default: 'created_at' })
  @IsOptional()
  @IsIn(TENANT_SORT_FIELDS)
  sort: TenantSortField = 'created_at';

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'desc';
}

export class TenantListItemDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  email!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  telegram_user_id!: string | null;

  @ApiProperty({ enum: UserStatus })
  status!: UserStatus;

  @ApiPropertyOptional({ type: String, nullable: true })
  bot_username!: string | null;

  @ApiProperty()
  is_bot_verified!: boolean;

  @ApiProperty()
  is_mtproto_verified!: boolean;

  @ApiProperty()
  created_at!: Date;
}

export class TenantPageDto {
  @ApiProperty({ type: [TenantListItemDto] })
  items!: TenantListItemDto[];

  @ApiProperty()
  page!: number;

  @ApiProperty()
  page_size!: number;

  @ApiProperty()
  total!: number;
}

export class IntegrationStatusDto {
  @ApiProperty({ description: 'Whether the tenant has a credentials row at all.' })
  configured!: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, enum: ['pending', 'active', 'suspended'] })
  status!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  bot_username!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  bot_id!: string | null;

  @ApiProperty()
  is_bot_verified!: boolean;

  @ApiProperty()
  is_mtproto_verified!: boolean;

  @ApiProperty()
  has_bot_token!: boolean;

  @ApiProperty()
  has_session!: boolean;

  @ApiPropertyOptional({ type: Number, nullable: true })
  telegram_api_id!: number | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: '+123****890' })
  phone_masked!: string | null;

  @ApiPropertyOptional({ type: Number, nullable: true })
  rate_limit_rps!: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true })
  max_concurrent_requests!: number | null;

  @ApiPropertyOptional({ type: Date, nullable: true })
  mtproto_last_used_at!: Date | null;
}

export class WebhookHealthDto {
  @ApiProperty({ description: 'Whether Telegram answered getWebhookInfo for this bot just now.' })
  checked!: boolean;

  @ApiProperty({ description: 'A webhook is set, Telegram reports no delivery error and few pending updates.' })
  healthy!: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'The webhook URL; null when none is set.' })
  url!: string | null;

  @ApiPropertyOptional({ type: Number, nullable: true })
  pending_update_count!: number | null;

  @ApiPropertyOptional({ type: Date, nullable: true, description: "Telegram's last failed delivery." })
  last_error_at!: Date | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: "Telegram's reason for the last failed delivery." })
  last_error_message!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Why the check itself failed, if it did.' })
  check_error!: string | null;
}

export class BotIntegrationDto {
  @ApiProperty({ description: 'A bot token is stored.' })
  configured!: boolean;

  @ApiPropertyOptional({ type: String, nullable: true })
  username!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  bot_id!: string | null;

  @ApiProperty()
  verified!: boolean;

  @ApiPropertyOptional({ type: WebhookHealthDto, nullable: true, description: 'Null when no bot is stored.' })
  webhook!: WebhookHealthDto | null;
}

export class MtprotoIntegrationDto {
  @ApiProperty({ description: 'API id and hash are stored.' })
  configured!: boolean;

  @ApiProperty({ description: 'A signed-in session is stored.' })
  verified!: boolean;

  @ApiProperty({ description: 'A worker holds a live client for this session right now.' })
  connected!: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, example: '+123****890' })
  phone_masked!: string | null;

  @ApiPropertyOptional({ type: Date, nullable: true })
  last_used_at!: Date | null;
}

export class TenantChannelDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  telegram_id!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  username!: string | null;

  @ApiProperty()
  title!: string;

  @ApiProperty({ enum: ['channel', 'supergroup', 'group'] })
  type!: string;

  @ApiProperty()
  bot_is_admin!: boolean;

  @ApiProperty()
  bot_can_post!: boolean;

  @ApiPropertyOptional({ type: Date, nullable: true })
  admin_checked_at!: Date | null;
}

export class TenantDetailDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  email!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  telegram_user_id!: string | null;

  @ApiProperty({ enum: UserStatus })
  status!: UserStatus;

  @ApiProperty()
  created_at!: Date;

  @ApiProperty()
  updated_at!: Date;

  @ApiProperty({ type: IntegrationStatusDto })
  integration!: IntegrationStatusDto;

  @ApiProperty()
  channels_count!: number;

  @ApiProperty({ type: BotIntegrationDto })
  bot!: BotIntegrationDto;

  @ApiProperty({ type: MtprotoIntegrationDto })
  mtproto!: MtprotoIntegrationDto;

  @ApiProperty({ type: [TenantChannelDto], description: 'Newest first, at most 100.' })
  channels!: TenantChannelDto[];
}

export class MtprotoDisconnectDto {
  @ApiProperty({ description: 'A session was stored and is now cleared.' })
  had_session!: boolean;

  @ApiProperty({ type: MtprotoIntegrationDto })
  mtproto!: MtprotoIntegrationDto;
}

export class UpdateTenantStatusDto {
  @ApiProperty({ enum: UserStatus, description: "suspended: the tenant's next request answers 403 TENANT_SUSPENDED." })
  @IsIn(Object.values(UserStatus))
  status!: UserStatus;
}

export class UpdateTenantLimitsDto {
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: 1000,
    description: 'Requests per second to Telegram for this tenant.',
  })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  rate_limit_rps!: number;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 100 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  max_concurrent_requests!: number;
}

export class TenantLimitsDto {
  @ApiProperty()
  rate_limit_rps!: number;

  @ApiProperty()
  max_concurrent_requests!: number;
}

export class AuditQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  tenant_id?: string;

  @ApiPropertyOptional({ enum: AuditAction, enumName: 'AuditAction' })
  @IsOptional()
  @IsIn(Object.values(AuditAction), { message: 'action must be one of the audit actions' })
  action?: AuditAction;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Only events at or after this instant.' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'from must be an ISO 8601 date-time' })
  @IsSaneDate()
  from?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Only events before this instant.' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'to must be an ISO 8601 date-time' })
  @IsSaneDate()
  to?: Date;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'Page number (counted from 1) for numbered pages; ignored with `before`.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  page?: number;

  @ApiPropertyOptional({ description: "Only events older than this event id (the previous page's next_before)." })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'before must be an event id from next_before' })
  before?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit = 50;
}

export class AuditEventDto {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  at!: Date;

  @ApiPropertyOptional({ type: String, nullable: true })
  actor_id!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  actor_role!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  tenant_id!: string | null;

  @ApiProperty()
  action!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  target!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  ip!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  meta!: Record<string, unknown>;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEventDto] })
  items!: AuditEventDto[];

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Pass as `before` for the next page; null at the end.',
  })
  next_before!: string | null;

  @ApiProperty({ description: 'Events matching the filters (all pages).' })
  total!: number;
}

export class QueueFailureDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ description: 'The job name within its queue.' })
  name!: string;

  @ApiProperty({ description: 'Why the last attempt failed.' })
  error!: string;

  @ApiProperty()
  attempts_made!: number;

  @ApiProperty()
  created_at!: Date;

  @ApiPropertyOptional({ type: Date, nullable: true })
  failed_at!: Date | null;
}

export class QueueStatsDto {
  @ApiProperty()
  name!: string;

  @ApiProperty()
  waiting!: number;

  @ApiProperty()
  active!: number;

  @ApiProperty()
  delayed!: number;

  @ApiProperty()
  failed!: number;

  @ApiProperty({ type: [QueueFailureDto], description: 'The latest failures, newest first (at most 10).' })
  latest_failures!: QueueFailureDto[];
}

export class QueuesDto {
  @ApiProperty({ type: [QueueStatsDto] })
  queues!: QueueStatsDto[];

  @ApiProperty()
  checked_at!: Date;
}

export class RetriedJobDto {
  @ApiProperty()
  queue!: string;

  @ApiProperty()
  id!: string;

  @ApiProperty({ description: "The job's state after the retry (normally waiting or delayed)." })
  state!: string;
}
