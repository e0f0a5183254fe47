import * as fs from 'node:fs';
import * as path from 'node:path';
import { DomainMetrics, errorCodeLabel } from './domain-metrics';
import type { HourlyCounters, HourlyField } from './hourly-counters';
import { MetricsService } from './metrics.service';

describe('DomainMetrics', () => {
  it('documents every metric it declares in the README, with what it means', async () => {
    const metrics = new MetricsService();
    new DomainMetrics(metrics, []);
    const names = (await metrics.registry.getMetricsAsJSON())
      .map((m) => m.name)
      .filter((n) => n.startsWith('tenantgram_'));
    expect(names.length).toBe(13);
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Metrics'), readme.indexOf('## Tenant Telegram user sessions'));
    for (const name of names) expect(section).toMatch(new RegExp(`^\\| \`${name}[{\`]`, 'm'));
  });

  it('keeps error code labels to a small set: numbers dropped, odd names folded into OTHER', () => {
    expect(errorCodeLabel('FLOOD_WAIT')).toBe('FLOOD_WAIT');
    expect(errorCodeLabel('PHONE_MIGRATE_4')).toBe('PHONE_MIGRATE');
    expect(errorCodeLabel('FILE_PART_12_MISSING')).toBe('FILE_PART_12_MISSING');
    expect(errorCodeLabel('some text from a fault')).toBe('OTHER');
    expect(errorCodeLabel('X'.repeat(200))).toBe('OTHER');
  });

  it('reports no queue figures, rather than waiting, when the queues do not answer', async () => {
    const metrics = new MetricsService();
    const silent = {
      name: 'post-send',
      getJobCounts: () => new Promise(() => undefined),
      getJobs: () => new Promise(() => undefined),
    };
    new DomainMetrics(metrics, [silent as never]);
    const text = await metrics.registry.getSingleMetricAsString('tenantgram_queue_jobs');
    expect(text).not.toContain('post-send');
  });

  it('adds each count to the hourly figures under its name: logins by outcome, flood waits with their seconds', () => {
    const added: [HourlyField, number][] = [];
    const hourly = { add: (field: HourlyField, by = 1) => added.push([field, by]), reportSessions: () => undefined };
    const m = new DomainMetrics(new MetricsService(), [], hourly as unknown as HourlyCounters);
    m.mtprotoLogin('code', 'sent_code');
    m.mtprotoLogin('qr', 'signed_in');
    m.mtprotoLogin('code', 'invalid_code');
    m.mtprotoLogin('code', 'password_needed');
    m.mtprotoError('FLOOD_WAIT', 12);
    m.botApiError('502');
    m.sessionRevoked();
    m.postsSent([Date.now(), Date.now()]);
    m.postsSent([]);
    m.postFailed();
    m.postRetried();
    m.botUpdate();
    m.webhookDelivery('delivered', 0.1);
    m.webhookDelivery('failed', 0.1);
    m.webhookDelivery('gave_up', 0.1);
    expect(added).toEqual([
      ['logins_ok', 1],
      ['logins_failed', 1],
      ['telegram_errors', 1],
      ['flood_waits', 1],
      ['flood_wait_seconds', 12],
      ['telegram_errors', 1],
      ['revocations', 1],
      ['posts_sent', 2],
      ['posts_failed', 1],
      ['posts_retried', 1],
      ['bot_updates', 1],
      ['webhook_delivered', 1],
      ['webhook_failed', 1],
      ['webhook_gave_up', 1],
    ]);
  });
});
