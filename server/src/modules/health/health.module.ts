import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { HttpMetricsMiddleware } from './metrics.middleware';
import { MetricsController } from './metrics.controller';
import { MetricsModule } from './metrics.module';
import { RedisHealthIndicator } from './redis.health';
import { RedisModule } from '../redis/redis.module';

@Module({
  // Readiness answers every probe; an outage shows in its body, not as an error log per poll.
  imports: [TerminusModule.forRoot({ logger: false }), RedisModule, MetricsModule],
  controllers: [HealthController, MetricsController],
  providers: [RedisHealthIndicator],
  exports: [MetricsModule],
})
export class HealthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
