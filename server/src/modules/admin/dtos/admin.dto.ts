import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageQueryDto } from '../../../common/http/pagination';
import { UserStatus } from '../../tenants/user.entity';

export class TenantSearchQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Part of an email or bot username, or an exact Telegram user id.' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  search?: string;
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

  @ApiPropertyOptional({ example: 'auth.login_failed' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  action?: string;

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
}
