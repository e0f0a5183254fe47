import {
  type CountedPost,
  countersAt,
  postCurve,
  reachedShare,
  reachOf,
  SANDBOX_REACTIONS,
  splitReactions,
} from './channel-counters';
import { channelMessageToTl } from './mtproto/tl-builders';
import { TlCodec } from './mtproto/tl-codec';
import { loadLayerSchema, publishedLayers } from './mtproto/tl-schema';
import { SandboxInvalidError, SandboxWorld } from './world';

const HOUR = 3600;
const DAY = 24 * HOUR;
const T0 = 1_800_000_000;

describe('a channel post’s counter curve', () => {
  const post: CountedPost = { date: T0, views: 1, forwards: 0, reach: 10_000 };

  it('gives the same counters for the same post and moment, and different curves to different posts', () => {
    expect(countersAt(1000000001, 5, post, T0 + 3 * HOUR)).toEqual(countersAt(1000000001, 5, post, T0 + 3 * HOUR));
    expect(postCurve(1000000001, 5)).toEqual(postCurve(1000000001, 5));
    expect(postCurve(1000000001, 5)).not.toEqual(postCurve(1000000001, 6));
  });

  it('never goes down: views, forwards and each reaction only grow with age', () => {
    for (const messageId of [1, 2, 3, 42, 999]) {
      let before = countersAt(1000000002, messageId, post, T0);
      for (let age = 0; age <= 30 * DAY; age += 15 * 60) {
        const now = countersAt(1000000002, messageId, post, T0 + age);
        expect(now.views).toBeGreaterThanOrEqual(before.views);
        expect(now.forwards).toBeGreaterThanOrEqual(before.forwards);
        for (const r of before.reactions) {
          expect(now.reactions.find((x) => x.emoticon === r.emoticon)?.count).toBeGreaterThanOrEqual(r.count);
        }
        before = now;
      }
    }
  });

  it('brings most views in the first hours and the rest over days', () => {
    for (const messageId of [1, 7, 13, 100]) {
      const curve = postCurve(1000000003, messageId);
      expect(reachedShare(curve, 0)).toBe(0);
      expect(reachedShare(curve, 6 * HOUR)).toBeGreaterThan(0.5);
      expect(reachedShare(curve, DAY)).toBeGreaterThan(0.75);
      expect(reachedShare(curve, DAY)).toBeLessThan(reachedShare(curve, 7 * DAY));
      expect(reachedShare(curve, 30 * DAY)).toBeLessThanOrEqual(1);
      // The first hour brings more than any later hour.
      const first = reachedShare(curve, HOUR);
      expect(first).toBeGreaterThan(reachedShare(curve, 25 * HOUR) - reachedShare(curve, 24 * HOUR));
    }
  });

  it('starts from the views a post was made with and keeps forwards and reactions a small share of views', () => {
    expect(countersAt(1000000004, 1, { ...post, views: 7 }, T0)).toEqual({ views: 7, forwards: 0, reactions: [] });
    const week = countersAt(1000000004, 1, post, T0 + 7 * DAY);
    const curve = postCurve(1000000004, 1);
    expect(week.views).toBe(1 + Math.floor(10_000 * reachedShare(curve, 7 * DAY)));
    expect(week.forwards).toBe(Math.floor((week.views - 1) * curve.forwardRate));
    expect(week.forwards).toBeLessThan(week.views * 0.05);
    const reactions = week.reactions.reduce((s, r) => s + r.count, 0);
    expect(reactions).toBeGreaterThan(0);
    expect(reactions).toBeLessThan(week.views * 0.06);
    expect(week.reactions.every((r) => (SANDBOX_REACTIONS as readonly string[]).includes(r.emoticon))).toBe(true);
    // Most used first.
    expect(week.reactions.map((r) => r.count)).toEqual([...week.reactions.map((r) => r.count)].sort((a, b) => b - a));
  });

  it('stays still without a reach (a channel of one subscriber, a post stored before counters moved)', () => {
    const still: CountedPost = { date: T0, views: 3, forwards: 1 };
    expect(countersAt(1000000005, 1, still, T0 + 10 * DAY)).toEqual({ views: 3, forwards: 1, reactions: [] });
    expect(reachOf(1000000005, 1, 1)).toBe(0);
    expect(reachOf(1000000005, 1, 10_000)).toBe(Math.round(10_000 * postCurve(1000000005, 1).reachFraction));
  });

  it('goes on from values set at a moment by what the curve adds after it', () => {
    const at = T0 + 2 * HOUR;
    const set: CountedPost = {
      ...post,
      counters: { at, views: 5000, forwards: 70, viewers: 0, reactions: { '👍': 9, '🤯': 2 } },
    };
    expect(countersAt(1000000006, 3, set, at)).toEqual({
      views: 5000,
      forwards: 70,
      reactions: [
        { emoticon: '👍', count: 9 },
        { emoticon: '🤯', count: 2 },
      ],
    });
    const later = T0 + 30 * HOUR;
    const free = (t: number) => countersAt(1000000006, 3, post, t);
    const after = countersAt(1000000006, 3, set, later);
    expect(after.views).toBe(5000 + free(later).views - free(at).views);
    expect(after.forwards).toBe(70 + free(later).forwards - free(at).forwards);
    expect(after.reactions.find((r) => r.emoticon === '🤯')?.count).toBe(2);
  });

  it('counts each user who opens the post once, on top of the curve and of values set', () => {
    const seen: CountedPost = { ...post, viewedBy: [1, 2] };
    expect(countersAt(1000000007, 1, seen, T0).views).toBe(3);
    const anchored: CountedPost = {
      ...seen,
      counters: { at: T0, views: 100, forwards: 0, viewers: 2, reactions: {} },
      viewedBy: [1, 2, 3],
    };
    expect(countersAt(1000000007, 1, anchored, T0).views).toBe(101);
  });

  it('splits a total of reactions over the post’s mix, adding up exactly', () => {
    for (const total of [0, 1, 2, 3, 10, 99, 1234]) {
      const split = splitReactions(1000000008, 4, total);
      expect(Object.values(split).reduce((s, n) => s + n, 0)).toBe(total);
      expect(Object.keys(split).every((e) => (SANDBOX_REACTIONS as readonly string[]).includes(e))).toBe(true);
    }
  });
});

