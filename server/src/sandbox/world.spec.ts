import {
  ID_BLOCKS,
  type MemberChangedEvent,
  type MessagesPinnedEvent,
  PRIVACY_KEY_FORWARDS,
  SandboxConflictError,
  SandboxInvalidError,
  SandboxNotFoundError,
  SandboxWorld,
  WorldEvent,
} from './world';

describe('SandboxWorld', () => {
  let world: SandboxWorld;
  beforeEach(() => {
    world = new SandboxWorld();
  });

  it('creates users from 100000001 with positive 63-bit access hashes and finds them by any phone form', () => {
    const a = world.createUser({ phone: '+1 (555) 000-1111', firstName: 'Ann', username: 'Ann_L' });
    const b = world.createUser({ phone: '15550002222', firstName: 'Bob' });
    expect([a.id, b.id]).toEqual([100000001, 100000002]);
    expect(a.phone).toBe('15550001111');
    expect(a.accessHash > 0n && a.accessHash < 2n ** 63n).toBe(true);
    expect(world.findUserByPhone('1-555-000-1111')).toBe(a);
    expect(world.findUserByUsername('@ann_l')).toBe(a);
    expect(world.findUserById(b.id)).toBe(b);
    expect(a.lastName).toBe('');
  });

  it('refuses a duplicate phone or a taken username', () => {
    world.createUser({ phone: '15550001111', firstName: 'Ann', username: 'shared_bot' });
    expect(() => world.createUser({ phone: '+15550001111', firstName: 'Again' })).toThrow(SandboxConflictError);
    expect(() => world.createUser({ phone: '15550003333', firstName: 'C', username: 'SHARED_bot' })).toThrow(
      SandboxConflictError,
    );
    expect(() => world.createBot({ username: 'shared_bot' })).toThrow(SandboxConflictError);
    expect(() => world.createUser({ phone: '15550004444', firstName: 'D', username: 'a b' })).toThrow(
      SandboxInvalidError,
    );
  });

  it("applies Telegram's username rule to users, bots and channels: 5-32 characters, no 4-character names", () => {
    const phone = (n: number): string => `1555000${String(n).padStart(4, '0')}`;
    let n = 0;
    const user = (username: string) => () => world.createUser({ phone: phone(++n), firstName: 'U', username });
    expect(user('abcd')).toThrow(SandboxInvalidError);
    expect(user('abcde')).not.toThrow();
    expect(user('a'.repeat(32))).not.toThrow();
    for (const bad of ['b'.repeat(33), '1abcde', '_abcde', 'abcde_', 'ab__cde', 'abc-de', 'abcdé']) {
      expect(user(bad)).toThrow(SandboxInvalidError);
    }
    expect(() => world.createBot({ username: 'abot' })).toThrow(SandboxInvalidError);
    expect(() => world.createBot({ username: 'a_bot' })).not.toThrow();
    expect(() => world.createBot({ username: 'xyBOT' })).not.toThrow();
    expect(() => world.createBot({ username: 'my__bot' })).toThrow(SandboxInvalidError);
    world.createUser({ phone: phone(++n), firstName: 'Owner' });
    const owner = phone(n);
    expect(() => world.createChannel({ title: 'T', username: 'news', ownerPhone: owner })).toThrow(SandboxInvalidError);
    expect(() => world.createChannel({ title: 'T', username: 'news1', ownerPhone: owner })).not.toThrow();
    expect(() => world.createChannel({ title: 'T', username: 'news_', ownerPhone: owner })).toThrow(
      SandboxInvalidError,
    );
  });

  it('creates bots with Telegram-shaped tokens, ids from 7000000001, and usernames ending in bot', () => {
    const owner = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const bot = world.createBot({ username: 'Weather_Bot', ownerPhone: owner.phone });
    expect(bot.id).toBe(7000000001);
    expect(bot.token).toMatch(/^7000000001:[A-Za-z0-9_-]{35}$/);
    expect(bot.ownerUserId).toBe(owner.id);
    expect(world.findBotByToken(bot.token)).toBe(bot);
    expect(world.findBotByToken(`${bot.id}:${'A'.repeat(35)}`)).toBeUndefined();
    expect(world.findBotByUsername('@weather_bot')).toBe(bot);
    expect(() => world.createBot({ username: 'weather' })).toThrow(SandboxInvalidError);
    expect(() => world.createBot({ username: 'x_bot', ownerPhone: '19999999999' })).toThrow(SandboxNotFoundError);
  });

  it('issues ids from a block of its own: block b is b × 100000 further on for users, bots, channels and groups', () => {
    world.startIdsAt(37);
    const user = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const bot = world.createBot({ username: 'block_bot', ownerPhone: user.phone });
    const channel = world.createChannel({ title: 'News', ownerPhone: user.phone });
    const group = world.createBasicGroup({ title: 'Team', ownerPhone: user.phone });
    expect([user.id, bot.id, channel.id, group.id]).toEqual([103700001, 7003700001, 1003700001, 403700001]);
    expect(bot.token).toMatch(/^7003700001:/);
    expect(channel.botApiId).toBe(-1001003700001);
    // A counter never goes down, and the last block keeps bot and channel ids at 10 digits.
    world.startIdsAt(0);
    expect(world.createBot({ username: 'next_bot' }).id).toBe(7003700002);
    world.startIdsAt(ID_BLOCKS - 1);
    expect(world.createBot({ username: 'last_bot' }).id).toBe(9999900001);
    expect(world.createChannel({ title: 'Last', ownerPhone: user.phone }).id).toBe(3999900001);
    for (const bad of [-1, ID_BLOCKS, 1.5]) expect(() => world.startIdsAt(bad)).toThrow(RangeError);
  });

  it('creates channels with the creator as admin, found by channel_id, Bot API id or username', () => {
    world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const channel = world.createChannel({ title: 'News', username: 'newsroom', ownerPhone: '15550001111' });
    expect(channel.id).toBe(1000000001);
    expect(channel.botApiId).toBe(-1001000000001);
    expect(world.findChannel(channel.id)).toBe(channel);
    expect(world.findChannel(-1001000000001)).toBe(channel);
    expect(world.findChannel('-1001000000001')).toBe(channel);
    expect(world.findChannel('@NewsRoom')).toBe(channel);
    expect(world.findChannel('newsroom')).toBe(channel);
    expect(world.findChannel(-5)).toBeUndefined();
    const creator = [...channel.members.values()][0];
    expect(creator).toMatchObject({ kind: 'user', admin: true, canPostMessages: true, creator: true });
  });

  it('emits MemberChanged with the old member on promote, demote and removal', () => {
    const owner = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const channel = world.createChannel({ title: 'News', ownerPhone: owner.phone });
    const bot = world.createBot({ username: 'poster_bot' });
    const events: MemberChangedEvent[] = [];
    world.on(WorldEvent.MemberChanged, (e: MemberChangedEvent) => events.push(e));

    world.setMember(channel.id, { kind: 'bot', id: bot.id, admin: true });
    world.setMember(channel.botApiId, { kind: 'bot', id: bot.id, admin: false });
    world.removeMember(channel.id, 'bot', bot.id);

    expect(events.map((e) => [e.old?.admin, e.member.admin, e.member.canPostMessages, e.left])).toEqual([
      [undefined, true, true, false],
      [true, false, false, false],
      [false, false, false, true],
    ]);
    expect(events.every((e) => e.actorUserId === owner.id)).toBe(true);
    expect(world.getMember(channel.id, 'bot', bot.id)).toBeUndefined();
  });

  it('numbers channel posts from 1, counts pts for posts, edits and deletions, and emits events', () => {
    world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const channel = world.createChannel({ title: 'News', ownerPhone: '15550001111' });
    const seen: string[] = [];
    world.on(WorldEvent.ChannelMessage, () => seen.push('new'));
    world.on(WorldEvent.ChannelMessageEdited, () => seen.push('edited'));
    const startPts = channel.pts;
    const first = world.postToChannel(channel.id, { text: 'one', views: 10 });
    const second = world.postToChannel(channel.id, { text: 'two' });
    world.editChannelMessage(channel.id, first.id, 'uno');
    world.deleteChannelMessage(channel.id, second.id);
    expect([first.id, second.id]).toEqual([1, 2]);
    expect(first).toMatchObject({ text: 'uno', views: 10, editDate: expect.any(Number) });
    expect(second.views).toBeGreaterThanOrEqual(1);
    expect(second.deleted).toBe(true);
    expect(channel.pts - startPts).toBe(4);
    expect(seen).toEqual(['new', 'new', 'edited']);
    expect(() => world.editChannelMessage(channel.id, second.id, 'x')).toThrow(SandboxNotFoundError);
  });

  it('keeps private messages with global ids for both sides', () => {
    const a = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const bot = world.createBot({ username: 'echo_bot' });
    const m1 = world.sendPrivateMessage({ fromKind: 'user', fromId: a.id, toKind: 'bot', toId: bot.id, text: 'hi' });
    const m2 = world.sendPrivateMessage({ fromKind: 'bot', fromId: bot.id, toKind: 'user', toId: a.id, text: 'hello' });
    expect(m2.id).toBeGreaterThan(m1.id);
    expect(world.privateMessagesOf('user', a.id)).toEqual([m1, m2]);
    expect(world.privateMessagesOf('bot', bot.id)).toEqual([m1, m2]);
    expect(() =>
      world.sendPrivateMessage({ fromKind: 'user', fromId: 1, toKind: 'bot', toId: bot.id, text: 'x' }),
    ).toThrow(SandboxNotFoundError);
  });

  it('lists login codes newest first and finds them by hash', () => {
    const base = { authKeyId: 'aa', used: false, expiresAt: new Date(Date.now() + 300_000) };
    world.recordLoginCode({
      ...base,
      code: '11111',
      phone: '+1 555 000 1111',
      phoneCodeHash: 'h1',
      sentAt: new Date(),
    });
    world.recordLoginCode({ ...base, code: '22222', phone: '15550001111', phoneCodeHash: 'h2', sentAt: new Date() });
    expect(world.listCodes('15550001111').map((c) => c.code)).toEqual(['22222', '11111']);
    expect(world.findCodeByHash('h1')?.code).toBe('11111');
  });

  it('accepts a live login token once known and refuses unknown or expired ones', () => {
    const user = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const accepted: number[] = [];
    world.on(WorldEvent.LoginTokenAccepted, (e: { userId: number }) => accepted.push(e.userId));
    const live = world.createLoginToken('aa', 30);
    const expired = world.createLoginToken('bb', -1);
    expect(world.acceptLoginToken(user.id, live.token).acceptedByUserId).toBe(user.id);
    expect(accepted).toEqual([user.id]);
    expect(() => world.acceptLoginToken(user.id, expired.token)).toThrow(SandboxNotFoundError);
    expect(() => world.acceptLoginToken(user.id, Buffer.from('nope'))).toThrow(SandboxNotFoundError);
  });

  it('serves faults exactly `times` times per door and method', () => {
    world.addFault({ door: 'bot', method: 'sendMessage', error: 429, times: 2 });
    expect(world.takeFault('mtproto', 'sendMessage')).toBeUndefined();
    expect(world.takeFault('bot', 'sendmessage')).toBeUndefined();
    expect(world.takeFault('bot', 'sendMessage')).toBe(429);
    expect(world.takeFault('bot', 'sendMessage')).toBe(429);
    expect(world.takeFault('bot', 'sendMessage')).toBeUndefined();
  });

  it('resets everything but never reuses ids', () => {
    const resets: number[] = [];
    world.on(WorldEvent.Reset, () => resets.push(1));
    const before = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    world.limitsEnabled = false;
    world.addFault({ door: 'bot', method: 'getMe', error: 500, times: 1 });
    world.reset();
    expect(resets).toEqual([1]);
    expect(world.findUserByPhone('15550001111')).toBeUndefined();
    expect(world.takeFault('bot', 'getMe')).toBeUndefined();
    expect(world.limitsEnabled).toBe(true);
    expect(world.createUser({ phone: '15550001111', firstName: 'Ann' }).id).toBeGreaterThan(before.id);
  });

  it("deletes private messages from one side, or from both with revoke, and skips ids that are not the user's", () => {
    const a = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const b = world.createUser({ phone: '15550002222', firstName: 'Bob' });
    const c = world.createUser({ phone: '15550003333', firstName: 'Cy' });
    const m1 = world.sendPrivateMessage({ fromKind: 'user', fromId: a.id, toKind: 'user', toId: b.id, text: 'one' });
    const m2 = world.sendPrivateMessage({ fromKind: 'user', fromId: b.id, toKind: 'user', toId: a.id, text: 'two' });
    const m3 = world.sendPrivateMessage({
      fromKind: 'user',
      fromId: b.id,
      toKind: 'user',
      toId: c.id,
      text: 'not ann',
    });
    const events: unknown[] = [];
    world.on(WorldEvent.PrivateMessagesDeleted, (e) => events.push(e));

    expect(world.deletePrivateMessages(a.id, [m1.id, m3.id], false)).toEqual([m1.id]);
    expect(world.privateMessagesOf('user', a.id).map((m) => m.text)).toEqual(['two']);
    expect(world.privateMessagesOf('user', b.id).map((m) => m.text)).toEqual(['one', 'two', 'not ann']);
    expect(world.deletePrivateMessages(a.id, [m2.id], true)).toEqual([m2.id]);
    expect(world.privateMessagesOf('user', b.id).map((m) => m.text)).toEqual(['one', 'not ann']);
    // Already gone for Ann: nothing happens, nothing is told.
    expect(world.deletePrivateMessages(a.id, [m1.id], true)).toEqual([]);
    expect(events).toEqual([
      { deletions: [{ userId: a.id, messageIds: [m1.id] }] },
      {
        deletions: [
          { userId: a.id, messageIds: [m2.id] },
          { userId: b.id, messageIds: [m2.id] },
        ],
      },
    ]);
  });

  it('moves a read mark forward only, over what the peer wrote, and tells who read what', () => {
    const a = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const b = world.createUser({ phone: '15550002222', firstName: 'Bob' });
    const m1 = world.sendPrivateMessage({ fromKind: 'user', fromId: b.id, toKind: 'user', toId: a.id, text: 'one' });
    world.sendPrivateMessage({ fromKind: 'user', fromId: a.id, toKind: 'user', toId: b.id, text: 'mine' });
    const m3 = world.sendPrivateMessage({ fromKind: 'user', fromId: b.id, toKind: 'user', toId: a.id, text: 'two' });
    const events: unknown[] = [];
    world.on(WorldEvent.PrivateHistoryRead, (e) => events.push(e));

    expect(world.readPrivateHistory(a.id, 'user', b.id, m1.id)).toBe(m1.id);
    expect(world.readPrivateHistory(a.id, 'user', b.id, m1.id)).toBeUndefined();
    expect(world.readPrivateHistory(a.id, 'user', b.id, 0)).toBe(m3.id);
    expect(world.privateReadMark(a.id, 'user', b.id)).toBe(m3.id);
    // Bob's mark covers only what Ann wrote to him.
    expect(world.readPrivateHistory(b.id, 'user', a.id, 0)).toBeGreaterThan(0);
    expect(events).toEqual([
      { userId: a.id, peerKind: 'user', peerId: b.id, maxId: m1.id },
      { userId: a.id, peerKind: 'user', peerId: b.id, maxId: m3.id },
      { userId: b.id, peerKind: 'user', peerId: a.id, maxId: m1.id + 1 },
    ]);
  });

  it('imports only phones of registered users, renames a contact imported again, and keeps one entry per user', () => {
    const a = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const b = world.createUser({ phone: '15550002222', firstName: 'Bob' });
    const added: unknown[] = [];
    world.on(WorldEvent.ContactAdded, (e) => added.push(e));
    const found = world.importContacts(a.id, [
      { phone: '+1 555 000 9999', firstName: 'Nobody' },
      { phone: '+1 555 000 2222', firstName: 'Bobby' },
      { phone: '15550001111', firstName: 'Myself' },
    ]);
    expect(found.map((f) => [f.index, f.user.id])).toEqual([[1, b.id]]);
    world.importContacts(a.id, [{ phone: '15550002222', firstName: 'Robert', lastName: 'B' }]);
    expect(world.contactsOf(a.id)).toMatchObject([{ userId: b.id, firstName: 'Robert', lastName: 'B' }]);
    // Each found phone tells the owner's devices, a rename too.
    expect(added).toEqual([
      { ownerId: a.id, userId: b.id },
      { ownerId: a.id, userId: b.id },
    ]);
    expect(world.isContact(a.id, b.id)).toBe(true);
    expect(world.isContact(b.id, a.id)).toBe(false);
  });

  it('keeps basic groups apart from channels: members write, each message is told once, by id or Bot API id', () => {
    const a = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const b = world.createUser({ phone: '15550002222', firstName: 'Bob' });
    const stranger = world.createUser({ phone: '15550003333', firstName: 'Cy' });
    const bot = world.createBot({ username: 'group_helper_bot' });
    const group = world.createBasicGroup({
      title: 'Team',
      ownerPhone: a.phone,
      userPhones: [b.phone, a.phone],
      bots: [{ id: bot.id, admin: false }],
    });
    expect(group).toMatchObject({ userIds: [a.id, b.id], bots: [{ id: bot.id, admin: false }] });
    expect(world.findBasicGroup(-group.id)).toBe(group);
    expect(world.findChannel(-group.id)).toBeUndefined();
    const told: unknown[] = [];
    world.on(WorldEvent.BasicGroupMessage, (e) => told.push(e));
    const m = world.sendBasicGroupMessage(group.id, b.id, 'hi all');
    expect(told).toEqual([{ group, message: m }]);
    expect(() => world.sendBasicGroupMessage(group.id, stranger.id, 'let me in')).toThrow(SandboxInvalidError);
    expect(() => world.sendBasicGroupMessage(group.id + 1, a.id, 'x')).toThrow(SandboxNotFoundError);
    expect(() => world.createBasicGroup({ title: ' ', ownerPhone: a.phone })).toThrow(SandboxInvalidError);
  });

  it("tells of a new basic group once, and takes a bot's message only from a bot in it", () => {
    const a = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const inside = world.createBot({ username: 'inside_bot' });
    const outside = world.createBot({ username: 'outside_bot' });
    const created: unknown[] = [];
    world.on(WorldEvent.BasicGroupCreated, (g) => created.push(g));
    const group = world.createBasicGroup({
      title: 'Team',
      ownerPhone: a.phone,
      bots: [{ id: inside.id, admin: true }],
    });
    expect(created).toEqual([group]);
    const fromUser = world.sendBasicGroupMessage(group.id, a.id, 'first');
    const fromBot = world.sendBasicGroupBotMessage(-group.id, inside.id, 'second');
    expect(fromBot).toMatchObject({ id: fromUser.id + 1, fromBotId: inside.id, text: 'second' });
    expect(fromBot.fromUserId).toBeUndefined();
    expect(() => world.sendBasicGroupBotMessage(group.id, outside.id, 'x')).toThrow(SandboxInvalidError);
    expect(() => world.sendBasicGroupBotMessage(group.id + 1, inside.id, 'x')).toThrow(SandboxNotFoundError);
    expect(group.messages).toEqual([fromUser, fromBot]);
  });

  it('lets a user be written to by everybody, by contacts only, or by those they wrote to, per their setting', () => {
    const a = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const b = world.createUser({ phone: '15550002222', firstName: 'Bob' });
    expect(world.mayWritePrivately(a.id, b.id)).toBe(true);
    world.setMessagePrivacy(b.id, 'contacts');
    expect(world.mayWritePrivately(a.id, b.id)).toBe(false);
    world.importContacts(b.id, [{ phone: '15550001111', firstName: 'Ann' }]);
    expect(world.mayWritePrivately(a.id, b.id)).toBe(true);
    world.setMessagePrivacy(b.id, 'nobody');
    expect(world.mayWritePrivately(a.id, b.id)).toBe(false);
    world.sendPrivateMessage({ fromKind: 'user', fromId: b.id, toKind: 'user', toId: a.id, text: 'hi' });
    expect(world.mayWritePrivately(a.id, b.id)).toBe(true);
    expect(() => world.setMessagePrivacy(b.id, 'friends' as never)).toThrow(SandboxInvalidError);
  });

  it('decides a privacy key by the first rule that matches: listed users, chat members, bots, contacts, then everybody', () => {
    const a = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const b = world.createUser({ phone: '15550002222', firstName: 'Bob' });
    const c = world.createUser({ phone: '15550003333', firstName: 'Cid' });
    const bot = world.createBot({ username: 'rules_bot' });
    // Never set: everybody, and a user always passes their own rules.
    expect(world.linksForwardTo(a.id, b.id)).toBe(true);
    world.setPrivacyRules(a.id, PRIVACY_KEY_FORWARDS, [{ allow: false, who: 'all' }]);
    expect(world.linksForwardTo(a.id, b.id)).toBe(false);
    expect(world.linksForwardTo(a.id, a.id)).toBe(true);

    world.setPrivacyRules(a.id, PRIVACY_KEY_FORWARDS, [
      { allow: false, who: 'users', ids: [c.id] },
      { allow: true, who: 'contacts' },
      { allow: true, who: 'bots' },
    ]);
    expect(world.linksForwardTo(a.id, b.id)).toBe(false);
    expect(world.linksForwardTo(a.id, bot.id)).toBe(true);
    world.importContacts(a.id, [
      { phone: '15550002222', firstName: 'Bob' },
      { phone: '15550003333', firstName: 'Cid' },
    ]);
    expect(world.linksForwardTo(a.id, b.id)).toBe(true);
    // Cid is a contact too, but the rule naming him comes first.
    expect(world.linksForwardTo(a.id, c.id)).toBe(false);

    const group = world.createBasicGroup({ title: 'Friends', ownerPhone: a.phone, userPhones: [c.phone] });
    world.setPrivacyRules(a.id, PRIVACY_KEY_FORWARDS, [{ allow: true, who: 'chat_participants', ids: [group.id] }]);
    expect(world.linksForwardTo(a.id, c.id)).toBe(true);
    // No rule matches Bob: a refusal.
    expect(world.linksForwardTo(a.id, b.id)).toBe(false);
    expect(world.privacyRulesOf(a.id, PRIVACY_KEY_FORWARDS)).toEqual([
      { allow: true, who: 'chat_participants', ids: [group.id] },
    ]);
    expect(world.privacyRulesOf(b.id, 'status_timestamp')).toEqual([{ allow: true, who: 'all' }]);
    expect(() => world.setPrivacyRules(999_999, PRIVACY_KEY_FORWARDS, [])).toThrow(SandboxNotFoundError);
  });

  it("counts a newcomer's unread channel messages from when they joined, leaving out their own", () => {
    const owner = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const reader = world.createUser({ phone: '15550002222', firstName: 'Bob' });
    const group = world.createChannel({ title: 'Group', ownerPhone: owner.phone, megagroup: true });
    world.postToChannel(group.id, { text: 'before', fromUserId: owner.id });
    world.setMember(group.id, { kind: 'user', id: reader.id });
    const after = world.postToChannel(group.id, { text: 'after', fromUserId: owner.id });
    world.postToChannel(group.id, { text: 'own', fromUserId: reader.id });
    expect(world.channelUnreadCount(reader.id, group)).toBe(1);
    expect(world.readChannelHistory(reader.id, group.id, after.id)).toBe(after.id);
    expect(world.readChannelHistory(reader.id, group.id, after.id)).toBeUndefined();
    expect(world.channelUnreadCount(reader.id, group)).toBe(0);
    expect(world.channelsOfUser(reader.id).map((c) => c.id)).toEqual([group.id]);
  });

  it("pins messages once each, newest first, tells each change once and moves a channel's pts only on a change", () => {
    const owner = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const bot = world.createBot({ username: 'pin_bot' });
    const channel = world.createChannel({ title: 'News', ownerPhone: owner.phone });
    const [first, second, third] = ['a', 'b', 'c'].map((text) => world.postToChannel(channel.id, { text }));
    const told: number[][] = [];
    world.on(WorldEvent.MessagesPinned, (e: MessagesPinnedEvent) => told.push(e.messageIds));
    const chat = { kind: 'channel' as const, channel };
    const pts = channel.pts;

    expect(world.pinMessages(chat, [first!.id, third!.id, 999], true)).toEqual([first!.id, third!.id]);
    expect(world.pinMessages(chat, [first!.id], true)).toEqual([]);
    expect(channel.pts).toBe(pts + 1);
    expect(world.pinnedMessageIds(chat)).toEqual([third!.id, first!.id]);
    // A deleted message is pinned no more.
    world.deleteChannelMessage(channel.id, third!.id);
    expect(world.pinnedMessageIds(chat)).toEqual([first!.id]);
    expect(world.pinMessages(chat, [first!.id, second!.id], false)).toEqual([first!.id]);
    expect(world.pinnedMessageIds(chat)).toEqual([]);
    expect(told).toEqual([[first!.id, third!.id], [first!.id]]);

    // A private chat's pins are the chat's, whichever side wrote the message.
    const mine = world.sendPrivateMessage({
      fromKind: 'user',
      fromId: owner.id,
      toKind: 'bot',
      toId: bot.id,
      text: 'hi',
    });
    const theirs = world.sendPrivateMessage({
      fromKind: 'bot',
      fromId: bot.id,
      toKind: 'user',
      toId: owner.id,
      text: 'yo',
    });
    const dm = { kind: 'private' as const, userId: owner.id, peerKind: 'bot' as const, peerId: bot.id };
    world.pinMessages(dm, [mine.id, theirs.id], true);
    expect(world.pinnedMessageIds(dm)).toEqual([theirs.id, mine.id]);
  });

  it("counts a forward of a broadcast post as one more on its forwards, the curve going on from there; a supergroup's never", () => {
    const owner = world.createUser({ phone: '15550001111', firstName: 'Ann' });
    const channel = world.createChannel({ title: 'News', ownerPhone: owner.phone });
    world.setSubscribers(channel.id, 200_000);
    const post = world.postToChannel(channel.id, { text: 'big news' });
    world.freezeClock(true);
    world.advanceClock(6 * 3600);
    const before = world.countersOf(channel, post);
    world.countForward(channel.id, post.id);
    world.countForward(channel.id, post.id);
    expect(world.countersOf(channel, post)).toEqual({ ...before, forwards: before.forwards + 2 });
    world.advanceClock(3 * 24 * 3600);
    expect(world.countersOf(channel, post).forwards).toBeGreaterThan(before.forwards + 2);

    const group = world.createChannel({ title: 'Chat', ownerPhone: owner.phone, megagroup: true });
    const said = world.postToChannel(group.id, { text: 'hi', fromUserId: owner.id });
    world.countForward(group.id, said.id);
    expect(world.countersOf(group, said).forwards).toBe(0);
  });
});
