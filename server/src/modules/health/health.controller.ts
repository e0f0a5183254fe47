import { Controller, Get, HttpCode, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheckService,
  TypeOrmHealthIndicator,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import type { HttpReply } from '../../common/http/http-types';
import { DataSource } from 'typeorm';
import { Public } from '../../common/http/public.decorator';
import { CHECK_TIMEOUT_MS, RedisHealthIndicator } from './redis.health';

export interface DependencyStatus {
  status: 'up' | 'down';
  error?: string;
  latency_ms?: number;
}

export interface Readiness {
  status: 'ok';
  checks: { postgres: DependencyStatus; redis: DependencyStatus };
}

export interface NotReady {
  error: { code: 'DEPENDENCY_DOWN'; message: string };
  checks: Readiness['checks'];
}

const LABELS = { postgres: 'Postgres', redis: 'Redis' } as const;
type Dependency = keyof typeof LABELS;

/** Adds the round trip to an indicator's `up` result. */
async function timed<Key extends string>(
  check: () => Promise<HealthIndicatorResult<Key>>,
): Promise<HealthIndicatorResult<Key>> {
  const started = Date.now();
  const result = await check();
  for (const entry of Object.values<HealthIndicatorResult[string]>(result)) {
    if (entry.status === 'up' && entry['latency_ms'] === undefined) entry['latency_ms'] = Date.now() - started;
  }
  return result;
}

/**
 * terminus runs the checks; the API keeps its own body (`checks` by dependency,
 * and the `{error:{code,message}}` of every other error answer) rather than
 * terminus's `info`/`error`/`details`, so this maps its result.
 */
function checksOf(result: HealthCheckResult): Readiness['checks'] {
  const one = (name: Dependency): DependencyStatus => {
    const entry = result.details[name];
    if (entry?.status === 'up') return { status: 'up', latency_ms: entry['latency_ms'] as number };
    // The Redis indicator names its error; TypeOrmHealthIndicator gives at most a message (a timeout).
    const error: unknown = entry?.['error'];
    const message: unknown = entry?.['message'];
    if (typeof error === 'string') return { status: 'down', error };
    return {
      status: 'down',
      error: `${LABELS[name]} is unreachable${typeof message === 'string' ? `: ${message}` : ''}`,
    };
  };
  return { postgres: one('postgres'), redis: one('redis') };
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly typeorm: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Get('live')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The process is up.' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOkResponse({ description: 'Postgres and Redis are reachable.' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down; the body names it.' })
  async ready(@Res({ passthrough: true }) res: HttpReply): Promise<Readiness | NotReady> {
    let result: HealthCheckResult;
    try {
      result = await this.health.check([
        () =>
          timed(() => this.typeorm.pingCheck('postgres', { connection: this.dataSource, timeout: CHECK_TIMEOUT_MS })),
        () => this.redis.pingCheck('redis'),
      ]);
    } catch (err) {
      // terminus answers a failed check (or a shutdown in progress) with a 503 carrying its result.
      if (!(err instanceof ServiceUnavailableException)) throw err;
      result = err.getResponse() as HealthCheckResult;
      res.code(503);
      const checks = checksOf(result);
      const down = (Object.keys(LABELS) as Dependency[])
        .filter((n) => checks[n].status === 'down')
        .map((n) => LABELS[n]);
      return {
        error: {
          code: 'DEPENDENCY_DOWN',
          message: down.length ? `Not ready: ${down.join(' and ')} unreachable.` : 'Not ready: shutting down.',
        },
        checks,
      };
    }
    return { status: 'ok', checks: checksOf(result) };
  }
}
