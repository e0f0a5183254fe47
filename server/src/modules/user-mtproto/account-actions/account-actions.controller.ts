import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { HttpRequest } from '../../../common/http/http-types';
import { validateInput } from '../../../common/http/validation';
import { actorOf, AuthUser, ClientIp, CurrentUser } from '../../auth/auth-user';
import { ChannelOwnershipGuard } from '../../channels/channel-ownership.guard';
import { readJsonOrMultipart } from '../../posts/multipart';
import {
  AccountChannelDto,
  AccountMessageDto,
  ChannelMembershipDto,
  ContactListDto,
  CreateAccountChannelDto,
  DialogPageDto,
  DialogsQueryDto,
  ImportContactsDto,
  ImportContactsResultDto,
  INVITE_LINK,
  JoinChannelDto,
  SendAccountMessageDto,
} from './account-actions.dto';
import { AccountActionsService } from './account-actions.service';

const NOT_CONFIGURED = 'MTPROTO_NOT_CONFIGURED (no Telegram account connected)';
const LIMITS = 'FLOOD_WAIT (Telegram asks to wait) or RATE_LIMITED (your rate limit), with retry_after';
const UNAVAILABLE = 'TELEGRAM_UNAVAILABLE (no answer from Telegram or the session worker; retry)';

@ApiTags('user-mtproto')
@ApiBearerAuth('bearer')
@ApiExtraModels(SendAccountMessageDto)
@Controller('api')
export class AccountActionsController {
  constructor(private readonly actions: AccountActionsService) {}

  @Post('user-mtproto/messages')
  @HttpCode(200)
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({
    description:
      'Sends as the connected account. JSON, or multipart/form-data with the same fields plus one file part named "file" (up to 50 MB; a photo or a document, `text` its caption).',
    schema: { $ref: getSchemaPath(SendAccountMessageDto) },
  })
  @ApiOkResponse({
    type: AccountMessageDto,
    description: 'Sent; the same answer for every repeat of the idempotency_key (the message is sent once).',
  })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, TELEGRAM_REQUEST_INVALID' })
  @ApiForbiddenResponse({
    description: 'PRIVACY_RESTRICTED (the user or chat does not take messages from the account)',
  })
  @ApiNotFoundResponse({ description: 'PEER_NOT_FOUND, or NOT_FOUND (a channel id that is not one of yours)' })
  @ApiConflictResponse({
    description: `${NOT_CONFIGURED}, IDEMPOTENCY_KEY_REUSED (the key was used for another message)`,
  })
  @ApiPayloadTooLargeResponse({ description: 'PAYLOAD_TOO_LARGE (a file over 50 MB)' })
  @ApiTooManyRequestsResponse({ description: LIMITS })
  @ApiServiceUnavailableResponse({ description: UNAVAILABLE })
  async send(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Req() req: HttpRequest,
  ): Promise<AccountMessageDto> {
    const form = await readJsonOrMultipart(req, ['file']);
    const fields = form.multipart && form.fields.text === undefined ? { ...form.fields, text: '' } : form.fields;
    const dto = await validateInput(SendAccountMessageDto, fields);
    return this.actions.send(user.id, actorOf(user, ip), dto, form.file);
  }

  @Get('user-mtproto/dialogs')
  @ApiOkResponse({ type: DialogPageDto, description: "The account's chats, newest first, with unread counts." })
  @ApiConflictResponse({ description: NOT_CONFIGURED })
  @ApiTooManyRequestsResponse({ description: LIMITS })
  @ApiServiceUnavailableResponse({ description: UNAVAILABLE })
  dialogs(@CurrentUser() user: AuthUser, @ClientIp() ip: string, @Query() q: DialogsQueryDto): Promise<DialogPageDto> {
    return this.actions.dialogs(user.id, actorOf(user, ip), q.limit, q.offset);
  }

