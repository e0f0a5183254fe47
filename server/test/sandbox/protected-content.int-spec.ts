import { Api } from 'telegram';
import { addBotToChannel, control, newBot, newChannel, rawBotCall } from './bot-helpers';
import {
  channelPeer,
  errorOf,
  type MtprotoKit,
  namedUser,
  pushedMessage,
  startMtprotoKit,
  watchingApp,
} from './mtproto-kit';

jest.setTimeout(120000);

type Channel = { id: number; channel_id: number; access_hash: string };

describe('sandbox: protected content (protect_content, "Restrict saving content")', () => {
  let kit: MtprotoKit;

  beforeAll(async () => {
    kit = await startMtprotoKit({ limitsEnabled: false });
  });
  afterAll(async () => {
    await kit.close();
  });

  async function join(channel: Channel, user: { phone: string }): Promise<void> {
    const res = await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/members`, { phone: user.phone });
    if (res.status !== 200) throw new Error(`not joined: ${JSON.stringify(res.body)}`);
  }

  /** A channel with its owner, a member, an admin bot, and the member's app. */
  async function setting() {
    const owner = await namedUser(kit, 'Olga');
    const member = await namedUser(kit, 'Mia');
    const channel = await newChannel(kit.sandbox, owner.phone);
    await join(channel, member);
    const bot = await newBot(kit.sandbox);
    await addBotToChannel(kit.sandbox, channel.id, bot.id);
    const other = await newChannel(kit.sandbox, owner.phone);
    await addBotToChannel(kit.sandbox, other.id, bot.id);
    const memberApp = await watchingApp(kit, member, channelPeer(channel));
    const call = (method: string, params: Record<string, unknown>) =>
      rawBotCall(kit.sandbox, bot.token, method, params);
    return { owner, member, channel, bot, other, memberApp, call };
  }

  it('protects a message a bot sends with protect_content: no forward or copy by the bot, none by a member, and apps see noforwards', async () => {
    const { member, channel, other, memberApp, call } = await setting();
    const sent = await call('sendMessage', {
      chat_id: channel.id,
      text: 'for subscribers only',
      protect_content: true,
    });
    expect(sent.body.result).toMatchObject({ text: 'for subscribers only', has_protected_content: true });
    const free = await call('sendMessage', { chat_id: channel.id, text: 'share freely' });
    expect(free.body.result.has_protected_content).toBeUndefined();
    const protectedId = sent.body.result.message_id as number;
    const freeId = free.body.result.message_id as number;

    const seen = await pushedMessage(memberApp, (m) => m.id === protectedId, 'the protected post');
    expect(seen.noforwards).toBe(true);
    const listed = (await control(kit.sandbox, 'GET', `/sandbox/channels/${channel.id}/messages`)).body as {
      message_id: number;
      protected?: boolean;
    }[];
    expect(listed.map((m) => [m.message_id, m.protected])).toEqual([
      [protectedId, true],
      [freeId, undefined],
    ]);

    const from = { chat_id: other.id, from_chat_id: channel.id };
    const forward = await call('forwardMessage', { ...from, message_id: protectedId });
    expect(forward.body).toEqual({
      ok: false,
      error_code: 400,
      description: "Bad Request: message can't be forwarded",
    });
    const copy = await call('copyMessage', { ...from, message_id: protectedId });
    expect(copy.body).toEqual({ ok: false, error_code: 400, description: "Bad Request: message can't be copied" });
    // A batch passes over what it may not forward.
    const batch = await call('forwardMessages', { ...from, message_ids: [protectedId, freeId] });
    expect(batch.body.result).toHaveLength(1);
    const only = await call('forwardMessages', { ...from, message_ids: [protectedId] });
    expect(only.body.description).toBe('Bad Request: there are no messages to forward');

    const mine = await namedUser(kit, 'Max');
    const error = await errorOf(
      memberApp.client.forwardMessages(mine.username, { messages: [protectedId], fromPeer: channelPeer(channel) }),
    );
    expect(error).toBe('CHAT_FORWARDS_RESTRICTED');
    expect(member.id).toBeGreaterThan(0);
  });

  it("restricts saving content of a whole channel by its creator's app: getChat and every message say so until it is lifted", async () => {
    const { owner, channel, other, memberApp, call } = await setting();
    const post = await call('sendMessage', { chat_id: channel.id, text: 'an ordinary post' });
    const postId = post.body.result.message_id as number;
    const ownerApp = await watchingApp(kit, owner);

    const notCreator = await errorOf(
      memberApp.client.invoke(new Api.messages.ToggleNoForwards({ peer: channelPeer(channel), enabled: true })),
    );
    expect(notCreator).toBe('CHAT_ADMIN_REQUIRED');
    const answer = await ownerApp.client.invoke(
      new Api.messages.ToggleNoForwards({ peer: channelPeer(channel), enabled: true }),
    );
    expect(answer).toBeInstanceOf(Api.Updates);
    expect(((answer as Api.Updates).chats[0] as Api.Channel).noforwards).toBe(true);
    const again = await errorOf(
      ownerApp.client.invoke(new Api.messages.ToggleNoForwards({ peer: channelPeer(channel), enabled: true })),
    );
    expect(again).toBe('CHAT_NOT_MODIFIED');

    expect((await call('getChat', { chat_id: channel.id })).body.result.has_protected_content).toBe(true);
    const forward = await call('forwardMessage', { chat_id: other.id, from_chat_id: channel.id, message_id: postId });
    expect(forward.body.description).toBe("Bad Request: message can't be forwarded");
    const newer = await call('sendMessage', { chat_id: channel.id, text: 'after the switch' });
    expect(newer.body.result.has_protected_content).toBe(true);

    await ownerApp.client.invoke(new Api.messages.ToggleNoForwards({ peer: channelPeer(channel), enabled: false }));
    expect((await call('getChat', { chat_id: channel.id })).body.result.has_protected_content).toBeUndefined();
    const allowed = await call('forwardMessage', { chat_id: other.id, from_chat_id: channel.id, message_id: postId });
    expect(allowed.body.ok).toBe(true);
  });

  it("protects a bot's private message from the user's own forwards", async () => {
    const user = await namedUser(kit, 'Ula');
    const friend = await namedUser(kit, 'Fay');
    const bot = await newBot(kit.sandbox);
    await control(kit.sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: '/start' });
    const sent = await rawBotCall(kit.sandbox, bot.token, 'sendMessage', {
      chat_id: user.id,
      text: 'your one-time code is 123456',
      protect_content: 'true',
    });
    expect(sent.body.result.has_protected_content).toBe(true);
    const app = await watchingApp(kit, user);
    const error = await errorOf(
      app.client.forwardMessages(friend.username, {
        messages: [sent.body.result.message_id as number],
        fromPeer: bot.username,
      }),
    );
    expect(error).toBe('CHAT_FORWARDS_RESTRICTED');
  });
});
