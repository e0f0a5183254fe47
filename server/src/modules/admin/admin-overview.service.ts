import { Injectable } from '@nestjs/common';
import { AuditActor } from '../audit/audit-actions';
import { HourlyCounters } from '../health/hourly-counters';
import { AdminQueuesService } from './admin-queues.service';
import { AdminReadModel } from './admin-read-model';
import { OverviewDto, OverviewHourDto } from './dtos/overview.dto';

/**
 * The platform at a glance for support: totals read live (tenants and verified integrations from
 * the read model, connected sessions from the workers' reports, queue backlogs from the queues)
 * and per-hour series from the hourly counters every process adds to.
 */
@Injectable()
export class AdminOverviewService {
  constructor(
    private readonly readModel: AdminReadModel,
    private readonly queues: AdminQueuesService,
    private readonly hourly: HourlyCounters,
  ) {}

  async overview(actor: AuditActor, hours: number, now = Date.now()): Promise<OverviewDto> {
    const [counts, connected, queues, rows] = await Promise.all([
      this.readModel.platformTotals(actor),
      this.hourly.connectedSessions(now),
      this.queues.overview(),
      this.hourly.hours(hours, now),
    ]);
    const series: OverviewHourDto[] = rows;
    return {
      generated_at: new Date(now),
      hours,
      totals: {
        ...counts,
        connected_sessions: connected,
        queue_backlog: Object.fromEntries(queues.queues.map((q) => [q.name, q.waiting])),
      },
      series,
    };
  }
}
