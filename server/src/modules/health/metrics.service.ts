import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** One registry per app instance (tests start many apps in one process). */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Counts a request and its duration once its response is sent. `route` is
   * asked then: the matched route pattern, never the raw URL (ids would
   * explode label cardinality).
   */
  trackRequest(req: IncomingMessage, res: ServerResponse, route: () => string): void {
    const end = this.httpDuration.startTimer();
    res.once('finish', () => {
      const labels = { method: req.method ?? '', route: route(), status: String(res.statusCode) };
      end(labels);
      this.httpRequests.inc(labels);
    });
  }
}
