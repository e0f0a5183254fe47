import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { InjectRedis, RedisClientName } from '../redis/redis-client-name';
import type { RedisClient } from '../redis/redis-connection';
import { AuthError, AuthErrorCode } from './auth.errors';

/**
 * Failed logins counted per email and per client IP in Redis, in a fixed
 * window that starts at the first failure. Once either count reaches its
 * limit, logins for it answer 429 with `retry_after` until the window ends,
 * whether or not the password is right. A success clears the email's count.
 */
@Injectable()
export class LoginThrottleService {
  private readonly prefix: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRedis(RedisClientName.Commands) private readonly redis: RedisClient,
  ) {
    this.prefix = `${config.redis.prefix}:auth:login-fail`;
  }

  private keys(email: string, ip: string): { email: string; ip: string } {
    // Hashed so the keyspace does not list who tried to log in.
    const digest = createHash('sha256').update(email).digest('hex');
    return { email: `${this.prefix}:email:${digest}`, ip: `${this.prefix}:ip:${ip}` };
  }

  async assertAllowed(email: string, ip: string): Promise<void> {
    const keys = this.keys(email, ip);
    const limits = this.config.auth;
    const [emailCount, ipCount] = await this.redis.mget(keys.email, keys.ip);
    const blocked: string[] = [];
    if (Number(emailCount ?? 0) >= limits.loginMaxFailuresPerEmail) blocked.push(keys.email);
    if (Number(ipCount ?? 0) >= limits.loginMaxFailuresPerIp) blocked.push(keys.ip);
    if (blocked.length === 0) return;
    const ttls = await Promise.all(blocked.map((k) => this.redis.pttl(k)));
    const retryAfter = Math.max(1, Math.ceil(Math.max(...ttls) / 1000));
    throw new AuthError(AuthErrorCode.TooManyAttempts, `Too many failed logins; try again in ${retryAfter} s.`, {
      retry_after: retryAfter,
    });
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    const keys = this.keys(email, ip);
    const window = this.config.auth.loginFailureWindowSeconds;
    await this.redis
      .multi()
      .set(keys.email, 0, 'EX', window, 'NX')
      .incr(keys.email)
      .set(keys.ip, 0, 'EX', window, 'NX')
      .incr(keys.ip)
      .exec();
  }

  async recordSuccess(email: string, ip: string): Promise<void> {
    await this.redis.del(this.keys(email, ip).email);
  }
}
