import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { MIN_PASSWORD_LENGTH } from '../../tenants/password';

export class RegisterDto {
  @ApiProperty({ example: 'owner@example.com', maxLength: 320 })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(320)
  email!: string;

  @ApiProperty({
    minLength: MIN_PASSWORD_LENGTH,
    maxLength: 256,
    description: 'At least 10 characters; not the email.',
  })
  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH, { message: `password must be at least ${MIN_PASSWORD_LENGTH} characters long` })
  @MaxLength(256)
  password!: string;
}

export class LoginDto {
  @ApiProperty({ example: 'owner@example.com' })
  @IsString()
  @MaxLength(320)
  email!: string;

  @ApiProperty()
  @IsString()
  @MaxLength(256)
  password!: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token from the last login or refresh. Each one works once.' })
  @IsString()
  @MaxLength(200)
  refresh_token!: string;
}

export class TelegramWebAppLoginDto {
  @ApiProperty({ description: 'Telegram.WebApp.initData, exactly as the Mini App received it.' })
  @IsString()
  @MinLength(1)
  @MaxLength(8192)
  init_data!: string;
}

export class TokenPairDto {
  @ApiProperty({ description: 'Short-lived JWT for "Authorization: Bearer".' })
  access_token!: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type!: 'Bearer';

  @ApiProperty({ description: 'Seconds until the access token expires.' })
  expires_in!: number;

  @ApiProperty({ description: 'Opaque, single-use; exchange at POST /api/auth/refresh.' })
  refresh_token!: string;

  @ApiProperty({ description: 'Seconds until the refresh token expires.' })
  refresh_expires_in!: number;
}

export class MeDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  email!: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Telegram user id (as a string: it may exceed 2^53).',
  })
  telegram_user_id!: string | null;

  @ApiProperty({ enum: ['tenant', 'support', 'admin'] })
  role!: string;

  @ApiProperty({ enum: ['active', 'suspended'] })
  status!: string;

  @ApiProperty()
  created_at!: Date;
}
