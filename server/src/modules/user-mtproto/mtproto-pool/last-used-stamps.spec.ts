import type { AppConfig } from '../../../config/app-config';
import type { CredentialsService } from '../../credentials/credentials.service';
import { MtprotoLastUsedStamps } from './last-used-stamps';

function setup(poolMax = 10) {
  const credentials = { touchMtprotoLastUsed: jest.fn(() => Promise.resolve()) };
  const config = { mtproto: { poolMax } } as unknown as AppConfig;
  const stamps = new MtprotoLastUsedStamps(config, credentials as unknown as CredentialsService);
  return { stamps, credentials };
}

describe('MtprotoLastUsedStamps', () => {
  afterEach(() => jest.useRealTimers());

  it('writes at most once a minute per tenant', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { stamps, credentials } = setup();
    await stamps.stamp('a');
    await stamps.stamp('a');
    await stamps.stamp('b');
    expect(credentials.touchMtprotoLastUsed.mock.calls).toEqual([['a'], ['b']]);
    jest.setSystemTime(1_000_000 + 60_001);
    await stamps.stamp('a');
    expect(credentials.touchMtprotoLastUsed).toHaveBeenCalledTimes(3);
  });

  it('forgets the oldest tenant past twice the pool size, which is then written again', async () => {
    const { stamps, credentials } = setup(1);
    await stamps.stamp('a');
    await stamps.stamp('b');
    await stamps.stamp('c');
    await stamps.stamp('a');
    expect(credentials.touchMtprotoLastUsed).toHaveBeenCalledTimes(4);
  });

  it('never throws: a failed write is only logged', async () => {
    const { stamps, credentials } = setup();
    credentials.touchMtprotoLastUsed.mockRejectedValueOnce(new Error('db down'));
    await expect(stamps.stamp('a')).resolves.toBeUndefined();
  });
});
