import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { isUuid } from '../database/tenant-db';
import { UserStatus } from '../tenants/user.entity';
import { UsersService } from '../tenants/users.service';
import { AuthError, AuthErrorCode } from './auth.errors';
import type { AuthUser } from './auth-user';
import { AccessTokenPayload, JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER } from './jwt.constants';

/**
 * Verifies the signature (HS256 only: `none` and every other algorithm are
 * refused), `iss`, `aud` and `exp`, then loads the user so that a suspension or
 * a role change applies to the very next request.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly users: UsersService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwt.secret,
      algorithms: [JWT_ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      ignoreExpiration: false,
    });
  }

  async validate(payload: AccessTokenPayload): Promise<AuthUser> {
    if (typeof payload.sub !== 'string' || !isUuid(payload.sub)) {
      throw new AuthError(AuthErrorCode.TokenInvalid, 'The access token is not valid; log in again.');
    }
    const user = await this.users.findById(payload.sub);
    if (!user)
      throw new AuthError(AuthErrorCode.TokenInvalid, 'The access token names an account that no longer exists.');
    if (user.status === UserStatus.Suspended) {
      throw new AuthError(AuthErrorCode.TenantSuspended, 'This account is suspended; contact support.');
    }
    return { id: user.id, role: user.role, email: user.email };
  }
}
