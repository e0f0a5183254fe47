import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, MinLength } from 'class-validator';
import { INT32_MAX } from '../../../common/http/validators';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
/** Telegram's api_id is a 32-bit int: a larger one cannot even be sent. */
const API_ID_RANGE = { message: `telegram_api_id must be at most ${INT32_MAX} (api_id from my.telegram.org)` };
const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

// Formats (positive id, 32 hex, E.164) are checked by the service, which answers with the
// product's own codes (API_CREDENTIALS_INVALID, PHONE_NUMBER_INVALID) rather than a generic one.
export class MtprotoSetupDto {
  @ApiProperty({
    type: 'integer',
    maximum: INT32_MAX,
    description: 'api_id from my.telegram.org (positive integer).',
    example: 123456,
  })
  @Transform(toInt)
  @IsInt()
  @Max(INT32_MAX, API_ID_RANGE)
  telegram_api_id!: number;

  @ApiProperty({ description: 'api_hash from my.telegram.org (32 hex characters).' })
  @Transform(trim)
  @IsString()
  @MaxLength(64)
  telegram_api_hash!: string;

  @ApiProperty({ description: 'The account phone number in E.164 form.', example: '+15551234567' })
  @Transform(trim)
  @IsString()
  @MaxLength(32)
  telegram_phone!: string;
}

export class MtprotoSetupResultDto {
  @ApiProperty({ format: 'uuid' })
  login_id!: string;

  @ApiProperty()
  phone_code_hash!: string;

  @ApiProperty({ enum: ['code'] })
  next!: 'code';

  @ApiProperty({ enum: ['app', 'sms', 'call', 'flash_call', 'missed_call', 'email', 'fragment_sms', 'other'] })
  code_type!: string;
}

export class MtprotoVerifyDto {
  @ApiProperty({ description: 'The login code Telegram delivered.' })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(16)
  verification_code!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'From setup; give this or phone_code_hash.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  login_id?: string;

  @ApiPropertyOptional({ description: 'From setup; give this or login_id.' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  phone_code_hash?: string;

  @ApiPropertyOptional({ description: 'The two-step verification password, when the account has one.' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  password?: string;
}

export class MtprotoVerifyResultDto {
  @ApiProperty({ enum: ['password', 'done'] })
  next!: 'password' | 'done';

  @ApiProperty()
  verified!: boolean;
}

export class MtprotoQrStartDto {
  @ApiPropertyOptional({ type: 'integer', maximum: INT32_MAX, description: 'api_id, when not stored yet.' })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Max(INT32_MAX, API_ID_RANGE)
  telegram_api_id?: number;

  @ApiPropertyOptional({ description: 'api_hash, when not stored yet.' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(64)
  telegram_api_hash?: string;
}

export class MtprotoQrDto {
  @ApiProperty({ format: 'uuid' })
  login_id!: string;

  @ApiProperty({ enum: ['pending', 'password_needed', 'done', 'expired'] })
  state!: string;

  @ApiProperty({ nullable: true, type: String, example: 'tg://login?token=AQID' })
  qr_url!: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  expires_at!: string | null;
}

export class MtprotoPasswordDto {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password!: string;
}

export class MtprotoStatusDto {
  @ApiProperty({ description: 'api_id and api_hash are stored.' })
  configured!: boolean;

  @ApiProperty()
  verified!: boolean;

  @ApiProperty({ nullable: true, type: String, example: '+155****567' })
  phone!: string | null;

  @ApiProperty({ nullable: true, type: Number })
  api_id!: number | null;

  @ApiProperty({ description: 'A worker holds a live client for this session.' })
  connected!: boolean;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  last_used!: string | null;

  @ApiProperty()
  can_read_history!: boolean;
}

export class MtprotoSettingsDto {
  @ApiProperty({
    description:
      'The account is kept connected and what happens to it becomes account.* events (README, "Events"). Off by default.',
  })
  receive_updates!: boolean;
}

export class MtprotoSettingsPatchDto {
  @ApiProperty({ description: 'Turn account events on or off.' })
  @IsBoolean()
  receive_updates!: boolean;
}
