import { Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../../auth/auth-user';
import { ChannelOwnershipGuard } from '../../channels/channel-ownership.guard';
import { CollectionService } from './collection.service';
import { CollectionStatusDto, RefreshResultDto } from './collection.dto';

@ApiTags('analytics')
@ApiBearerAuth('bearer')
@Controller('api/channels')
export class CollectionController {
  constructor(private readonly collection: CollectionService) {}

  @Post(':id/stats/refresh')
  @HttpCode(200)
  @UseGuards(ChannelOwnershipGuard)
  @ApiOkResponse({
    type: RefreshResultDto,
    description: 'Samples the channel now; answers once the sample is stored. At most once a minute per channel.',
  })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also another tenant's channel), CHANNEL_UNREACHABLE" })
  @ApiConflictResponse({
    description: 'COLLECTION_STOPPED (details.reason says why), BOT_CANNOT_SEE_CHANNEL, MTPROTO_NOT_CONFIGURED',
  })
  @ApiTooManyRequestsResponse({
    description: 'RATE_LIMITED (refreshed less than a minute ago), FLOOD_WAIT (retry_after)',
  })
  @ApiServiceUnavailableResponse({ description: 'TELEGRAM_UNAVAILABLE' })
  async refresh(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<RefreshResultDto> {
    const r = await this.collection.refresh(user.id, id);
    return { sampled_at: r.sampledAt, source: r.source, subscribers: r.subscribers, posts: r.posts };
  }

  @Get(':id/stats/collection')
  @UseGuards(ChannelOwnershipGuard)
  @ApiOkResponse({
    type: CollectionStatusDto,
    description: "Where the channel's analytics collection stands, and why.",
  })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also another tenant's channel)" })
  async status(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<CollectionStatusDto> {
    const s = await this.collection.status(user.id, id);
    return {
      state: s.state,
      reason: s.reason,
      message: s.message,
      source: s.source,
      last_sampled_at: s.lastSampledAt?.toISOString() ?? null,
      next_sample_at: s.nextSampleAt?.toISOString() ?? null,
    };
  }
}
