import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { actorOf, AuthUser, ClientIp, CurrentUser } from '../auth/auth-user';
import { Roles, STAFF_ROLES } from '../auth/roles.decorator';
import {
  AdminWebhookEndpointListDto,
  ReplayWebhookDto,
  SetWebhookEndpointStatusDto,
  WebhookEndpointDto,
  WebhookReplayDto,
} from './dtos/webhook.dto';
import { WebhooksService } from './webhooks.service';

/** The support console's view of a tenant's webhook endpoints (never a secret). */
@ApiTags('admin')
@ApiBearerAuth('bearer')
@ApiForbiddenResponse({ description: 'FORBIDDEN for tenants: support staff and admins only.' })
@ApiNotFoundResponse({ description: 'NOT_FOUND: no such tenant, or no such endpoint of it.' })
@Roles(...STAFF_ROLES)
@Controller('api/admin/tenants/:tenantId/webhook-endpoints')
export class AdminWebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @ApiOkResponse({ type: AdminWebhookEndpointListDto, description: 'Each endpoint with its delivery health.' })
  async list(@Param('tenantId') tenantId: string): Promise<AdminWebhookEndpointListDto> {
    return { items: await this.webhooks.adminList(tenantId) };
  }

  @Patch(':id')
  @ApiOkResponse({ type: WebhookEndpointDto })
  setStatus(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Param('tenantId') tenantId: string,
    @Param('id') id: string,
    @Body() dto: SetWebhookEndpointStatusDto,
  ): Promise<WebhookEndpointDto> {
    return this.webhooks.adminSetStatus(actorOf(user, ip), tenantId, id, dto.status);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: WebhookReplayDto })
  replay(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Param('tenantId') tenantId: string,
    @Param('id') id: string,
    @Body() dto: ReplayWebhookDto,
  ): Promise<WebhookReplayDto> {
    return this.webhooks.adminReplay(actorOf(user, ip), tenantId, id, dto.from_event_id);
  }
}
