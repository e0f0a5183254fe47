import { LeaseHolder, LeaseRenewal, LeaseRenewalPool } from './lease-renewal';

const held = ['a', 'b', 'c'].map((tenantId) => ({ tenantId, lease: { tenantId, fence: 1, value: 'w|1' } }));

describe('LeaseRenewal', () => {
  it('renews every held lease in one call and closes the clients whose lease was lost', async () => {
    const lost: string[] = [];
    const pool: LeaseRenewalPool<LeaseHolder> = {
      held: () => held,
      renew: jest.fn(() => Promise.resolve(['b'])),
      leaseLost: (holder) => {
        lost.push(holder.tenantId);
        return Promise.resolve();
      },
    };
    await new LeaseRenewal(pool).renew();
    expect(pool.renew).toHaveBeenCalledWith(held.map((h) => h.lease));
    expect(lost).toEqual(['b']);
  });

  it('survives a failed round', async () => {
    const leaseLost = jest.fn(() => Promise.resolve());
    const pool: LeaseRenewalPool<LeaseHolder> = {
      held: () => held,
      renew: () => Promise.reject(new Error('redis down')),
      leaseLost,
    };
    await expect(new LeaseRenewal(pool).renew()).resolves.toBeUndefined();
    expect(leaseLost).not.toHaveBeenCalled();
  });
});
