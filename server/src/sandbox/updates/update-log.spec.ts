import {
  channelLog,
  emptyUpdateState,
  entriesSince,
  recordChannel,
  recordUserPts,
  recordUserSeq,
  UserUpdate,
  userBox,
} from './update-log';

const msg = (messageId: number): UserUpdate => ({ kind: 'newMessage', messageId });

describe('update log (pts, seq, bounded logs, differences)', () => {
  it('advances a user box by pts_count per update and records the pts after it', () => {
    const state = emptyUpdateState();
    const box = userBox(state, 1, 100);
    expect(recordUserPts(box, msg(1), 1, 101, 10)).toMatchObject({ pts: 1, ptsCount: 1, seq: 0 });
    expect(recordUserPts(box, { kind: 'editMessage', messageId: 1 }, 1, 102, 10)).toMatchObject({ pts: 2 });
    expect(box).toMatchObject({ pts: 2, qts: 0, seq: 0, date: 102 });
    // The same box comes back, and another user has their own.
    expect(userBox(state, 1, 200)).toBe(box);
    expect(userBox(state, 2, 200).pts).toBe(0);
  });

  it('moves seq, not pts, for updates without pts', () => {
    const box = userBox(emptyUpdateState(), 1, 100);
    recordUserPts(box, msg(1), 1, 100, 10);
    expect(recordUserSeq(box, { kind: 'channel', channelId: 5 }, 101, 10)).toMatchObject({
      pts: 1,
      ptsCount: 0,
      seq: 1,
    });
    expect(box).toMatchObject({ pts: 1, seq: 1 });
  });

  it('keeps only the newest entries of a log', () => {
    const box = userBox(emptyUpdateState(), 1, 100);
    for (let i = 1; i <= 5; i++) recordUserPts(box, msg(i), 1, 100 + i, 3);
    expect(box.log.map((e) => e.pts)).toEqual([3, 4, 5]);
    expect(box.pts).toBe(5);
  });

  it('answers empty, entries, a slice and tooLong from the log', () => {
    const box = userBox(emptyUpdateState(), 1, 100);
    for (let i = 1; i <= 5; i++) recordUserPts(box, msg(i), 1, 100 + i, 4);
    expect(entriesSince(box.log, box.pts, { pts: 5 }, 100)).toEqual({ kind: 'empty' });
    const all = entriesSince(box.log, box.pts, { pts: 2 }, 100);
    expect(all.kind === 'entries' && all.entries.map((e) => e.pts)).toEqual([3, 4, 5]);
    expect(all.kind === 'entries' && all.final).toBe(true);
    const slice = entriesSince(box.log, box.pts, { pts: 1 }, 2);
    expect(slice.kind === 'entries' && slice.entries.map((e) => e.pts)).toEqual([2, 3]);
    expect(slice.kind === 'entries' && slice.final).toBe(false);
    // Entries 1 is gone from the log (4 kept): pts 0 can no longer be caught up.
    expect(entriesSince(box.log, box.pts, { pts: 0 }, 100)).toEqual({ kind: 'tooLong' });
    expect(entriesSince(box.log, box.pts, { pts: 6 }, 100)).toEqual({ kind: 'invalid' });
    expect(entriesSince(box.log, box.pts, { pts: -1 }, 100)).toEqual({ kind: 'invalid' });
  });

  it('never splits an update that moved pts by more than the limit', () => {
    const log = channelLog(emptyUpdateState(), 7);
    recordChannel(log, { kind: 'deleteChannelMessages', messageIds: [1, 2, 3] }, 4, 3, 100, 10);
    const since = entriesSince(log.log, 4, { pts: 1 }, 1);
    expect(since.kind === 'entries' && since.entries.map((e) => e.ptsCount)).toEqual([3]);
  });

  it('returns seq-only updates at the client pts only when they are not older than its date', () => {
    const box = userBox(emptyUpdateState(), 1, 100);
    recordUserPts(box, msg(1), 1, 100, 10);
    recordUserSeq(box, { kind: 'channel', channelId: 5 }, 110, 10);
    const fresh = entriesSince(box.log, box.pts, { pts: 1, date: 105 }, 100);
    expect(fresh.kind === 'entries' && fresh.entries.map((e) => e.update.kind)).toEqual(['channel']);
    expect(entriesSince(box.log, box.pts, { pts: 1, date: 111 }, 100)).toEqual({ kind: 'empty' });
  });

  it('is plain JSON, so it can be saved with the world', () => {
    const state = emptyUpdateState();
    recordUserPts(userBox(state, 1, 100), msg(1), 1, 100, 10);
    recordChannel(channelLog(state, 9), { kind: 'newChannelMessage', messageId: 1 }, 2, 1, 100, 10);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});
