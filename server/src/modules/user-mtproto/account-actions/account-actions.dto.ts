import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { INT32_MAX } from '../../../common/http/validators';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

/** `@username`, `+phone`, a numeric user id, or the id of one of the tenant's channels. */
export const PEER_PATTERN =
  /^(@[A-Za-z][A-Za-z0-9_]{3,31}|\+\d{5,15}|\d{1,19}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The most contacts one import takes (Telegram itself imports a few hundred at most per request). */
export const MAX_IMPORT_CONTACTS = 100;

export class SendAccountMessageDto {
  @ApiProperty({
    description:
      'Who gets it: "@username", "+phone" (a contact of the account), a numeric Telegram user id, or the id of one of your channels (GET /api/channels).',
    example: '@durov',
  })
  @Transform(trim)
  @IsString()
  @Matches(PEER_PATTERN, {
    message: 'peer must be "@username", "+phone" (digits), a numeric user id, or a channel id from /api/channels',
  })
  peer!: string;

  @ApiProperty({ description: 'The message, or the caption of the file (may be empty with a file).', maxLength: 4096 })
  @IsString()
  @MaxLength(4096)
  text!: string;

  @ApiPropertyOptional({ enum: ['markdown', 'html'] })
  @IsOptional()
  @IsIn(['markdown', 'html'])
  parse_mode?: 'markdown' | 'html';

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: INT32_MAX })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(INT32_MAX)
  reply_to_message_id?: number;

  @ApiProperty({
    description: 'Your key for this message: the same key returns the same message instead of sending twice.',
    maxLength: 128,
  })
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/, {
    message: 'idempotency_key must be 1-128 letters, digits, ".", "_", ":" or "-"',
  })
  idempotency_key!: string;
}

export class AccountMessageDto {
  @ApiProperty({ format: 'uuid', description: 'This send (the same for every repeat of its idempotency key).' })
  id!: string;

  @ApiProperty({ description: 'The peer as given.' })
  peer!: string;

  @ApiProperty({ description: "The message's id in its chat." })
  message_id!: number;

  @ApiProperty()
  date!: string;
}

export class DialogsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 50;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 1000, default: 0 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  offset: number = 0;
}

export class DialogPeerDto {
  @ApiProperty({ enum: ['user', 'group', 'channel'] })
  type!: 'user' | 'group' | 'channel';

  @ApiProperty({ description: 'Telegram id (decimal string).' })
  id!: string;
}

export class DialogDto {
  @ApiProperty({ type: DialogPeerDto })
  peer!: DialogPeerDto;

  @ApiProperty()
  title!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  username!: string | null;

  @ApiProperty()
  unread_count!: number;

  @ApiPropertyOptional({ type: String, nullable: true })
  last_message_date!: string | null;
}

export class DialogPageDto {
  @ApiProperty({ type: [DialogDto] })
  items!: DialogDto[];

  @ApiProperty()
  limit!: number;

  @ApiProperty()
  offset!: number;
}

export class ContactDto {
  @ApiProperty()
  user_id!: string;

  @ApiProperty()
  first_name!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  last_name!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  username!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  phone!: string | null;
}

export class ContactListDto {
  @ApiProperty({ type: [ContactDto] })
  items!: ContactDto[];
}

export class ImportContactDto {
  @ApiProperty({ example: '+15551234567', description: 'E.164 phone number.' })
  @Transform(trim)
  @IsString()
  @Matches(/^\+\d{5,15}$/, { message: 'phone must be "+" followed by 5-15 digits (E.164)' })
  phone!: string;

  @ApiProperty({ maxLength: 64 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  first_name!: string;

  @ApiPropertyOptional({ maxLength: 64 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(64)
  last_name?: string;
}

export class ImportContactsDto {
  @ApiProperty({ type: [ImportContactDto], maxItems: MAX_IMPORT_CONTACTS, minItems: 1 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IMPORT_CONTACTS)
  @ValidateNested({ each: true })
  @Type(() => ImportContactDto)
  contacts!: ImportContactDto[];
}

export class ImportedContactDto {
  @ApiProperty()
  phone!: string;

  @ApiProperty({ description: 'Whether the phone belongs to a Telegram user (now a contact of the account).' })
  found!: boolean;

  @ApiPropertyOptional({ type: String, nullable: true })
  user_id!: string | null;
}

export class ImportContactsResultDto {
  @ApiProperty({ type: [ImportedContactDto] })
  items!: ImportedContactDto[];
}

export class CreateAccountChannelDto {
  @ApiProperty({ maxLength: 128 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  title!: string;

  @ApiPropertyOptional({ maxLength: 255 })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  about?: string;

  @ApiPropertyOptional({
    default: true,
    description: 'Make your bot an admin that may post (BOT_NOT_CONFIGURED without one).',
  })
  @IsOptional()
  @IsBoolean()
  add_bot_as_admin?: boolean;
}

/** An invite link as Telegram gives it: t.me/+HASH, t.me/joinchat/HASH (http or https, or none) or tg://join?invite=HASH. */
export const INVITE_LINK =
  /^(?:(?:https?:\/\/)?(?:t\.me|telegram\.me)\/(?:\+|joinchat\/)|tg:\/\/join\?invite=)([A-Za-z0-9_-]{1,64})$/;

export class JoinChannelDto {
  @ApiPropertyOptional({
    maxLength: 128,
    example: 'https://t.me/+AbCdEf0123456789',
    description: 'For a private channel: its invite link (the account joins through it). Not needed for a public one.',
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(128)
  @Matches(INVITE_LINK, { message: 'invite_link must be a Telegram invite link such as https://t.me/+AbCdEf0123' })
  invite_link?: string;
}

export class AccountChannelDto {
  @ApiProperty({ format: 'uuid', description: 'The channel in /api/channels.' })
  id!: string;

  @ApiProperty({ example: '-1001234567890' })
  telegram_id!: string;

  @ApiProperty()
  title!: string;

  @ApiProperty()
  bot_is_admin!: boolean;

  @ApiProperty()
  bot_can_post!: boolean;

  @ApiProperty({ description: 'An invite link to the private channel.' })
  invite_link!: string;
}

export class ChannelMembershipDto {
  @ApiProperty({ format: 'uuid' })
  channel_id!: string;

  @ApiProperty({ description: 'Whether the account is now a member.' })
  member!: boolean;
}
