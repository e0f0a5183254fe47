import { botHearsService, serviceFieldsJson } from './bot-api/service-message-json';
import {
  serviceInfoJson,
  writeAdded,
  writeJoined,
  writeLeft,
  writePinned,
  writeTitleChanged,
} from './service-messages';
import { SandboxWorld } from './world';

describe('service messages (service-messages.ts)', () => {
  const world = new SandboxWorld();
  const ann = world.createUser({ phone: '15550001001', firstName: 'Ann' });
  const bob = world.createUser({ phone: '15550001002', firstName: 'Bob' });
  const bot = world.createBot({ username: 'greeter_bot' });

  it("takes a supergroup's ids from its own message sequence, after the messages before it", () => {
    const club = world.createChannel({ title: 'Club', ownerPhone: ann.phone, megagroup: true });
    const said = world.postToChannel(club.id, { text: 'hello', fromUserId: ann.id });
    world.setMember(club.id, { kind: 'user', id: bob.id });
    const joined = writeJoined(world, { kind: 'channel', channel: club }, { kind: 'user', id: bob.id });
    const left = writeLeft(world, { kind: 'channel', channel: club }, { kind: 'user', id: bob.id }, bob.id);
    expect([said.id, joined?.id, left?.id]).toEqual([1, 2, 3]);
    // Joining a public group reads as adding oneself.
    expect(joined).toMatchObject({
      text: '',
      fromUserId: bob.id,
      service: { type: 'chat_add_user', userIds: [bob.id] },
    });
    expect(left?.service).toEqual({ type: 'chat_delete_user', userId: bob.id });
    expect(club.pts).toBe(4);
  });

  it("writes no join or leave in a broadcast channel, but a new title and a pin as the channel's own posts", () => {
    const news = world.createChannel({ title: 'News', ownerPhone: ann.phone });
    const chat = { kind: 'channel' as const, channel: news };
    const post = world.postToChannel(news.id, { text: 'story' });
    expect(writeJoined(world, chat, { kind: 'user', id: bob.id }, ann.id)).toBeUndefined();
    expect(writeAdded(world, chat, { kind: 'user', id: ann.id }, [bob.id])).toBeUndefined();
    expect(writeLeft(world, chat, { kind: 'user', id: bob.id }, bob.id)).toBeUndefined();
    const titled = writeTitleChanged(world, chat, { kind: 'bot', id: bot.id }, 'Evening news');
    const pinned = writePinned(world, chat, { kind: 'user', id: ann.id }, post.id);
    expect(titled).toMatchObject({ id: 2, service: { type: 'chat_edit_title', title: 'Evening news' } });
    expect(titled?.fromUserId ?? titled?.viaBotId).toBeUndefined();
    expect(pinned).toMatchObject({ id: 3, replyToId: post.id, service: { type: 'pin_message' } });
    expect(news.messages.map((m) => m.id)).toEqual([1, 2, 3]);
  });

  it("takes a basic group's ids from the common sequence its members' messages use", () => {
    const group = world.createBasicGroup({
      title: 'Friends',
      ownerPhone: ann.phone,
      bots: [{ id: bot.id, admin: true }],
    });
    const said = world.sendBasicGroupMessage(group.id, ann.id, 'hi');
    const left = writeLeft(world, { kind: 'group', group }, { kind: 'bot', id: bot.id }, bot.id);
    expect(left).toMatchObject({ id: said.id + 1, fromBotId: bot.id, text: '', service: { type: 'chat_delete_user' } });
    expect(writeAdded(world, { kind: 'group', group }, { kind: 'user', id: ann.id }, [])).toBeUndefined();
  });

  it('names for the Bot API the bot reading among new members first, as the official server chooses', () => {
    const chat = { id: -1, type: 'supergroup' };
    const added = { type: 'chat_add_user' as const, userIds: [ann.id, bot.id] };
    const forBot = serviceFieldsJson(world, added, { megagroup: true, viewerBotId: bot.id, chat });
    expect(forBot).toEqual({
      new_chat_participant: expect.objectContaining({ id: bot.id, is_bot: true }),
      new_chat_member: expect.objectContaining({ id: bot.id, is_bot: true }),
      new_chat_members: [expect.objectContaining({ id: ann.id }), expect.objectContaining({ id: bot.id })],
    });
    const forOther = serviceFieldsJson(world, added, { megagroup: true, chat });
    expect(forOther.new_chat_member).toMatchObject({ id: ann.id, is_bot: false });
    // A pinned message gone since is an inaccessible message, its date 0.
    expect(serviceFieldsJson(world, { type: 'pin_message' }, { megagroup: true, chat, pinnedId: 7 })).toEqual({
      pinned_message: { chat, message_id: 7, date: 0 },
    });
    expect(serviceFieldsJson(world, { type: 'channel_create', title: 'x' }, { megagroup: false, chat })).toEqual({
      channel_chat_created: true,
    });
  });

  it("lets a bot hear others' service messages and, of its own, only titles, removals and pins", () => {
    expect(botHearsService({ type: 'chat_add_user', userIds: [bot.id] }, bot.id, ann.id)).toBe(true);
    expect(botHearsService({ type: 'chat_edit_title', title: 't' }, bot.id, bot.id)).toBe(true);
    expect(botHearsService({ type: 'chat_delete_user', userId: bot.id }, bot.id, bot.id)).toBe(true);
    expect(botHearsService({ type: 'pin_message' }, bot.id, bot.id)).toBe(true);
    expect(botHearsService({ type: 'chat_add_user', userIds: [ann.id] }, bot.id, bot.id)).toBe(false);
    expect(botHearsService({ type: 'channel_create', title: 't' }, bot.id, ann.id)).toBe(false);
  });

  it('lists each action for the control API with its kind', () => {
    expect(serviceInfoJson({ type: 'chat_add_user', userIds: [bob.id] }, undefined)).toEqual({
      type: 'chat_add_user',
      user_ids: [bob.id],
    });
    expect(serviceInfoJson({ type: 'pin_message' }, 4)).toEqual({ type: 'pin_message', message_id: 4 });
  });
});
