import { Module } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { RateLimitRedis } from './rate-limit.redis';
import { TelegramSendLimiter } from './telegram-send-limiter';
import { TenantRateLimiter } from './tenant-rate-limiter';
import { RedisModule } from '../redis/redis.module';

/** Per-tenant limits and Telegram's own, in Redis so every pod shares them; imported by both Telegram sides. */
@Module({
  imports: [RedisModule],
  providers: [Clock, RateLimitRedis, TenantRateLimiter, TelegramSendLimiter],
  exports: [Clock, TenantRateLimiter, TelegramSendLimiter],
})
export class RateLimitModule {}
