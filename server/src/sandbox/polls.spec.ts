import { castVote, closePoll, newPoll, type PollChat, PollClosings, PollError, type PollUpdatedEvent } from './polls';
import { type SandboxPoll, SandboxWorld, WorldEvent } from './world';

describe('polls', () => {
  let now: number;
  let world: SandboxWorld;
  let updates: PollUpdatedEvent[];
  let chat: (poll: SandboxPoll) => PollChat;

  beforeEach(() => {
    now = Date.UTC(2026, 0, 1);
    world = new SandboxWorld({ clock: () => now });
    updates = [];
    world.on(WorldEvent.PollUpdated, (e: PollUpdatedEvent) => updates.push(e));
    const owner = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const channel = world.createChannel({ title: 'Club', ownerPhone: owner.phone, megagroup: true });
    chat = (poll) => ({
      kind: 'channel',
      channel,
      message: world.postToChannel(channel.id, { text: '', media: poll }),
    });
  });

  const poll = (extra: Partial<SandboxPoll> = {}): SandboxPoll =>
    newPoll(
      { question: 'Q?', options: ['a', 'b', 'c'], anonymous: false, quiz: false, multipleAnswers: false, ...extra },
      world.unixNow(),
    );
  const refusal = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      if (e instanceof PollError) return e.code;
      throw e;
    }
    throw new Error('expected a refusal');
  };
  const bytes = (...options: string[]): Buffer[] => options.map((o) => Buffer.from(o));

  it('counts a vote, a changed vote and a taken-back one, telling each change once', () => {
    const p = poll({ multipleAnswers: true });
    const c = chat(p);
    castVote(world, c, 7, bytes('0', '2'));
    castVote(world, c, 7, bytes('2', '0'));
    castVote(world, c, 8, bytes('1'));
    castVote(world, c, 7, []);
    castVote(world, c, 9, []);
    expect(p.votes).toEqual([{ userId: 8, options: [1] }]);
    expect(updates.map((u) => u.vote)).toEqual([
      { userId: 7, options: [0, 2] },
      { userId: 8, options: [1] },
      { userId: 7, options: [] },
    ]);
  });

  it('refuses unknown, repeated and too many options, a second answer to a quiz and a vote in a closed poll', () => {
    const single = chat(poll());
    expect(refusal(() => castVote(world, single, 7, bytes('3')))).toBe('OPTION_INVALID');
    expect(refusal(() => castVote(world, single, 7, bytes('0', '1')))).toBe('OPTION_INVALID');
    expect(refusal(() => castVote(world, single, 7, bytes('0', '0')))).toBe('OPTION_INVALID');
    expect(refusal(() => castVote(world, single, 7, bytes('0', '1', '2', '0')))).toBe('OPTIONS_TOO_MUCH');
    const quiz = chat(poll({ quiz: true, correctOption: 1 }));
    castVote(world, quiz, 7, bytes('0'));
    expect(refusal(() => castVote(world, quiz, 7, bytes('1')))).toBe('REVOTE_NOT_ALLOWED');
    closePoll(world, single);
    expect(refusal(() => castVote(world, single, 7, bytes('0')))).toBe('MESSAGE_POLL_CLOSED');
    expect(refusal(() => closePoll(world, single))).toBe('MESSAGE_POLL_CLOSED');
  });

  describe('closing by time', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['Date'] }));
    afterEach(() => jest.useRealTimers());

    it('closes a poll when its open period is over and tells of it; one already due when the world loads, at once', () => {
      const due = poll({ closeDate: world.unixNow() - 5 });
      const dueChat = chat(due);
      const closings = new PollClosings(world);
      closings.start();
      const timed = poll({ openPeriod: 60 });
      chat(timed);
      jest.advanceTimersByTime(0);
      expect(updates.map((u) => u.poll)).toEqual([due]);
      expect(updates[0]?.chat.message).toBe(dueChat.message);
      expect(due.closed).toBe(true);

      now += 59_000;
      jest.advanceTimersByTime(59_000);
      expect(timed.closed).toBe(false);
      now += 1_000;
      jest.advanceTimersByTime(1_000);
      expect(timed.closed).toBe(true);
      expect(updates.map((u) => u.poll)).toEqual([due, timed]);
      closings.close();
    });

    it('forgets its timers when closed, and a poll stopped before its time is not closed twice', () => {
      const closings = new PollClosings(world);
      closings.start();
      const stopped = chat(poll({ openPeriod: 30 }));
      closePoll(world, stopped);
      const left = poll({ openPeriod: 30 });
      chat(left);
      closings.close();
      now += 30_000;
      jest.advanceTimersByTime(30_000);
      expect(updates).toHaveLength(1);
      expect(left.closed).toBe(false);
    });

    it("closes on the world's clock: advanced past the close date, at once; short of it, when the rest has passed", () => {
      const closings = new PollClosings(world);
      closings.start();
      const soon = poll({ openPeriod: 60 });
      chat(soon);
      const later = poll({ openPeriod: 600 });
      chat(later);

      world.advanceClock(61);
      // No timer has run: moving the clock closed the one now due, and only it.
      expect(updates.map((u) => u.poll)).toEqual([soon]);
      expect(later.closed).toBe(false);

      // The other waits for the time it has left on the world's clock (539 s), not its whole period.
      now += 538_000;
      jest.advanceTimersByTime(538_000);
      expect(later.closed).toBe(false);
      now += 1_000;
      jest.advanceTimersByTime(1_000);
      expect(later.closed).toBe(true);

      // A stopped clock holds a poll open however long the machine waits; moving it on closes the poll.
      const frozen = poll({ openPeriod: 10 });
      chat(frozen);
      world.freezeClock(true);
      now += 60_000;
      jest.advanceTimersByTime(60_000);
      expect(frozen.closed).toBe(false);
      world.advanceClock(10);
      expect(frozen.closed).toBe(true);
      expect(updates.map((u) => u.poll)).toEqual([soon, later, frozen]);
      closings.close();
    });
  });
});