describe('channel counters in the world', () => {
  let clock = T0 * 1000;
  let world: SandboxWorld;
  beforeEach(() => {
    clock = T0 * 1000;
    world = new SandboxWorld({ clock: () => clock });
  });

  let owners = 0;
  function channel(megagroup = false) {
    const owner = world.createUser({ phone: `15550${String(++owners).padStart(5, '0')}`, firstName: 'O' });
    return { owner, channel: world.createChannel({ title: 'C', ownerPhone: owner.phone, megagroup }) };
  }

  it('counts subscribers as the members plus the audience set, with members joining and leaving on top', () => {
    const { channel: c } = channel();
    expect(world.subscriberCount(c)).toBe(1);
    expect(world.setSubscribers(c.id, 5000)).toBe(5000);
    const bot = world.createBot({ username: 'joiner_bot' });
    world.setMember(c.id, { kind: 'bot', id: bot.id });
    expect(world.subscriberCount(c)).toBe(5001);
    world.removeMember(c.id, 'bot', bot.id);
    expect(world.subscriberCount(c)).toBe(5000);
    expect(() => world.setSubscribers(c.id, 0)).toThrow(SandboxInvalidError);
  });

  it('dates posts by the world’s clock and ages them as the clock moves', () => {
    const { channel: c } = channel();
    world.setSubscribers(c.id, 20_000);
    const m = world.postToChannel(c.id, { text: 'hello' });
    expect(m.date).toBe(T0);
    expect(world.countersOf(c, m).views).toBe(1);
    world.advanceClock(6 * HOUR);
    const sixHours = world.countersOf(c, m);
    expect(sixHours).toEqual(countersAt(c.id, m.id, m, T0 + 6 * HOUR));
    expect(sixHours.views).toBeGreaterThan(1 + (m.reach ?? 0) / 2);
    clock += 1000;
    expect(world.now()).toBe((T0 + 6 * HOUR + 1) * 1000);
    expect(world.postToChannel(c.id, { text: 'later' }).date).toBe(T0 + 6 * HOUR + 1);
    expect(() => world.advanceClock(0)).toThrow(SandboxInvalidError);
  });

  it('stands still while frozen, moves only when advanced, and never goes back when let run again', () => {
    world.freezeClock(true);
    clock += 60_000;
    expect(world.now()).toBe(T0 * 1000);
    world.advanceClock(HOUR);
    expect(world.now()).toBe((T0 + HOUR) * 1000);
    world.freezeClock(false);
    expect(world.now()).toBe((T0 + HOUR + 60) * 1000);
  });

  it('bases a post’s reach on the subscribers when it was posted', () => {
    const { channel: c } = channel();
    const early = world.postToChannel(c.id, { text: 'to nobody' });
    world.setSubscribers(c.id, 10_000);
    const late = world.postToChannel(c.id, { text: 'to many' });
    world.advanceClock(3 * DAY);
    expect(world.countersOf(c, early).views).toBe(1);
    expect(world.countersOf(c, late).views).toBeGreaterThan(1000);
  });

  it('sets counters now and lets them grow from there; a supergroup’s messages have none', () => {
    const { channel: c } = channel();
    world.setSubscribers(c.id, 10_000);
    const m = world.postToChannel(c.id, { text: 'x' });
    world.advanceClock(HOUR);
    expect(world.setCounters(c.id, m.id, { views: 50_000, forwards: 10 })).toMatchObject({
      views: 50_000,
      forwards: 10,
    });
    world.advanceClock(DAY);
    expect(world.countersOf(c, m).views).toBeGreaterThan(50_000);
    world.markViewed(c, m, 1);
    world.markViewed(c, m, 1);
    expect(m.viewedBy).toEqual([1]);
    const { channel: group } = channel(true);
    const gm = world.postToChannel(group.id, { text: 'g' });
    expect(world.countersOf(group, gm)).toEqual({ views: 0, forwards: 0, reactions: [] });
    expect(() => world.setCounters(group.id, gm.id, { views: 1 })).toThrow(SandboxInvalidError);
  });

  it.each(publishedLayers().map((l) => l.layer))(
    'layer %i writes a post with its reactions where the layer has them',
    (layer) => {
      const { channel: c } = channel();
      const m = world.postToChannel(c.id, { text: 'r' });
      const counters = world.setCounters(c.id, m.id, { views: 10, reactions: { '👍': 4, '🔥': 1 } });
      const codec = new TlCodec(loadLayerSchema(layer));
      const back = codec.decode(codec.encodeAs('Message', channelMessageToTl(c, m, counters)));
      expect(back.views).toBe(10);
      const reactions = back.reactions as { results: { reaction: unknown; count: number }[] } | undefined;
      if (!codec.schema.constructors.has('messageReactions')) {
        expect(reactions).toBeUndefined();
        return;
      }
      const thumbs = codec.schema.constructors.has('reactionEmoji') ? { _: 'reactionEmoji', emoticon: '👍' } : '👍';
      expect(reactions?.results[0]).toMatchObject({ reaction: thumbs, count: 4 });
    },
  );
});
