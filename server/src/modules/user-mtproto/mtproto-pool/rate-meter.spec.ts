import type { CredentialsService } from '../../credentials/credentials.service';
import type { TenantRateLimiter } from '../../rate-limit/tenant-rate-limiter';
import { MtprotoRateMeter } from './rate-meter';

function setup(creds: { rateLimitRps: number; maxConcurrentRequests: number } | null) {
  const release = jest.fn(() => Promise.resolve());
  const limiter = { acquire: jest.fn(() => Promise.resolve(release)) };
  const credentials = { get: jest.fn(() => Promise.resolve(creds)) };
  const meter = new MtprotoRateMeter(
    limiter as unknown as TenantRateLimiter,
    credentials as unknown as CredentialsService,
  );
  return { meter, limiter, release };
}

describe('MtprotoRateMeter', () => {
  it('takes an operation slot under the tenant current limits and keeps them for its meter', async () => {
    const { meter, limiter } = setup({ rateLimitRps: 9, maxConcurrentRequests: 4 });
    const holder = { tenantId: 't', limits: { rps: 1, maxConcurrent: 1 } };
    await meter.slotFor(holder);
    expect(holder.limits).toEqual({ rps: 9, maxConcurrent: 4 });
    expect(limiter.acquire).toHaveBeenCalledWith('t', { rps: 9, maxConcurrent: 4 }, { maxWaitMs: 5000 });
  });

  it('keeps the last known limits when the credentials are gone', async () => {
    const { meter, limiter } = setup(null);
    const holder = { tenantId: 't', limits: { rps: 3, maxConcurrent: 2 } };
    await meter.slotFor(holder);
    expect(limiter.acquire).toHaveBeenCalledWith('t', { rps: 3, maxConcurrent: 2 }, { maxWaitMs: 5000 });
  });

  it('meters further requests with rate tokens only, giving each token straight back', async () => {
    const { meter, limiter, release } = setup(null);
    const holder = { tenantId: 't', limits: { rps: 7, maxConcurrent: 2 } };
    await meter.meterFor(holder)();
    expect(limiter.acquire).toHaveBeenCalledWith('t', { rps: 7, maxConcurrent: 1_000_000 }, { maxWaitMs: 5000 });
    expect(release).toHaveBeenCalledTimes(1);
  });
});
