import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
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
import { validationFailed } from '../../common/http/input-shape';
import { actorOf, AuthUser, ClientIp, CurrentUser } from '../auth/auth-user';
import {
  MtprotoPasswordDto,
  MtprotoQrDto,
  MtprotoQrStartDto,
  MtprotoSetupDto,
  MtprotoSettingsDto,
  MtprotoSettingsPatchDto,
  MtprotoSetupResultDto,
  MtprotoStatusDto,
  MtprotoVerifyDto,
  MtprotoVerifyResultDto,
} from './dtos/user-mtproto.dto';
import { MtprotoLoginOwnershipGuard } from './mtproto-login-ownership.guard';
import { MtprotoLoginService } from './mtproto-login.service';
import { UserMtprotoService } from './user-mtproto.service';

@ApiTags('user-mtproto')
@ApiBearerAuth('bearer')
@Controller('api/user-mtproto')
export class UserMtprotoController {
  constructor(
    private readonly logins: MtprotoLoginService,
    private readonly accounts: UserMtprotoService,
  ) {}

  @Get('status')
  @ApiOkResponse({ type: MtprotoStatusDto })
  status(@CurrentUser() user: AuthUser): Promise<MtprotoStatusDto> {
    return this.accounts.status(user.id);
  }

  @Get('settings')
  @ApiOkResponse({ type: MtprotoSettingsDto })
  settings(@CurrentUser() user: AuthUser): Promise<MtprotoSettingsDto> {
    return this.accounts.settings(user.id);
  }

  @Patch('settings')
  @ApiOkResponse({ type: MtprotoSettingsDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED' })
  updateSettings(@CurrentUser() user: AuthUser, @Body() dto: MtprotoSettingsPatchDto): Promise<MtprotoSettingsDto> {
    return this.accounts.updateSettings(user.id, { receiveUpdates: dto.receive_updates });
  }

  @Post('setup')
  @HttpCode(200)
  @ApiOkResponse({ type: MtprotoSetupResultDto, description: 'The code was sent; answer it with verify.' })
  @ApiBadRequestResponse({
    description: 'VALIDATION_FAILED, API_CREDENTIALS_INVALID, PHONE_NUMBER_INVALID, TELEGRAM_REQUEST_INVALID',
  })
  @ApiTooManyRequestsResponse({ description: 'FLOOD_WAIT (retry_after)' })
  @ApiServiceUnavailableResponse({ description: 'TELEGRAM_UNAVAILABLE' })
  setup(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Body() dto: MtprotoSetupDto,
  ): Promise<MtprotoSetupResultDto> {
    return this.logins.setup(
      user.id,
      { apiId: dto.telegram_api_id, apiHash: dto.telegram_api_hash, phone: dto.telegram_phone },
      actorOf(user, ip),
    );
  }

  @Post('verify')
  @HttpCode(200)
  @ApiOkResponse({ type: MtprotoVerifyResultDto, description: 'next=password when the account has 2FA.' })
  @ApiBadRequestResponse({
    description: 'PHONE_CODE_INVALID, PHONE_CODE_EXPIRED, PASSWORD_INVALID, TELEGRAM_REQUEST_INVALID',
  })
  @ApiNotFoundResponse({ description: 'LOGIN_NOT_FOUND' })
  @ApiConflictResponse({ description: 'MTPROTO_NOT_CONFIGURED' })
  verify(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Body() dto: MtprotoVerifyDto,
  ): Promise<MtprotoVerifyResultDto> {
    // Either names the login: with neither, say which to send rather than answer that no login matches.
    if (dto.login_id === undefined && dto.phone_code_hash === undefined) {
      throw validationFailed([
        {
          field: 'login_id',
          problems: ['give login_id (or phone_code_hash), as POST /api/user-mtproto/setup answered'],
        },
      ]);
    }
    return this.logins.verify(
      user.id,
      {
        code: dto.verification_code,
        loginId: dto.login_id,
        phoneCodeHash: dto.phone_code_hash,
        password: dto.password,
      },
      actorOf(user, ip),
    );
  }

  @Post('qr')
  @HttpCode(200)
  @ApiOkResponse({ type: MtprotoQrDto })
  @ApiConflictResponse({ description: 'MTPROTO_NOT_CONFIGURED (no api_id / api_hash stored or given)' })
  startQr(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Body() dto: MtprotoQrStartDto,
  ): Promise<MtprotoQrDto> {
    const api =
      dto.telegram_api_id !== undefined || dto.telegram_api_hash !== undefined
        ? { apiId: dto.telegram_api_id ?? 0, apiHash: dto.telegram_api_hash ?? '' }
        : undefined;
    return this.logins.startQr(user.id, actorOf(user, ip), api);
  }

  @Get('qr/:login_id')
  @UseGuards(MtprotoLoginOwnershipGuard)
  @ApiOkResponse({ type: MtprotoQrDto, description: 'Poll until state is done (or password_needed).' })
  @ApiNotFoundResponse({ description: 'LOGIN_NOT_FOUND' })
  pollQr(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Param('login_id') loginId: string,
  ): Promise<MtprotoQrDto> {
    return this.logins.pollQr(user.id, loginId, actorOf(user, ip));
  }

  @Post('qr/:login_id/password')
  @UseGuards(MtprotoLoginOwnershipGuard)
  @HttpCode(200)
  @ApiOkResponse({ type: MtprotoQrDto })
  @ApiBadRequestResponse({ description: 'PASSWORD_INVALID' })
  @ApiNotFoundResponse({ description: 'LOGIN_NOT_FOUND' })
  qrPassword(
    @CurrentUser() user: AuthUser,
    @ClientIp() ip: string,
    @Param('login_id') loginId: string,
    @Body() dto: MtprotoPasswordDto,
  ): Promise<MtprotoQrDto> {
    return this.logins.qrPassword(user.id, loginId, dto.password, actorOf(user, ip));
  }

  @Post('disconnect')
  @HttpCode(200)
  @ApiOkResponse({ type: MtprotoStatusDto })
  disconnect(@CurrentUser() user: AuthUser, @ClientIp() ip: string): Promise<MtprotoStatusDto> {
    return this.accounts.disconnect(user.id, actorOf(user, ip));
  }

  @Delete('remove')
  @ApiOkResponse({ type: MtprotoStatusDto })
  remove(@CurrentUser() user: AuthUser, @ClientIp() ip: string): Promise<MtprotoStatusDto> {
    return this.accounts.remove(user.id, actorOf(user, ip));
  }
}
