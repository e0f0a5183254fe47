import { reactionUpdates } from './bot-api/reactions';
import { withReactions } from './channel-counters';
import {
  MAX_REACTIONS_PER_SENDER,
  reactionAudience,
  reactionCounts,
  ReactionRefusedError,
  reactionsBy,
  setReactions,
  STANDARD_REACTIONS,
} from './reactions';
import { type MessageReactionsEvent, SandboxWorld, WorldEvent } from './world';

function world() {
  const w = new SandboxWorld();
  w.freezeClock(true);
  const ann = w.createUser({ phone: '15550001001', firstName: 'Ann' });
  const bob = w.createUser({ phone: '15550001002', firstName: 'Bob' });
  const bot = w.createBot({ username: 'rx_helper_bot' });
  const listener = w.createBot({ username: 'rx_listener_bot' });
  const group = w.createChannel({ title: 'Team', ownerPhone: ann.phone, megagroup: true });
  w.setMember(group.id, { kind: 'user', id: bob.id });
  w.setMember(group.id, { kind: 'bot', id: bot.id });
  w.setMember(group.id, { kind: 'bot', id: listener.id, admin: true });
  const message = w.postToChannel(group.id, { text: 'lunch?', fromUserId: ann.id });
  const target = { kind: 'channel' as const, channel: group, message };
  const events: MessageReactionsEvent[] = [];
  w.on(WorldEvent.MessageReactions, (e: MessageReactionsEvent) => events.push(e));
  return { w, ann, bob, bot, listener, group, message, target, events };
}

const refusal = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ReactionRefusedError) return e.code;
    throw e;
  }
  return undefined;
};

describe('reactions (world side)', () => {
  it("knows Telegram's free standard emoji, the audience's among them, and allows one reaction per sender", () => {
    expect(STANDARD_REACTIONS).toHaveLength(73);
    expect(STANDARD_REACTIONS).toEqual(expect.arrayContaining(['👍', '❤', '🔥', '🎉', '😁', '👏', '❤‍🔥', '🤷‍♀']));
    expect(new Set(STANDARD_REACTIONS).size).toBe(STANDARD_REACTIONS.length);
    expect(MAX_REACTIONS_PER_SENDER).toBe(1);
  });

  it('sets, replaces and takes back a sender’s reaction, telling the world of each change and of nothing else', () => {
    const { w, bob, target, events, message } = world();
    setReactions(w, target, { kind: 'user', id: bob.id }, ['🔥'], true);
    expect(message.reactions).toEqual([{ kind: 'user', id: bob.id, emoticon: '🔥', date: w.unixNow(), big: true }]);
    // The same reaction again (even repeated in the list) changes nothing and tells nobody.
    expect(setReactions(w, target, { kind: 'user', id: bob.id }, ['🔥', '🔥'])).toBeUndefined();
    setReactions(w, target, { kind: 'user', id: bob.id }, ['👍']);
    setReactions(w, target, { kind: 'user', id: bob.id }, []);
    expect(message.reactions).toBeUndefined();
    expect(events.map((e) => [e.old, e.now])).toEqual([
      [[], ['🔥']],
      [['🔥'], ['👍']],
      [['👍'], []],
    ]);
  });

  it('refuses an emoji outside the standard set and more than one reaction, changing nothing', () => {
    const { w, bob, target, events, message } = world();
    const bobReacts = (emoji: string[]) => () => setReactions(w, target, { kind: 'user', id: bob.id }, emoji);
    expect(refusal(bobReacts(['🦖']))).toBe('REACTION_INVALID');
    // Telegram's heart has no variation selector.
    expect(refusal(bobReacts(['❤️']))).toBe('REACTION_INVALID');
    expect(refusal(bobReacts(['👍', '🔥']))).toBe('REACTIONS_TOO_MANY');
    expect(message.reactions).toBeUndefined();
    expect(events).toEqual([]);
  });

  it('counts reactions most first; a channel post’s add to the audience’s and survive new audience counts', () => {
    const { w, ann, bob, bot, target } = world();
    setReactions(w, target, { kind: 'user', id: ann.id }, ['👍']);
    setReactions(w, target, { kind: 'user', id: bob.id }, ['🔥']);
    setReactions(w, target, { kind: 'bot', id: bot.id }, ['🔥']);
    expect(reactionCounts(w, target)).toEqual([
      { emoticon: '🔥', count: 2 },
      { emoticon: '👍', count: 1 },
    ]);
    expect(reactionsBy(target.message, 'user', ann.id)).toEqual(['👍']);

    const channel = w.createChannel({ title: 'News', ownerPhone: ann.phone });
    const post = w.postToChannel(channel.id, { text: 'out now' });
    w.setCounters(channel.id, post.id, { reactions: { '👍': 10, '🎉': 2 } });
    const onPost = { kind: 'channel' as const, channel, message: post };
    setReactions(w, onPost, { kind: 'user', id: ann.id }, ['🎉']);
    expect(reactionCounts(w, onPost)).toEqual([
      { emoticon: '👍', count: 10 },
      { emoticon: '🎉', count: 3 },
    ]);
    // New audience counts are the audience's own: the member's reaction stays on top, never counted twice.
    w.setCounters(channel.id, post.id, { views: 500 });
    expect(post.counters?.reactions).toEqual({ '👍': 10, '🎉': 2 });
    expect(w.countersOf(channel, post).reactions).toEqual([
      { emoticon: '👍', count: 10 },
      { emoticon: '🎉', count: 3 },
    ]);
    expect(withReactions({ views: 1, forwards: 0, reactions: [] }, [])).toEqual({
      views: 1,
      forwards: 0,
      reactions: [],
    });
  });

  it('tells the users of the chat: a channel’s members, a group’s, the two sides of a private chat', () => {
    const { w, ann, bob, bot, target } = world();
    expect(reactionAudience(target).sort()).toEqual([ann.id, bob.id].sort());
    const pm = w.sendPrivateMessage({ fromKind: 'user', fromId: ann.id, toKind: 'bot', toId: bot.id, text: 'hi' });
    expect(reactionAudience({ kind: 'private', message: pm })).toEqual([ann.id]);
    const dm = w.sendPrivateMessage({ fromKind: 'user', fromId: ann.id, toKind: 'user', toId: bob.id, text: 'hey' });
    w.deletePrivateMessages(bob.id, [dm.id], false);
    expect(reactionAudience({ kind: 'private', message: dm })).toEqual([ann.id]);
  });
});

