import type { TelegramClient as MtcuteClient } from '@mtcute/node';
import { Api, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import { addBotToChannel, control, newBot, newChannel, rawBotCall, telegramFor } from './bot-helpers';
import { mtcuteClient, signInMtcute } from './mtcute-kit';
import { errorOf, type MtprotoKit, newUser, signedInClient, startMtprotoKit } from './mtproto-kit';
import { present } from '../helpers/present';

jest.setTimeout(60_000);

const HOUR = 3600;

type Channel = { id: number; channel_id: number; access_hash: string };
type Counters = { views: number; forwards: number; reactions: Record<string, number> };
type ListedMessage = Counters & { message_id: number; date: number };

describe('channel counters in the sandbox: subscribers, views, forwards and reactions (gramjs, mtcute, telegraf)', () => {
  let kit: MtprotoKit;
  let serial = 0;
  const mtcuteClients: MtcuteClient[] = [];
  const unique = (prefix: string): string => `${prefix}${Date.now() % 100000}${serial++}`;

  const inputPeer = (c: Channel, accessHash = c.access_hash): Api.InputPeerChannel =>
    new Api.InputPeerChannel({ channelId: returnBigInt(c.channel_id), accessHash: returnBigInt(accessHash) });
  const inputChannel = (c: Channel): Api.InputChannel =>
    new Api.InputChannel({ channelId: returnBigInt(c.channel_id), accessHash: returnBigInt(c.access_hash) });

  const post = async (c: Channel, text: string): Promise<number> => {
    const res = await control<{ message_id: number }>(kit.sandbox, 'POST', `/sandbox/channels/${c.id}/messages`, {
      text,
    });
    expect(res.status).toBe(200);
    return res.body.message_id;
  };

  /** What the sandbox holds for a post, read through the control API. */
  const held = async (c: Channel, messageId: number): Promise<ListedMessage> => {
    const res = await control<ListedMessage[]>(kit.sandbox, 'GET', `/sandbox/channels/${c.id}/messages`);
    return present(
      res.body.find((m) => m.message_id === messageId),
      `message ${messageId}`,
    );
  };

  const advance = async (seconds: number): Promise<void> => {
    const res = await control(kit.sandbox, 'POST', '/sandbox/clock', { advance_seconds: seconds });
    expect(res.status).toBe(200);
  };

  const views = async (client: TelegramClient, c: Channel, ids: number[], increment = false) =>
    client.invoke(new Api.messages.GetMessagesViews({ peer: inputPeer(c), id: ids, increment }));

  /** A post's reactions as gramjs reads them from history, by emoji. */
  const reactionsOf = (message: Api.Message): Record<string, number> =>
    Object.fromEntries(
      (message.reactions?.results ?? []).map((r) => [(r.reaction as Api.ReactionEmoji).emoticon, r.count]),
    );

  async function ownedChannel(subscribers?: number) {
    const owner = await newUser(kit);
    const channel = await newChannel(kit.sandbox, owner.phone, { username: unique('stats') });
    if (subscribers !== undefined) {
      const set = await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/audience`, { subscribers });
      expect(set).toEqual({ status: 200, body: { subscribers } });
    }
    return { owner, channel, client: await signedInClient(kit, owner) };
  }

  beforeAll(async () => {
    kit = await startMtprotoKit();
    // Counters follow the world's clock: standing still, reads made a moment apart agree to the view.
    expect((await control(kit.sandbox, 'POST', '/sandbox/clock', { frozen: true })).body).toMatchObject({
      frozen: true,
    });
  });

  afterAll(async () => {
    await Promise.all(mtcuteClients.map((c) => c.destroy()));
    await kit?.close();
  });

  it('counts the subscribers set for a channel, with members joining and leaving, in getFullChannel, the channel and getChatMemberCount', async () => {
    const { owner, channel, client } = await ownedChannel(1200);
    const full = await client.invoke(new Api.channels.GetFullChannel({ channel: inputChannel(channel) }));
    expect((full.fullChat as Api.ChannelFull).participantsCount).toBe(1200);
    expect((full.chats[0] as Api.Channel).participantsCount).toBe(1200);

    const bot = await newBot(kit.sandbox, owner.phone);
    await addBotToChannel(kit.sandbox, channel.id, bot.id);
    // telegraf 4.16 calls the method by its old name, which Telegram still answers to.
    expect(await telegramFor(kit.sandbox, bot.token).getChatMembersCount(channel.id)).toBe(1201);
    expect(await rawBotCall(kit.sandbox, bot.token, 'getChatMemberCount', { chat_id: channel.id })).toEqual({
      status: 200,
      body: { ok: true, result: 1201 },
    });
    const reader = await newUser(kit);
    expect(
      (await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/members`, { phone: reader.phone })).status,
    ).toBe(200);
    expect(await telegramFor(kit.sandbox, bot.token).getChatMembersCount(channel.id)).toBe(1202);
    expect(
      (await control(kit.sandbox, 'DELETE', `/sandbox/channels/${channel.id}/members/user/${reader.phone}`)).status,
    ).toBe(200);
    expect(await telegramFor(kit.sandbox, bot.token).getChatMembersCount(channel.id)).toBe(1201);

    const again = await client.invoke(new Api.channels.GetFullChannel({ channel: inputChannel(channel) }));
    expect((again.fullChat as Api.ChannelFull).participantsCount).toBe(1201);
    expect((await control(kit.sandbox, 'GET', `/sandbox/channels/${channel.id}`)).body).toMatchObject({
      subscribers: 1201,
    });
    await kit.destroy(client);
  });

  it('grows a post’s views, forwards and reactions on a decaying curve as the world’s clock moves, the same in history, getMessagesViews and the control API', async () => {
    const { channel, client } = await ownedChannel(50_000);
    const id = await post(channel, 'launch day');
    const seen: { views: number; forwards: number }[] = [];
    const steps = [0, HOUR, 23 * HOUR, HOUR, 6 * 24 * HOUR];
    for (const step of steps) {
      if (step) await advance(step);
      const expected = await held(channel, id);
      const [history] = (await client.getMessages(inputPeer(channel), { ids: [id] })) as Api.Message[];
      const answer = await views(client, channel, [id]);
      expect(answer.views[0]).toMatchObject({ views: expected.views, forwards: expected.forwards });
      expect(history?.views).toBe(expected.views);
      expect(history?.forwards).toBe(expected.forwards);
      expect(reactionsOf(present(history, 'the post'))).toEqual(expected.reactions);
      seen.push({ views: expected.views, forwards: expected.forwards });
    }
    const [atPost, oneHour, oneDay, dayAndHour, week] = seen.map((s) => s.views) as [number, ...number[]];
    expect(atPost).toBe(1);
    // Most views come in the first hours: the first hour brings more than the 25th, the first day most of a week's.
    expect(present(oneHour, '1h') - atPost).toBeGreaterThan(present(dayAndHour, '25h') - present(oneDay, '24h'));
    expect(present(oneDay, '24h') - atPost).toBeGreaterThan((present(week, '7d') - atPost) * 0.6);
    expect(present(week, '7d')).toBeLessThanOrEqual(50_000);
    // Forwards are a small share of views and only grow.
    const forwards = seen.map((s) => s.forwards);
    expect(forwards).toEqual([...forwards].sort((a, b) => a - b));
    expect(present(forwards.at(-1), 'forwards')).toBeGreaterThan(0);
    expect(present(forwards.at(-1), 'forwards')).toBeLessThan(present(week, '7d') * 0.05);

    expect(Object.keys((await held(channel, id)).reactions).length).toBeGreaterThan(0);
    // Reactions also through messages.getMessagesReactions, as updateMessageReactions.
    const updates = (await client.invoke(
      new Api.messages.GetMessagesReactions({ peer: inputPeer(channel), id: [id] }),
    )) as Api.Updates;
    const update = updates.updates[0] as Api.UpdateMessageReactions;
    expect(update.msgId).toBe(id);
    expect(
      Object.fromEntries(update.reactions.results.map((r) => [(r.reaction as Api.ReactionEmoji).emoticon, r.count])),
    ).toEqual((await held(channel, id)).reactions);
    await kit.destroy(client);
  });

  it('sets a post’s counters through the control API and goes on from them', async () => {
    const { channel, client } = await ownedChannel(8000);
    const id = await post(channel, 'set me');
    const set = await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/messages/${id}/counters`, {
      views: 10_000,
      forwards: 250,
      reactions: { '👍': 40, '🔥': 3 },
    });
    expect(set).toEqual({
      status: 200,
      body: { views: 10_000, forwards: 250, reactions: { '👍': 40, '🔥': 3 } },
    });
    expect((await views(client, channel, [id])).views[0]).toMatchObject({ views: 10_000, forwards: 250 });
    const [message] = (await client.getMessages(inputPeer(channel), { ids: [id] })) as Api.Message[];
    expect(reactionsOf(present(message, 'the post'))).toEqual({ '👍': 40, '🔥': 3 });

    await advance(2 * HOUR);
    const later = (await views(client, channel, [id])).views[0];
    expect(later?.views).toBeGreaterThan(10_000);
    expect(later?.forwards).toBeGreaterThanOrEqual(250);
    expect(later).toMatchObject({ views: (await held(channel, id)).views });

    // A total of reactions is spread over the post's usual ones; only views leaves the others as they are.
    const total = await control<Counters>(
      kit.sandbox,
      'POST',
      `/sandbox/channels/${channel.id}/messages/${id}/counters`,
      { reactions: 10 },
    );
    expect(Object.values(total.body.reactions).reduce((s, n) => s + n, 0)).toBe(10);
    const onlyViews = await control<Counters>(
      kit.sandbox,
      'POST',
      `/sandbox/channels/${channel.id}/messages/${id}/counters`,
      { views: 20_000 },
    );
    expect(onlyViews.body).toEqual({ ...total.body, views: 20_000 });
    await kit.destroy(client);
  });

  it('answers getMessagesViews in order, with empty entries for missing posts, counts a view once per user with increment, and gives Telegram’s errors', async () => {
    const { channel, client } = await ownedChannel();
    const first = await post(channel, 'one');
    const second = await post(channel, 'two');
    const answer = await views(client, channel, [second, 999, first]);
    // gramjs reads an absent flag field as null.
    expect(answer.views.map((v) => v.views ?? undefined)).toEqual([1, undefined, 1]);
    expect(answer.chats.map((c) => Number(c.id))).toEqual([channel.channel_id]);

    await views(client, channel, [first], true);
    await views(client, channel, [first], true);
    expect((await views(client, channel, [first])).views[0]?.views).toBe(2);
    const other = await newUser(kit);
    const otherClient = await signedInClient(kit, other);
    // A public channel is readable by anyone; each user's view counts once.
    expect((await views(otherClient, channel, [first], true)).views[0]?.views).toBe(3);

    expect(
      await errorOf(
        views(
          client,
          channel,
          Array.from({ length: 101 }, (_, i) => i + 1),
        ),
      ),
    ).toBe('MESSAGE_IDS_TOO_MANY');
    expect(
      (
        await views(
          client,
          channel,
          Array.from({ length: 100 }, (_, i) => i + 1),
        )
      ).views,
    ).toHaveLength(100);
    expect(await errorOf(views(client, channel, [0]))).toBe('MSG_ID_INVALID');
    expect(
      await errorOf(
        client.invoke(
          new Api.messages.GetMessagesViews({ peer: inputPeer(channel, '12345'), id: [first], increment: false }),
        ),
      ),
    ).toBe('CHANNEL_INVALID');
    const hidden = await newChannel(kit.sandbox, (await newUser(kit)).phone);
    expect(await errorOf(views(otherClient, hidden, [1]))).toBe('CHANNEL_PRIVATE');
    expect(
      await errorOf(
        client.invoke(
          new Api.channels.GetFullChannel({
            channel: new Api.InputChannel({
              channelId: returnBigInt(hidden.channel_id),
              accessHash: returnBigInt(hidden.access_hash),
            }),
          }),
        ),
      ),
    ).toBe('CHANNEL_PRIVATE');
    // A supergroup's messages carry no views.
    const group = await newChannel(kit.sandbox, (await newUser(kit)).phone, {
      username: unique('group'),
      megagroup: true,
    });
    await control(kit.sandbox, 'POST', `/sandbox/channels/${group.id}/messages`, { text: 'chat' });
    expect((await views(client, group, [1])).views[0]?.views ?? undefined).toBeUndefined();
    await kit.destroy(otherClient);
    await kit.destroy(client);
  });

  it('serves the same subscribers and counters to mtcute (a second client, layer 227)', async () => {
    const owner = await newUser(kit);
    const username = unique('mtc_stats');
    const channel = await newChannel(kit.sandbox, owner.phone, { username });
    await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/audience`, { subscribers: 3000 });
    const id = await post(channel, 'for mtcute');
    await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/messages/${id}/counters`, {
      views: 777,
      forwards: 12,
      reactions: { '❤': 5 },
    });
    await advance(HOUR);
    const expected = await held(channel, id);

    const c = mtcuteClient(kit.sandbox);
    mtcuteClients.push(c);
    await signInMtcute(kit, c, owner.phone);

    const full = await c.getFullChat(`@${username}`);
    expect(full.membersCount).toBe(3000);
    const [message] = await c.getHistory(`@${username}`, { limit: 1 });
    expect(message?.views).toBe(expected.views);
    expect(message?.forwards).toBe(expected.forwards);
    expect(message?.reactions?.reactions.map((r) => [r.emoji, r.count])).toEqual(Object.entries(expected.reactions));
    const raw = await c.call({
      _: 'messages.getMessagesViews',
      peer: await c.resolvePeer(`@${username}`),
      id: [id, 404],
      increment: false,
    });
    expect(raw.views.map((v) => [v.views, v.forwards])).toEqual([
      [expected.views, expected.forwards],
      [undefined, undefined],
    ]);
    expect(
      await errorOf(
        c.call({
          _: 'messages.getMessagesViews',
          peer: await c.resolvePeer(`@${username}`),
          id: [-1],
          increment: false,
        }),
      ),
    ).toBe('MSG_ID_INVALID');
  });

  it('refuses bad audiences, counters and clock moves with 4xx {error: {code, message}}', async () => {
    const owner = await newUser(kit);
    const channel = await newChannel(kit.sandbox, owner.phone);
    const id = await post(channel, 'x');
    const audience = (body: unknown, on: string | number = channel.id) =>
      control(kit.sandbox, 'POST', `/sandbox/channels/${on}/audience`, body);
    const counters = (body: unknown, messageId: string | number = id, on: string | number = channel.id) =>
      control(kit.sandbox, 'POST', `/sandbox/channels/${on}/messages/${messageId}/counters`, body);
    const refused = async (res: Promise<{ status: number; body: any }>, status: number, text: RegExp) => {
      const r = await res;
      expect(r.status).toBe(status);
      expect(r.body.error.code).toEqual(expect.any(String));
      expect(r.body.error.message).toMatch(text);
    };

    await refused(audience({}), 400, /subscribers is required/);
    await refused(audience({ subscribers: -1 }), 400, /subscribers must be an integer/);
    await refused(audience({ subscribers: '12' }), 400, /subscribers must be an integer/);
    await refused(audience({ subscribers: 1.5 }), 400, /subscribers must be an integer/);
    await refused(audience({ subscribers: 2 ** 31 }), 400, /at most/);
    await refused(audience({ subscribers: 0 }), 400, /at least 1/);
    await refused(audience({ subscribers: 5 }, '-1009999999999'), 404, /channel not found/);

    await refused(counters({}), 400, /at least one of views, forwards or reactions/);
    await refused(counters({ views: -1 }), 400, /views must be an integer/);
    await refused(counters({ forwards: 'many' }), 400, /forwards must be an integer/);
    await refused(counters({ reactions: [1] }), 400, /reactions must be a count or an object/);
    await refused(counters({ reactions: { '': 1 } }), 400, /one emoji/);
    await refused(counters({ reactions: { '👍': -1 } }), 400, /from 0 to/);
    await refused(counters({ views: 5 }, 999), 404, /message not found/);
    await refused(counters({ views: 5 }, 0), 400, /message_id/);
    const group = await newChannel(kit.sandbox, owner.phone, { megagroup: true });
    await control(kit.sandbox, 'POST', `/sandbox/channels/${group.id}/messages`, { text: 'g' });
    await refused(counters({ views: 5 }, 1, group.id), 400, /supergroup/);

    await refused(control(kit.sandbox, 'POST', '/sandbox/clock', {}), 400, /advance_seconds, frozen or both/);
    await refused(control(kit.sandbox, 'POST', '/sandbox/clock', { advance_seconds: 0 }), 400, /advance_seconds/);
    await refused(control(kit.sandbox, 'POST', '/sandbox/clock', { frozen: 'yes' }), 400, /frozen must be a boolean/);
    // Nothing changed.
    expect((await held(channel, id)).views).toBe(1);
  });
});
