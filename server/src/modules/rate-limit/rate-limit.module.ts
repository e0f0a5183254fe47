import { Module } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { RateLimitRedis } from './rate-limit.redis';
import { TelegramSendLimiter } from './telegram-send-limiter';
import { TenantRateLimiter } from './tenant-rate-limiter';

/** Per-tenant limits and Telegram's own, in Redis so every pod shares them; imported by both Telegram sides. */
@Module({
  providers: [Clock, RateLimitRedis, TenantRateLimiter, TelegramSendLimiter],
  exports: [Clock, TenantRateLimiter, TelegramSendLimiter],
})
export class RateLimitModule {}
