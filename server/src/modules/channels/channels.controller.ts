import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { PageQueryDto } from '../../common/http/pagination';
import { AuthUser, CurrentUser } from '../auth/auth-user';
import { ChannelOwnershipGuard } from './channel-ownership.guard';
import { ChannelsService } from './channels.service';
import { ChannelAdminService } from './channel-admin.service';
import { AdminStatusDto } from './dtos/admin-status.dto';
import { ChannelDto, ChannelPageDto, CreateChannelDto, UpdateChannelDto } from './dtos/channel.dto';

@ApiTags('channels')
@ApiBearerAuth('bearer')
@Controller('api/channels')
export class ChannelsController {
  constructor(
    private readonly channels: ChannelsService,
    private readonly channelAdmin: ChannelAdminService,
  ) {}

  @Post()
  @ApiCreatedResponse({ type: ChannelDto })
  @ApiConflictResponse({ description: 'CHANNEL_EXISTS' })
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateChannelDto): Promise<ChannelDto> {
    return this.channels.create(user.id, dto);
  }

  @Get()
  @ApiOkResponse({ type: ChannelPageDto })
  list(@CurrentUser() user: AuthUser, @Query() q: PageQueryDto): Promise<ChannelPageDto> {
    return this.channels.list(user.id, q);
  }

  /** Before `:id`, so "admin-status" is not read as a channel id. */
  @Get('admin-status')
  @ApiOkResponse({
    type: [AdminStatusDto],
    description: "Checks every channel live with the tenant's bot (getChatMember).",
  })
  adminStatusAll(@CurrentUser() user: AuthUser): Promise<AdminStatusDto[]> {
    return this.channelAdmin.checkAll(user.id);
  }

  @Post(':id/admin-status')
  @HttpCode(200)
  @UseGuards(ChannelOwnershipGuard)
  @ApiOkResponse({
    type: AdminStatusDto,
    description: 'Whether the bot is an administrator that can post, checked now.',
  })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also for another tenant's channel)" })
  adminStatus(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<AdminStatusDto> {
    return this.channelAdmin.check(user.id, id);
  }

  @Get(':id')
  @UseGuards(ChannelOwnershipGuard)
  @ApiOkResponse({ type: ChannelDto })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also for another tenant's channel)" })
  get(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<ChannelDto> {
    return this.channels.get(user.id, id);
  }

  @Patch(':id')
  @UseGuards(ChannelOwnershipGuard)
  @ApiOkResponse({ type: ChannelDto })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also for another tenant's channel)" })
  update(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() dto: UpdateChannelDto): Promise<ChannelDto> {
    return this.channels.update(user.id, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @UseGuards(ChannelOwnershipGuard)
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also for another tenant's channel)" })
  async remove(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<void> {
    await this.channels.remove(user.id, id);
  }
}