  @Get('user-mtproto/contacts')
  @ApiOkResponse({ type: ContactListDto })
  @ApiConflictResponse({ description: NOT_CONFIGURED })
  @ApiTooManyRequestsResponse({ description: LIMITS })
  @ApiServiceUnavailableResponse({ description: UNAVAILABLE })
  contacts(@CurrentUser() user: AuthUser, @ClientIp() ip: string): Promise<ContactListDto> {
    return this.actions.contacts(user.id, actorOf(user, ip));
  }

  @Post('user-mtproto/contacts/import')
  @HttpCode(200)
  @ApiOkResponse({ type: ImportContactsResultDto, description: 'Which phones belong to a Telegram user.' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (1-100 contacts, E.164 phones)' })
  @ApiConflictResponse({ description: NOT_CONFIGURED })
  @ApiTooManyRequestsResponse({ description: LIMITS })
  @ApiServiceUnavailableResponse({ description: UNAVAILABLE })
  importContacts(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Body() dto: ImportContactsDto,
  ): Promise<ImportContactsResultDto> {
    return this.actions.importContacts(user.id, actorOf(user, ip), dto);
  }

  @Post('user-mtproto/channels')
  @ApiCreatedResponse({
    type: AccountChannelDto,
    description:
      'A private channel created by the account, your bot its admin (may post), added to /api/channels; with an invite link.',
  })
  @ApiConflictResponse({
    description: `${NOT_CONFIGURED}, BOT_NOT_CONFIGURED (add_bot_as_admin without a bot), CHANNELS_TOO_MUCH`,
  })
  @ApiTooManyRequestsResponse({ description: LIMITS })
  @ApiServiceUnavailableResponse({ description: `${UNAVAILABLE}; details.left_channel_id names a channel left behind` })
  createChannel(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Body() dto: CreateAccountChannelDto,
  ): Promise<AccountChannelDto> {
    return this.actions.createChannel(user.id, actorOf(user, ip), dto);
  }

  @Post('channels/:id/join')
  @HttpCode(200)
  @UseGuards(ChannelOwnershipGuard)
  @ApiTags('channels')
  @ApiOkResponse({
    type: ChannelMembershipDto,
    description:
      'The connected account joined the channel (a public one by its username or id, a private one through invite_link).',
  })
  @ApiBadRequestResponse({
    description: 'VALIDATION_FAILED, TELEGRAM_REQUEST_INVALID (the invite link leads to another channel)',
  })
  @ApiNotFoundResponse({
    description: "NOT_FOUND (also another tenant's channel), PEER_NOT_FOUND (also an expired or revoked invite link)",
  })
  @ApiConflictResponse({ description: `${NOT_CONFIGURED}, CHANNELS_TOO_MUCH` })
  @ApiTooManyRequestsResponse({ description: LIMITS })
  @ApiServiceUnavailableResponse({ description: UNAVAILABLE })
  join(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Param('id') id: string,
    @Body() dto: JoinChannelDto,
  ): Promise<ChannelMembershipDto> {
    const hash = dto.invite_link === undefined ? null : (INVITE_LINK.exec(dto.invite_link)?.[1] ?? null);
    return this.actions.membership(user.id, actorOf(user, ip), id, 'join', hash);
  }

  @Post('channels/:id/leave')
  @HttpCode(200)
  @UseGuards(ChannelOwnershipGuard)
  @ApiTags('channels')
  @ApiOkResponse({ type: ChannelMembershipDto, description: 'The connected account left the channel.' })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also another tenant's channel), PEER_NOT_FOUND" })
  @ApiConflictResponse({ description: NOT_CONFIGURED })
  @ApiTooManyRequestsResponse({ description: LIMITS })
  @ApiServiceUnavailableResponse({ description: UNAVAILABLE })
  leave(@CurrentUser() user: AuthUser, @ClientIp() ip: string, @Param('id') id: string): Promise<ChannelMembershipDto> {
    return this.actions.membership(user.id, actorOf(user, ip), id, 'leave');
  }
}
