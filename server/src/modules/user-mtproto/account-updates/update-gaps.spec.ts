import type { AccountMessage, AccountUpdate, UpdateBatch } from './account-update-types';
import { type ChannelState, checkPts, checkQts, checkSeq, planLive } from './update-gaps';

const message = (id: number, peer: AccountMessage['peer'] = { type: 'user', id: '7' }): AccountMessage => ({
  id,
  date: 1000 + id,
  text: `m${id}`,
  out: false,
  peer,
  fromId: '7',
  editDate: null,
});

const batch = (updates: AccountUpdate[], extra: Partial<UpdateBatch> = {}): UpdateBatch => ({
  updates,
  users: [],
  channels: [],
  seq: 0,
  seqStart: 0,
  date: 0,
  ...extra,
});

const state = (channels: ChannelState[] = []) => ({
  common: { pts: 10, qts: 3, date: 500, seq: 4 },
  channels: new Map(channels.map((c) => [c.channelId, c])),
});

describe('update gaps (core.telegram.org/api/updates)', () => {
  it('applies the next pts, skips what was applied, and sees a gap', () => {
    expect(checkPts(10, 11, 1)).toBe('apply');
    expect(checkPts(10, 13, 3)).toBe('apply');
    expect(checkPts(10, 10, 1)).toBe('skip');
    expect(checkPts(10, 9, 1)).toBe('skip');
    expect(checkPts(10, 12, 1)).toBe('gap');
  });

  it('checks qts one by one and seq by its start', () => {
    expect(checkQts(3, 4)).toBe('apply');
    expect(checkQts(3, 3)).toBe('skip');
    expect(checkQts(3, 5)).toBe('gap');
    expect(checkSeq(4, 5, 5)).toBe('apply');
    expect(checkSeq(4, 5, 7)).toBe('apply');
    expect(checkSeq(4, 4, 4)).toBe('skip');
    expect(checkSeq(4, 6, 6)).toBe('gap');
    expect(checkSeq(4, 0, 0)).toBe('apply');
  });

  it('applies consecutive updates in order and moves the state with them', () => {
    const plan = planLive(
      state(),
      batch(
        [
          { kind: 'message', message: message(1), pts: 11, ptsCount: 1 },
          { kind: 'pts', pts: 12, ptsCount: 1 },
          { kind: 'delete', messageIds: [1, 2], pts: 14, ptsCount: 2 },
        ],
        { date: 600 },
      ),
    );
    expect(plan.apply.map((u) => u.kind)).toEqual(['message', 'delete']);
    expect(plan.common).toEqual({ pts: 14, qts: 3, date: 600, seq: 4 });
    expect(plan.difference).toBe(false);
  });

  it('drops an update replayed after it was applied', () => {
    const plan = planLive(state(), batch([{ kind: 'message', message: message(1), pts: 10, ptsCount: 1 }]));
    expect(plan.apply).toEqual([]);
    expect(plan.common.pts).toBe(10);
    expect(plan.difference).toBe(false);
  });

  it('stops the common box at a gap and asks for the difference, without moving the date', () => {
    const plan = planLive(
      state(),
      batch(
        [
          { kind: 'message', message: message(1), pts: 11, ptsCount: 1 },
          { kind: 'message', message: message(3), pts: 13, ptsCount: 1 },
          { kind: 'message', message: message(4), pts: 14, ptsCount: 1 },
        ],
        { date: 600 },
      ),
    );
    expect(plan.apply).toHaveLength(1);
    expect(plan.common).toEqual({ pts: 11, qts: 3, date: 500, seq: 4 });
    expect(plan.difference).toBe(true);
  });

  it('asks for the difference on a seq gap, a qts gap and updatesTooLong', () => {
    expect(planLive(state(), batch([], { seq: 7, seqStart: 7 })).difference).toBe(true);
    expect(planLive(state(), batch([{ kind: 'qts', qts: 5 }])).difference).toBe(true);
    expect(planLive(state(), batch([{ kind: 'tooLong' }])).difference).toBe(true);
    const fits = planLive(state(), batch([{ kind: 'qts', qts: 4 }], { seq: 5, seqStart: 5 }));
    expect(fits.difference).toBe(false);
    expect(fits.common).toMatchObject({ qts: 4, seq: 5 });
  });

  it('applies a contact added with its sequenced container, drops it when replayed, and leaves it to the difference at a gap', () => {
    const added: AccountUpdate = { kind: 'contact', userId: '7' };
    const next = planLive(state(), batch([added], { seq: 5, seqStart: 5, date: 600 }));
    expect(next).toMatchObject({ apply: [added], common: { seq: 5, date: 600 }, difference: false });
    expect(planLive(state(), batch([added], { seq: 4, seqStart: 4, date: 600 })).apply).toEqual([]);
    const gap = planLive(state(), batch([added], { seq: 7, seqStart: 7, date: 600 }));
    expect(gap).toMatchObject({ apply: [], common: { seq: 4 }, difference: true });
    // An answer the session heard itself is not sequenced.
    expect(planLive(state(), batch([added])).apply).toEqual([added]);
  });

  it("keeps each channel's own pts: a gap in one channel fetches that channel only", () => {
    const tracked = [
      { channelId: '100', accessHash: 'h100', pts: 20 },
      { channelId: '200', accessHash: 'h200', pts: 5 },
    ];
    const plan = planLive(
      state(tracked),
      batch([
        {
          kind: 'channelMessage',
          channelId: '100',
          message: message(21, { type: 'channel', id: '100' }),
          pts: 21,
          ptsCount: 1,
        },
        {
          kind: 'channelMessage',
          channelId: '200',
          message: message(9, { type: 'channel', id: '200' }),
          pts: 9,
          ptsCount: 1,
        },
        {
          kind: 'channelMessage',
          channelId: '200',
          message: message(10, { type: 'channel', id: '200' }),
          pts: 10,
          ptsCount: 1,
        },
        { kind: 'message', message: message(1), pts: 11, ptsCount: 1 },
      ]),
    );
    expect(plan.apply.map((u) => u.kind)).toEqual(['channelMessage', 'message']);
    expect(plan.channels).toEqual([{ channelId: '100', accessHash: 'h100', pts: 21 }]);
    expect(plan.channelGaps).toEqual(['200']);
    expect(plan.difference).toBe(false);
    expect(plan.common.pts).toBe(11);
  });

  it('starts tracking a channel at its first update when its access hash is known', () => {
    const plan = planLive(
      state(),
      batch(
        [
          {
            kind: 'channelMessage',
            channelId: '300',
            message: message(4, { type: 'channel', id: '300' }),
            pts: 4,
            ptsCount: 1,
          },
        ],
        { channels: [{ id: '300', accessHash: 'h300', megagroup: false }] },
      ),
    );
    expect(plan.apply).toHaveLength(1);
    expect(plan.channels).toEqual([{ channelId: '300', accessHash: 'h300', pts: 4 }]);
  });

  it('fetches a channel Telegram says is too long', () => {
    const plan = planLive(
      state([{ channelId: '100', accessHash: 'h', pts: 20 }]),
      batch([{ kind: 'channelTooLong', channelId: '100', pts: 40 }]),
    );
    expect(plan.channelGaps).toEqual(['100']);
    expect(plan.apply).toEqual([]);
  });
});
