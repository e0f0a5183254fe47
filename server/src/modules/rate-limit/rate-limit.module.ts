import { Global, Module } from '@nestjs/common';
import { RateLimitRedis } from './rate-limit.redis';
import { TelegramSendLimiter } from './telegram-send-limiter';
import { TenantRateLimiter } from './tenant-rate-limiter';

/** Per-tenant limits and Telegram's own, in Redis so every pod shares them. Global: both Telegram sides use it. */
@Global()
@Module({
  providers: [RateLimitRedis, TenantRateLimiter, TelegramSendLimiter],
  exports: [TenantRateLimiter, TelegramSendLimiter],
})
export class RateLimitModule {}
