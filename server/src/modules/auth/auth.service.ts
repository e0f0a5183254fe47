import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { AuditAction } from '../audit/audit-actions';
import { AuditService } from '../audit/audit.service';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../tenants/password';
import { User, UserRole, UserStatus } from '../tenants/user.entity';
import { normaliseEmail, UsersService } from '../tenants/users.service';
import { TenantsError, TenantsErrorCode } from '../tenants/tenants.errors';
import { AuthError, AuthErrorCode } from './auth.errors';
import { MeDto } from './dtos/auth.dto';
import { LoginThrottleService } from './login-throttle.service';
import { botIdFromToken, checkInitData } from './telegram-init-data';
import { TokenPair, TokenService } from './token.service';

const suspended = () => new AuthError(AuthErrorCode.TenantSuspended, 'This account is suspended; contact support.');

@Injectable()
export class AuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
  ) {}

  async register(email: string, password: string, ip: string): Promise<TokenPair> {
    const user = await this.users.createWithPassword(email, password, UserRole.Tenant);
    await this.audit.record({
      action: AuditAction.Registered,
      actor: { id: user.id, role: user.role, ip },
      tenantId: user.id,
      target: `user:${user.id}`,
    });
    return this.tokens.issue(user);
  }

  async login(rawEmail: string, password: string, ip: string): Promise<TokenPair> {
    const email = normaliseEmail(rawEmail);
    await this.throttle.assertAllowed(email, ip);
    const user = await this.users.findByEmail(email);
    const ok = user?.passwordHash
      ? await verifyPassword(user.passwordHash, password)
      : await verifyPassword(await DUMMY_PASSWORD_HASH, password).then(() => false);
    if (!user || !ok) {
      await this.throttle.recordFailure(email, ip);
      await this.audit.record({
        action: AuditAction.LoginFailed,
        actor: { id: user?.id ?? null, role: user?.role ?? UserRole.Tenant, ip },
        tenantId: user?.role === UserRole.Tenant ? user.id : null,
        meta: { email, reason: user ? 'wrong_password' : 'unknown_email' },
      });
      throw new AuthError(AuthErrorCode.InvalidCredentials, 'The email or password is wrong.');
    }
    await this.throttle.recordSuccess(email, ip);
    if (user.status === UserStatus.Suspended) throw suspended();
    await this.audit.record({
      action: AuditAction.LoginSucceeded,
      actor: { id: user.id, role: user.role, ip },
      tenantId: user.role === UserRole.Tenant ? user.id : null,
      meta: { method: 'password' },
    });
    return this.tokens.issue(user);
  }

  async loginWithTelegramWebApp(initData: string, ip: string): Promise<TokenPair> {
    const botToken = this.config.telegram.systemBotToken;
    if (!botToken) {
      throw new AuthError(
        AuthErrorCode.WebAppLoginUnavailable,
        'Mini App login needs the system bot: SYSTEM_BOT_TOKEN is not configured on this server.',
      );
    }
    const result = checkInitData(
      initData,
      { botToken, botId: botIdFromToken(botToken), publicKeyHex: this.config.auth.webappPublicKeyHex },
      this.config.auth.webappMaxAgeSeconds,
    );
    if (!result.ok) {
      await this.audit.record({
        action: AuditAction.LoginFailed,
        actor: { id: null, role: UserRole.Tenant, ip },
        meta: { method: 'telegram_webapp', reason: result.reason },
      });
      if (result.reason === 'expired') {
        throw new AuthError(
          AuthErrorCode.InitDataExpired,
          `The Mini App data is older than ${this.config.auth.webappMaxAgeSeconds} s; reopen the Mini App and try again.`,
        );
      }
      throw new AuthError(
        AuthErrorCode.InitDataInvalid,
        result.reason === 'malformed'
          ? 'init_data is not valid Mini App data (it needs auth_date and user); send Telegram.WebApp.initData unchanged.'
          : 'init_data is not signed by Telegram for this bot; send Telegram.WebApp.initData unchanged.',
      );
    }
    const { user, created } = await this.users.findOrCreateByTelegramId(result.user.id);
    if (user.status === UserStatus.Suspended) throw suspended();
    if (user.role !== UserRole.Tenant) {
      throw new AuthError(AuthErrorCode.Forbidden, 'Staff accounts log in with email and password.');
    }
    await this.audit.record({
      action: created ? AuditAction.Registered : AuditAction.TelegramLogin,
      actor: { id: user.id, role: user.role, ip },
      tenantId: user.id,
      meta: { method: 'telegram_webapp', telegram_user_id: result.user.id },
    });
    return this.tokens.issue(user);
  }

  async refresh(token: string, ip: string): Promise<TokenPair> {
    const outcome = await this.tokens.rotate(token);
    if (outcome.kind === 'reused') {
      const owner = await this.users.findById(outcome.userId);
      await this.audit.record({
        action: AuditAction.RefreshReuse,
        actor: { id: outcome.userId, role: owner?.role ?? UserRole.Tenant, ip },
        tenantId: owner?.role === UserRole.Tenant ? owner.id : null,
        meta: { family_id: outcome.familyId },
      });
    }
    if (outcome.kind !== 'rotated') throw TokenService.outcomeError(outcome.kind);
    const user = await this.users.findById(outcome.userId);
    if (!user) throw TokenService.outcomeError('invalid');
    if (user.status === UserStatus.Suspended) throw suspended();
    return this.tokens.pair(user, outcome.refreshToken);
  }

  async logout(token: string, ip: string): Promise<void> {
    const userId = await this.tokens.revokeFamilyOf(token);
    if (!userId) return;
    const owner = await this.users.findById(userId);
    await this.audit.record({
      action: AuditAction.Logout,
      actor: { id: userId, role: owner?.role ?? UserRole.Tenant, ip },
      tenantId: owner?.role === UserRole.Tenant ? owner.id : null,
    });
  }

  async me(userId: string): Promise<MeDto> {
    const user = await this.users.findById(userId);
    if (!user) throw new TenantsError(TenantsErrorCode.TenantNotFound, 'The account no longer exists.');
    return toMe(user);
  }
}

export function toMe(user: User): MeDto {
  return {
    id: user.id,
    email: user.email,
    telegram_user_id: user.telegramUserId,
    role: user.role,
    status: user.status,
    created_at: user.createdAt,
  };
}
