import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuditActor } from '../audit/audit-actions';
import { AuthUser, ClientIp, CurrentUser } from '../auth/auth-user';
import { Roles, STAFF_ROLES } from '../auth/roles.decorator';
import { AdminService } from './admin.service';
import {
  AuditPageDto,
  AuditQueryDto,
  TenantDetailDto,
  TenantLimitsDto,
  TenantPageDto,
  TenantSearchQueryDto,
  UpdateTenantLimitsDto,
  UpdateTenantStatusDto,
} from './dtos/admin.dto';

const actorOf = (user: AuthUser, ip: string): AuditActor => ({ id: user.id, role: user.role, ip });

@ApiTags('admin')
@ApiBearerAuth('bearer')
@ApiForbiddenResponse({ description: 'FORBIDDEN for tenants: support staff and admins only.' })
@Roles(...STAFF_ROLES)
@Controller('api/admin')
export class AdminController {
  constructor(private readonly admin: AdminService) {}

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

  @Get('audit')
  @ApiOkResponse({ type: AuditPageDto, description: 'Newest first.' })
  auditLog(@Query() q: AuditQueryDto): Promise<AuditPageDto> {
    return this.admin.auditLog(q);
  }
}
