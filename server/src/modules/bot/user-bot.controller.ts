import { Body, Controller, Delete, Get, HttpCode, Post, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { AuthUser, ClientIp, CurrentUser } from '../auth/auth-user';
import { BotStatusDto, BotTestDto, SetBotTokenDto } from './dtos/user-bot.dto';
import { UserBotService } from './user-bot.service';

@ApiTags('user-bot')
@ApiBearerAuth('bearer')
@Controller('api/user-bot')
export class UserBotController {
  constructor(private readonly bots: UserBotService) {}

  @Put()
  @ApiOkResponse({ type: BotStatusDto })
  @ApiResponse({ status: 400, description: 'BOT_TOKEN_INVALID_FORMAT' })
  @ApiUnprocessableEntityResponse({ description: 'BOT_TOKEN_REJECTED' })
  @ApiResponse({ status: 503, description: 'TELEGRAM_UNAVAILABLE' })
  set(@CurrentUser() user: AuthUser, @ClientIp() ip: string, @Body() dto: SetBotTokenDto): Promise<BotStatusDto> {
    return this.bots.setToken(user.id, dto.bot_token, { id: user.id, role: user.role, ip });
  }

  @Get('status')
  @ApiOkResponse({ type: BotStatusDto })
  status(@CurrentUser() user: AuthUser): Promise<BotStatusDto> {
    return this.bots.status(user.id);
  }

  @Post('test')
  @HttpCode(200)
  @ApiOkResponse({ type: BotTestDto })
  @ApiUnprocessableEntityResponse({ description: 'BOT_TOKEN_REJECTED' })
  @ApiResponse({ status: 503, description: 'TELEGRAM_UNAVAILABLE' })
  test(@CurrentUser() user: AuthUser, @ClientIp() ip: string): Promise<BotTestDto> {
    return this.bots.test(user.id, { id: user.id, role: user.role, ip });
  }

  @Delete()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Webhook deleted, bot stopped, token wiped.' })
  async remove(@CurrentUser() user: AuthUser, @ClientIp() ip: string): Promise<void> {
    await this.bots.remove(user.id, { id: user.id, role: user.role, ip });
  }
}
