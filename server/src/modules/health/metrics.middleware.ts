import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    this.metrics.trackRequest(
      req,
      res,
      () => `${req.baseUrl ?? ''}${(req.route as { path?: string } | undefined)?.path ?? 'unmatched'}`,
    );
    next();
  }
}
