import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public } from '../../common/http/public.decorator';
import { UserRole } from '../tenants/user.entity';
import { AuthService } from './auth.service';
import { AuthUser, ClientIp, CurrentUser } from './auth-user';
import { LoginDto, MeDto, RefreshDto, RegisterDto, TelegramWebAppLoginDto, TokenPairDto } from './dtos/auth.dto';
import { Roles } from './roles.decorator';
import type { TokenPair } from './token.service';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('register')
  @ApiCreatedResponse({ type: TokenPairDto, description: 'The tenant account is created and logged in.' })
  @ApiConflictResponse({ description: 'EMAIL_TAKEN' })
  register(@Body() dto: RegisterDto, @ClientIp() ip: string): Promise<TokenPair> {
    return this.auth.register(dto.email, dto.password, ip);
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairDto })
  @ApiUnauthorizedResponse({ description: 'INVALID_CREDENTIALS' })
  @ApiTooManyRequestsResponse({ description: 'TOO_MANY_ATTEMPTS with retry_after (seconds) and a Retry-After header.' })
  login(@Body() dto: LoginDto, @ClientIp() ip: string): Promise<TokenPair> {
    return this.auth.login(dto.email, dto.password, ip);
  }

  @Public()
  @Post('telegram-webapp')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairDto, description: 'Logged in (the tenant is created on first login).' })
  @ApiUnauthorizedResponse({ description: 'INIT_DATA_INVALID or INIT_DATA_EXPIRED' })
  telegramWebApp(@Body() dto: TelegramWebAppLoginDto, @ClientIp() ip: string): Promise<TokenPair> {
    return this.auth.loginWithTelegramWebApp(dto.init_data, ip);
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairDto, description: 'A new pair; the presented refresh token is spent.' })
  @ApiUnauthorizedResponse({
    description: 'TOKEN_INVALID (reusing a spent token signs the whole login out) or TOKEN_EXPIRED',
  })
  refresh(@Body() dto: RefreshDto, @ClientIp() ip: string): Promise<TokenPair> {
    return this.auth.refresh(dto.refresh_token, ip);
  }

  /** Public: a client whose access token expired can still sign out. */
  @Public()
  @Post('logout')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The refresh token and every token rotated from the same login are revoked.' })
  async logout(@Body() dto: RefreshDto, @ClientIp() ip: string): Promise<void> {
    await this.auth.logout(dto.refresh_token, ip);
  }
}

@ApiTags('auth')
@ApiBearerAuth('bearer')
@Controller('api/me')
export class MeController {
  constructor(private readonly auth: AuthService) {}

  /** Every role: the console shows who is signed in. */
  @Get()
  @Roles(UserRole.Tenant, UserRole.Support, UserRole.Admin)
  @ApiOkResponse({ type: MeDto })
  me(@CurrentUser() user: AuthUser): Promise<MeDto> {
    return this.auth.me(user.id);
  }
}
