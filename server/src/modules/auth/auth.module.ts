import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AuthModuleOptions } from '@nestjs/passport';
import { AuthController, MeController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { LoginThrottleService } from './login-throttle.service';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { RolesGuard } from './roles.guard';
import { TokenService } from './token.service';
import { AuditModule } from '../audit/audit.module';
import { TenantsModule } from '../tenants/tenants.module';
import { RedisModule } from '../redis/redis.module';

/**
 * HTTP authentication. Its two global guards run on every route of the app:
 * the JWT guard (passport-jwt, unless `@Public()`), then the role guard.
 */
@Module({
  imports: [JwtModule.register({}), TenantsModule, AuditModule, RedisModule],
  controllers: [AuthController, MeController],
  providers: [
    AuthService,
    TokenService,
    RefreshTokensRepository,
    LoginThrottleService,
    JwtStrategy,
    // Per app instance: the guard authenticates with this app's strategy, never another's.
    {
      provide: AuthModuleOptions,
      useFactory: (strategy: JwtStrategy): AuthModuleOptions => ({ defaultStrategy: strategy.name, session: false }),
      inject: [JwtStrategy],
    },
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [TokenService],
})
export class AuthModule {}