describe('reactions (Bot API updates)', () => {
  it('gives a user’s change to the chat’s administrator bots as message_reaction, and a bot’s change to none', () => {
    const { w, bob, bot, listener, target } = world();
    const byBob = setReactions(w, target, { kind: 'user', id: bob.id }, ['🔥'])!;
    expect(reactionUpdates(w, byBob)).toEqual([
      {
        botId: listener.id,
        type: 'message_reaction',
        payload: expect.objectContaining({
          message_id: target.message.id,
          user: expect.objectContaining({ id: bob.id, is_bot: false }),
          old_reaction: [],
          new_reaction: [{ type: 'emoji', emoji: '🔥' }],
        }),
      },
    ]);
    const byBot = setReactions(w, target, { kind: 'bot', id: bot.id }, ['👍'])!;
    expect(reactionUpdates(w, byBot)).toEqual([]);
  });

  it('gives a channel post’s new counts to its administrator bots as message_reaction_count, whoever reacted', () => {
    const { w, ann, bot } = world();
    const channel = w.createChannel({ title: 'News', ownerPhone: ann.phone });
    w.setMember(channel.id, { kind: 'bot', id: bot.id, admin: true });
    const post = w.postToChannel(channel.id, { text: 'out now' });
    w.setCounters(channel.id, post.id, { reactions: { '👍': 7 } });
    const change = setReactions(w, { kind: 'channel', channel, message: post }, { kind: 'user', id: ann.id }, ['👍'])!;
    expect(reactionUpdates(w, change)).toEqual([
      {
        botId: bot.id,
        type: 'message_reaction_count',
        payload: {
          chat: expect.objectContaining({ id: channel.botApiId, type: 'channel' }),
          message_id: post.id,
          date: change.date,
          reactions: [{ type: { type: 'emoji', emoji: '👍' }, total_count: 8 }],
        },
      },
    ]);
  });

  it('gives a user’s reaction in a private chat with a bot to that bot', () => {
    const { w, ann, bot } = world();
    const pm = w.sendPrivateMessage({ fromKind: 'bot', fromId: bot.id, toKind: 'user', toId: ann.id, text: 'hi' });
    const change = setReactions(w, { kind: 'private', message: pm }, { kind: 'user', id: ann.id }, ['❤'])!;
    expect(reactionUpdates(w, change)).toMatchObject([
      { botId: bot.id, type: 'message_reaction', payload: { chat: { id: ann.id, type: 'private' } } },
    ]);
  });
});
