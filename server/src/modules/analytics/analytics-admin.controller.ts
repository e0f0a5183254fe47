import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { HttpReply } from '../../common/http/http-types';
import { AuditAction, AuditActor } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { CallerActor } from '../auth/auth-user';
import { Roles, STAFF_ROLES } from '../auth/roles.decorator';
import { answer } from './analytics-csv';
import { parseStatsQuery, parseTopPostsQuery } from './analytics-query';
import { statsCsv, topPostsCsv } from './analytics.controller';
import { AnalyticsService } from './analytics.service';
import { StatsDto, StatsQueryDto, TopPostsDto, TopPostsQueryDto } from './dtos/analytics.dto';

/**
 * Support's view of a tenant's channel analytics: the tenant routes' answers, for any tenant's
 * channel. Each read is in the audit trail under the staff member's name, like every other
 * cross-tenant read of the console.
 */
@ApiTags('admin')
@ApiBearerAuth('bearer')
@ApiForbiddenResponse({ description: 'FORBIDDEN for tenants: support staff and admins only.' })
@ApiProduces('application/json', 'text/csv')
@Roles(...STAFF_ROLES)
@Controller('api/admin/tenants/:tenantId/channels/:channelId')
export class AnalyticsAdminController {
  constructor(
    private readonly analytics: AnalyticsService,
    private readonly audit: AuditService,
  ) {}

  /** Checks the channel is the tenant's, then records the read before anything is answered. */
  private async admit(actor: AuditActor, tenantId: string, channelId: string, reason: string): Promise<void> {
    await this.analytics.assertChannel(tenantId, channelId);
    await this.audit.record({
      action: AuditAction.AdminDataAccess,
      actor,
      tenantId,
      target: channelId,
      meta: { reason },
    });
  }

  @Get('stats')
  @ApiOkResponse({ type: StatsDto, description: 'As GET /api/channels/{id}/stats, for the tenant.' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (as the tenant route)' })
  @ApiNotFoundResponse({ description: "NOT_FOUND (no such tenant, or the channel is not that tenant's)" })
  async stats(
    @CallerActor() actor: AuditActor,
    @Param('tenantId') tenantId: string,
    @Param('channelId') channelId: string,
    @Query() q: StatsQueryDto,
    @Res({ passthrough: true }) res: HttpReply,
  ): Promise<StatsDto | string> {
    const query = parseStatsQuery(q, new Date());
    await this.admit(actor, tenantId, channelId, 'channel stats');
    return answer(res, q.format, await this.analytics.stats(tenantId, channelId, query), statsCsv, 'channel-stats');
  }

  @Get('stats/posts')
  @ApiOkResponse({ type: TopPostsDto, description: 'As GET /api/channels/{id}/stats/posts, for the tenant.' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (as the tenant route)' })
  @ApiNotFoundResponse({ description: "NOT_FOUND (no such tenant, or the channel is not that tenant's)" })
  async topPosts(
    @CallerActor() actor: AuditActor,
    @Param('tenantId') tenantId: string,
    @Param('channelId') channelId: string,
    @Query() q: TopPostsQueryDto,
    @Res({ passthrough: true }) res: HttpReply,
  ): Promise<TopPostsDto | string> {
    const query = parseTopPostsQuery(q, new Date());
    await this.admit(actor, tenantId, channelId, 'channel top posts');
    const posts = await this.analytics.topPosts(tenantId, channelId, query);
    return answer(res, q.format, posts, topPostsCsv, 'channel-top-posts');
  }
}
