import { Controller, Get, Param, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { HttpReply } from '../../common/http/http-types';
import { AuthUser, CurrentUser } from '../auth/auth-user';
import { ChannelOwnershipGuard } from '../channels/channel-ownership.guard';
import { answer, toCsv } from './analytics-csv';
import { parseMessageId, parseRange, parseStatsQuery, parseTopPostsQuery } from './analytics-query';
import { AnalyticsService } from './analytics.service';
import {
  CurveDto,
  HoursDto,
  StatsDto,
  StatsFormatQueryDto,
  StatsQueryDto,
  StatsRangeQueryDto,
  TopPostsDto,
  TopPostsQueryDto,
} from './dtos/analytics.dto';

const BAD_QUERY =
  'VALIDATION_FAILED (from/to not ISO 8601, from not before to, too long a range or too many points, an unknown interval, sort or format, limit out of range)';

export const statsCsv = (s: StatsDto): string =>
  toCsv(['at', 'subscribers', 'views', 'forwards', 'reactions', 'posts'], s.series);
export const topPostsCsv = (p: TopPostsDto): string =>
  toCsv(['message_id', 'post_id', 'posted_at', 'views', 'forwards', 'reactions', 'sampled_at'], p.posts);
const curveCsv = (c: CurveDto): string => toCsv(['at', 'views', 'forwards', 'reactions'], c.points);
const hoursCsv = (h: HoursDto): string => toCsv(['weekday', 'hour', 'views'], h.cells);

/** A tenant's channel analytics (README, "Channel analytics"). Each answers JSON, or CSV with `?format=csv`. */
@ApiTags('analytics')
@ApiBearerAuth('bearer')
@ApiProduces('application/json', 'text/csv')
@Controller('api')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get('channels/:id/stats')
  @UseGuards(ChannelOwnershipGuard)
  @ApiOkResponse({ type: StatsDto, description: 'Subscribers and what the posts gained, per bucket.' })
  @ApiBadRequestResponse({ description: BAD_QUERY })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also for another tenant's channel)" })
  async stats(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Query() q: StatsQueryDto,
    @Res({ passthrough: true }) res: HttpReply,
  ): Promise<StatsDto | string> {
    const stats = await this.analytics.stats(user.id, id, parseStatsQuery(q, new Date()));
    return answer(res, q.format, stats, statsCsv, 'channel-stats');
  }

  @Get('channels/:id/stats/posts')
  @UseGuards(ChannelOwnershipGuard)
  @ApiOkResponse({
    type: TopPostsDto,
    description: 'Posts published in the range with their latest counts, best first.',
  })
  @ApiBadRequestResponse({ description: BAD_QUERY })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also for another tenant's channel)" })
  async topPosts(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Query() q: TopPostsQueryDto,
    @Res({ passthrough: true }) res: HttpReply,
  ): Promise<TopPostsDto | string> {
    const posts = await this.analytics.topPosts(user.id, id, parseTopPostsQuery(q, new Date()));
    return answer(res, q.format, posts, topPostsCsv, 'channel-top-posts');
  }

  @Get('channels/:id/stats/hours')
  @UseGuards(ChannelOwnershipGuard)
  @ApiOkResponse({
    type: HoursDto,
    description:
      'Views gained by weekday and hour (UTC), while posts were at most 7 days old: when the audience reads.',
  })
  @ApiBadRequestResponse({ description: BAD_QUERY })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also for another tenant's channel)" })
  async hours(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Query() q: StatsRangeQueryDto,
    @Res({ passthrough: true }) res: HttpReply,
  ): Promise<HoursDto | string> {
    const hours = await this.analytics.hours(user.id, id, parseRange(q, new Date()));
    return answer(res, q.format, hours, hoursCsv, 'channel-hours');
  }

  @Get('channels/:id/messages/:message_id/stats')
  @UseGuards(ChannelOwnershipGuard)
  @ApiOkResponse({ type: CurveDto, description: "A channel message's counters at each sample." })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (message_id not a positive integer, an unknown format)' })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also for another tenant's channel)" })
  async messageCurve(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Param('message_id') messageId: string,
    @Query() q: StatsFormatQueryDto,
    @Res({ passthrough: true }) res: HttpReply,
  ): Promise<CurveDto | string> {
    const curve = await this.analytics.messageCurve(user.id, id, parseMessageId(messageId));
    return answer(res, q.format, curve, curveCsv, 'message-stats');
  }

  @Get('posts/:id/stats')
  @ApiOkResponse({
    type: CurveDto,
    description: "A platform post's counters at each sample, once it is sent (no points before).",
  })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (an unknown format)' })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also for another tenant's post)" })
  async postCurve(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Query() q: StatsFormatQueryDto,
    @Res({ passthrough: true }) res: HttpReply,
  ): Promise<CurveDto | string> {
    const curve = await this.analytics.postCurve(user.id, id);
    return answer(res, q.format, curve, curveCsv, 'post-stats');
  }
}
