import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { actorOf, AuthUser, ClientIp, CurrentUser } from '../auth/auth-user';
import { Roles, STAFF_ROLES } from '../auth/roles.decorator';
import { AdminOverviewService } from './admin-overview.service';
import { AdminQueuesService } from './admin-queues.service';
import { AdminService } from './admin.service';
import {
  AuditPageDto,
  AuditQueryDto,
  MtprotoDisconnectDto,
  QueuesDto,
  RetriedJobDto,
  TenantDetailDto,
  TenantLimitsDto,
  TenantPageDto,
  TenantSearchQueryDto,
  UpdateTenantLimitsDto,
  UpdateTenantStatusDto,
} from './dtos/admin.dto';
import { OverviewDto, OverviewQueryDto } from './dtos/overview.dto';

@ApiTags('admin')
@ApiBearerAuth('bearer')
@ApiForbiddenResponse({ description: 'FORBIDDEN for tenants: support staff and admins only.' })
@Roles(...STAFF_ROLES)
@Controller('api/admin')
export class AdminController {
  constructor(
    private readonly admin: AdminService,
    private readonly queues: AdminQueuesService,
    private readonly overviews: AdminOverviewService,
  ) {}

  @Get('overview')
  @ApiOkResponse({
    type: OverviewDto,
    description:
      'The platform at a glance: live totals, and per-hour counts over the last `hours` hours summed over every process.',
  })
  overview(@CurrentUser() user: AuthUser, @ClientIp() ip: string, @Query() q: OverviewQueryDto): Promise<OverviewDto> {
    return this.overviews.overview(actorOf(user, ip), q.hours);
  }

  @Get('tenants')
  @ApiOkResponse({ type: TenantPageDto })
  listTenants(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Query() q: TenantSearchQueryDto,
  ): Promise<TenantPageDto> {
    return this.admin.listTenants(actorOf(user, ip), q);
  }

  @Get('tenants/:id')
  @ApiOkResponse({ type: TenantDetailDto, description: 'Profile and integration status; never a secret.' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  getTenant(@CurrentUser() user: AuthUser, @ClientIp() ip: string, @Param('id') id: string): Promise<TenantDetailDto> {
    return this.admin.getTenant(actorOf(user, ip), id);
  }

  @Patch('tenants/:id')
  @ApiOkResponse({ type: TenantDetailDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  setStatus(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Param('id') id: string,
    @Body() dto: UpdateTenantStatusDto,
  ): Promise<TenantDetailDto> {
    return this.admin.setStatus(actorOf(user, ip), id, dto.status);
  }

  @Patch('tenants/:id/limits')
  @ApiOkResponse({ type: TenantLimitsDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  setLimits(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Param('id') id: string,
    @Body() dto: UpdateTenantLimitsDto,
  ): Promise<TenantLimitsDto> {
    return this.admin.setLimits(actorOf(user, ip), id, dto);
  }

  @Post('tenants/:id/mtproto/disconnect')
  @HttpCode(200)
  @ApiOkResponse({
    type: MtprotoDisconnectDto,
    description: "Clears the tenant's MTProto session and tells the worker holding it to drop its client.",
  })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  forceMtprotoDisconnect(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Param('id') id: string,
  ): Promise<MtprotoDisconnectDto> {
    return this.admin.forceMtprotoDisconnect(actorOf(user, ip), id);
  }

  @Get('queues')
  @ApiOkResponse({ type: QueuesDto, description: 'Counts and latest failures of every queue.' })
  listQueues(): Promise<QueuesDto> {
    return this.queues.overview();
  }

  @Post('queues/:name/jobs/:id/retry')
  @HttpCode(200)
  @ApiOkResponse({ type: RetriedJobDto })
  @ApiNotFoundResponse({ description: 'QUEUE_NOT_FOUND or JOB_NOT_FOUND' })
  @ApiConflictResponse({ description: 'JOB_NOT_FAILED: only a failed job can be retried.' })
  retryJob(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Param('name') name: string,
    @Param('id') id: string,
  ): Promise<RetriedJobDto> {
    return this.queues.retry(actorOf(user, ip), name, id);
  }

  @Get('audit')
  @ApiOkResponse({ type: AuditPageDto, description: 'Newest first.' })
  auditLog(@Query() q: AuditQueryDto): Promise<AuditPageDto> {
    return this.admin.auditLog(q);
  }
}
