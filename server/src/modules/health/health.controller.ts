import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../../common/http/public.decorator';
import { HealthService, Readiness } from './health.service';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The process is up.' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOkResponse({ description: 'Postgres and Redis are reachable.' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down; the body names it.' })
  async ready(
    @Res({ passthrough: true }) res: Response,
  ): Promise<Readiness | { error: { code: string; message: string }; checks: Readiness['checks'] }> {
    const result = await this.health.readiness();
    if (result.status === 'ok') return result;
    res.status(503);
    const down = Object.entries(result.checks)
      .filter(([, c]) => c.status === 'down')
      .map(([name]) => (name === 'postgres' ? 'Postgres' : 'Redis'));
    return {
      error: { code: 'DEPENDENCY_DOWN', message: `Not ready: ${down.join(' and ')} unreachable.` },
      checks: result.checks,
    };
  }
}
