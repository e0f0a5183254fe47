import type { Queue } from 'bullmq';
import type { AppConfig } from '../../config/app-config';
import type { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookDispatcher } from './webhook-dispatcher';
import type { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import type { DeliveryJob, DispatchJob } from './webhook-jobs';

/** The dispatcher's wake-up filter alone: which recordings become dispatch jobs. */
describe('webhook dispatch wake-ups', () => {
  function dispatcher(listening: Set<string>) {
    const lookups: string[] = [];
    const queued: string[] = [];
    const endpoints = {
      hasEnabled: (tenantId: string) => {
        lookups.push(tenantId);
        return Promise.resolve(listening.has(tenantId));
      },
    } as unknown as WebhookEndpointsRepository;
    const dispatchQueue = {
      add: (_name: string, data: DispatchJob) => {
        queued.push(data.tenantId);
        return Promise.resolve();
      },
    } as unknown as Queue<DispatchJob>;
    const d = new WebhookDispatcher(
      {} as AppConfig,
      endpoints,
      {} as WebhookDeliveriesRepository,
      dispatchQueue,
      {} as Queue<DeliveryJob>,
    );
    return { d, lookups, queued };
  }
  const settled = () => new Promise((resolve) => setImmediate(resolve));

  it('queues dispatch only for tenants with an enabled endpoint, looking each up once while it is known', async () => {
    const { d, lookups, queued } = dispatcher(new Set(['with']));
    for (let i = 0; i < 3; i++) {
      d.wakeIfListening('with');
      d.wakeIfListening('without');
    }
    await settled();
    expect(queued).toEqual(['with', 'with', 'with']);
    expect(lookups.sort()).toEqual(['with', 'without']);
  });

  it('looks again once the tenant’s endpoints changed in this process', async () => {
    const listening = new Set<string>();
    const { d, lookups, queued } = dispatcher(listening);
    d.wakeIfListening('t');
    await settled();
    expect(queued).toEqual([]);
    listening.add('t');
    d.forgetListening('t');
    d.wakeIfListening('t');
    await settled();
    expect(queued).toEqual(['t']);
    expect(lookups).toEqual(['t', 't']);
  });

  it('wakes a tenant listening when last looked at once while it looks again, and follows the new answer after', async () => {
    const listening = new Set(['t']);
    const { d, lookups, queued } = dispatcher(listening);
    const clock = jest.spyOn(Date, 'now');
    try {
      d.wakeIfListening('t');
      await settled();
      expect(queued).toEqual(['t']);
      listening.delete('t');
      clock.mockReturnValue(Date.now() + 60_000);
      // The answer held is stale: woken on it, and looked up again.
      d.wakeIfListening('t');
      expect(queued).toEqual(['t', 't']);
      await settled();
      expect(lookups).toEqual(['t', 't']);
      d.wakeIfListening('t');
      await settled();
      expect(queued).toEqual(['t', 't']);
    } finally {
      clock.mockRestore();
    }
  });
});
