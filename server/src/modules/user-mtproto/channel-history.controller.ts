import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../auth/auth-user';
import { ChannelOwnershipGuard } from '../channels/channel-ownership.guard';
import { ChannelHistoryService } from './channel-history.service';
import { HistoryPageDto, HistoryQueryDto } from './dtos/history.dto';

@ApiTags('channels')
@ApiBearerAuth('bearer')
@Controller('api/channels')
export class ChannelHistoryController {
  constructor(private readonly history: ChannelHistoryService) {}

  @Get(':id/history')
  @UseGuards(ChannelOwnershipGuard)
  @ApiOkResponse({ type: HistoryPageDto, description: "Read through the tenant's own Telegram session, newest first." })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also another tenant's channel), CHANNEL_UNREACHABLE" })
  @ApiConflictResponse({ description: 'MTPROTO_NOT_CONFIGURED' })
  @ApiTooManyRequestsResponse({ description: 'FLOOD_WAIT or RATE_LIMITED (retry_after)' })
  @ApiBadRequestResponse({
    description:
      'VALIDATION_FAILED (limit, offset_id out of range), TELEGRAM_REQUEST_INVALID (Telegram refused the request)',
  })
  @ApiServiceUnavailableResponse({ description: 'TELEGRAM_UNAVAILABLE (no answer from Telegram)' })
  read(@CurrentUser() user: AuthUser, @Param('id') id: string, @Query() q: HistoryQueryDto): Promise<HistoryPageDto> {
    return this.history.history(user.id, id, { limit: q.limit, offsetId: q.offset_id });
  }
}
