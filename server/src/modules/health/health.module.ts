import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { FastifyInstance } from 'fastify';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { MetricsModule } from './metrics.module';
import { MetricsService } from './metrics.service';
import { RedisHealthIndicator } from './redis.health';
import { RedisModule } from '../redis/redis.module';

@Module({
  // Readiness answers every probe; an outage shows in its body, not as an error log per poll.
  imports: [TerminusModule.forRoot({ logger: false }), RedisModule, MetricsModule],
  controllers: [HealthController, MetricsController],
  providers: [RedisHealthIndicator],
  exports: [MetricsModule],
})
export class HealthModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {}

  /** Every request of the app's HTTP server counted and timed under its route's pattern ("unmatched" for none). */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.addHook('onRequest', (request, reply, done) => {
      this.metrics.trackRequest(request.raw, reply.raw, () => request.routeOptions.url ?? 'unmatched');
      done();
    });
  }
}
