import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { actorOf, AuthUser, ClientIp, CurrentUser } from '../auth/auth-user';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  DeliveriesQueryDto,
  ReplayWebhookDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveryListDto,
  WebhookEndpointDto,
  WebhookEndpointListDto,
  WebhookReplayDto,
  WebhookSecretDto,
  WebhookTestDto,
} from './dtos/webhook.dto';
import { WebhookEndpointOwnershipGuard } from './webhook-endpoint-ownership.guard';
import { WebhooksService } from './webhooks.service';

@ApiTags('webhooks')
@ApiBearerAuth('bearer')
@ApiNotFoundResponse({ description: "NOT_FOUND: no such endpoint (another tenant's included)." })
@Controller('api/webhook-endpoints')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedWebhookEndpointDto, description: 'The endpoint with its secret, shown only now.' })
  @ApiBadRequestResponse({
    description:
      'VALIDATION_FAILED (an unknown event type, sizes), WEBHOOK_URL_FORBIDDEN (not https in production, or an internal address)',
  })
  @ApiConflictResponse({ description: 'TOO_MANY_WEBHOOK_ENDPOINTS (WEBHOOK_ENDPOINTS_PER_TENANT)' })
  create(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Body() dto: CreateWebhookEndpointDto,
  ): Promise<CreatedWebhookEndpointDto> {
    return this.webhooks.create(user.id, dto, actorOf(user, ip));
  }

  @Get()
  @ApiOkResponse({ type: WebhookEndpointListDto })
  async list(@CurrentUser() user: AuthUser): Promise<WebhookEndpointListDto> {
    return { items: await this.webhooks.list(user.id) };
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookEndpointDto })
  get(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<WebhookEndpointDto> {
    return this.webhooks.get(user.id, id);
  }

  @Patch(':id')
  @UseGuards(WebhookEndpointOwnershipGuard)
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, WEBHOOK_URL_FORBIDDEN' })
  update(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Param('id') id: string,
    @Body() dto: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointDto> {
    return this.webhooks.update(user.id, id, dto, actorOf(user, ip));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted, with its delivery history.' })
  async remove(@CurrentUser() user: AuthUser, @ClientIp() ip: string, @Param('id') id: string): Promise<void> {
    await this.webhooks.remove(user.id, id, actorOf(user, ip));
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOkResponse({
    type: WebhookSecretDto,
    description: 'Deliveries carry both signatures (new, then old) for WEBHOOK_SECRET_OVERLAP_SECONDS.',
  })
  rotateSecret(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Param('id') id: string,
  ): Promise<WebhookSecretDto> {
    return this.webhooks.rotateSecret(user.id, id, actorOf(user, ip));
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: WebhookTestDto, description: 'A `ping` event, delivered to this endpoint only.' })
  test(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<WebhookTestDto> {
    return this.webhooks.test(user.id, id);
  }

  @Get(':id/deliveries')
  @ApiOkResponse({ type: WebhookDeliveryListDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (status, limit)' })
  async deliveries(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Query() q: DeliveriesQueryDto,
  ): Promise<WebhookDeliveryListDto> {
    return { items: await this.webhooks.deliveriesOf(user.id, id, q.status, q.limit) };
  }

  @Post(':id/replay')
  @UseGuards(WebhookEndpointOwnershipGuard)
  @HttpCode(202)
  @ApiAcceptedResponse({ type: WebhookReplayDto, description: 'The events from there are delivered again.' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (from_event_id)' })
  replay(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Param('id') id: string,
    @Body() dto: ReplayWebhookDto,
  ): Promise<WebhookReplayDto> {
    return this.webhooks.replay(user.id, id, dto.from_event_id, actorOf(user, ip));
  }
}
