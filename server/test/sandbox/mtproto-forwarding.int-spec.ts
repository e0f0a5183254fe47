import { Api, type TelegramClient } from 'telegram';
import { CustomFile } from 'telegram/client/uploads';
import { returnBigInt } from 'telegram/Helpers';
import { eventually } from '../helpers/eventually';
import { present } from '../helpers/present';
import { mtcuteClient, signInMtcute } from './mtcute-kit';
import { addBotToChannel, control, newBot, newChannel, rawBotCall, telegramFor } from './bot-helpers';
import {
  channelPeer,
  errorOf,
  type MtprotoKit,
  namedUser,
  newUser,
  pushedMessage,
  startMtprotoKit,
  type WatchingApp,
  watchingApp,
} from './mtproto-kit';

jest.setTimeout(120000);

/** A 1×1 PNG: a real image, so the sandbox takes it as a photo. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

type Channel = { id: number; channel_id: number; access_hash: string };

type App = WatchingApp;

const randomIds = (...ids: number[]) => ids.map((n) => returnBigInt(Date.now() * 1000 + n));

/** The new messages of an `updates` answer, and the message ids it ties to each random_id. */
function sentOf(answer: Api.TypeUpdates): { messages: Api.Message[]; ids: number[]; ptsCounts: number[] } {
  if (!(answer instanceof Api.Updates)) throw new Error(`expected updates, got ${answer.className}`);
  const news = answer.updates.filter(
    (u): u is Api.UpdateNewMessage | Api.UpdateNewChannelMessage =>
      u instanceof Api.UpdateNewMessage || u instanceof Api.UpdateNewChannelMessage,
  );
  return {
    messages: news.map((u) => u.message as Api.Message),
    ids: answer.updates.filter((u): u is Api.UpdateMessageID => u instanceof Api.UpdateMessageID).map((u) => u.id),
    ptsCounts: news.map((u) => u.ptsCount),
  };
}

/**
 * gramjs's `client.forwardMessages`: its answer is typed as the messages but holds one array of them per source chat
 * (one here); flattened to the messages.
 */
async function forward(
  client: TelegramClient,
  to: Api.TypeEntityLike,
  opts: { messages: number[]; fromPeer: Api.TypeEntityLike; dropAuthor?: boolean },
): Promise<Api.Message[]> {
  return (await client.forwardMessages(to, opts)).flat();
}

describe("sandbox: members' apps forward messages over MTProto (messages.forwardMessages, real gramjs and mtcute)", () => {
  let kit: MtprotoKit;

  beforeAll(async () => {
    // Several sends to one chat per test: Telegram's pace limits are not what these tests are about.
    kit = await startMtprotoKit({ limitsEnabled: false });
  });
  afterAll(async () => {
    await kit.close();
  });

  const appOf = (user: { phone: string }, peer?: Api.TypeInputPeer): Promise<App> => watchingApp(kit, user, peer);

  async function channelPost(channel: Channel, text: string): Promise<number> {
    return (await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, { text })).body
      .message_id as number;
  }

  async function join(channel: Channel, user: { phone: string }): Promise<void> {
    const res = await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/members`, { phone: user.phone });
    if (res.status !== 200) throw new Error(`not joined: ${JSON.stringify(res.body)}`);
  }

  async function forwardsOf(app: App, channel: Channel, id: number): Promise<number | undefined> {
    const res = await app.client.invoke(
      new Api.messages.GetMessagesViews({ peer: channelPeer(channel), id: [id], increment: false }),
    );
    return res.views[0]?.forwards;
  }

  async function historyForwards(app: App, channel: Channel, id: number): Promise<number | undefined> {
    const res = (await app.client.invoke(
      new Api.messages.GetHistory({ peer: channelPeer(channel), limit: 50 }),
    )) as Api.messages.ChannelMessages;
    return (res.messages.find((m) => m.id === id) as Api.Message | undefined)?.forwards;
  }

  it("forwards a private message to another person: the answer and the receiver's app name its first author", async () => {
    const alice = await namedUser(kit, 'Alice');
    const bob = await namedUser(kit, 'Bob');
    const carol = await namedUser(kit, 'Carol');
    const aliceApp = await appOf(alice);
    const said = await aliceApp.client.sendMessage(bob.username, { message: 'meet at **noon**', parseMode: 'md' });
    const bobApp = await appOf(bob);
    const carolApp = await appOf(carol);

    const [forwarded] = await forward(bobApp.client, carol.username, {
      messages: [said.id],
      fromPeer: alice.username,
    });

    expect(forwarded?.message).toBe('meet at noon');
    expect(forwarded?.entities?.[0]).toBeInstanceOf(Api.MessageEntityBold);
    expect(forwarded?.fwdFrom?.fromId).toEqual(new Api.PeerUser({ userId: returnBigInt(alice.id) }));
    expect(forwarded?.fwdFrom?.date).toBe(said.date);
    const seen = await pushedMessage(carolApp, (m) => m.id === forwarded?.id, 'the forward pushed to Carol');
    expect(seen.message).toBe('meet at noon');
    expect(seen.fwdFrom?.fromId).toEqual(new Api.PeerUser({ userId: returnBigInt(alice.id) }));
    expect((seen.forward?.sender as Api.User | undefined)?.firstName).toBe('Alice');
    expect(seen.out).toBe(false);
  });

  it("keeps a person's account out of forwards of their messages when their forwards privacy says so, except for the people they allow", async () => {
    const alice = await namedUser(kit, 'Alice');
    const bob = await namedUser(kit, 'Bob');
    const carol = await namedUser(kit, 'Carol');
    const aliceApp = await appOf(alice);
    const said = await aliceApp.client.sendMessage(bob.username, { message: 'not for sharing' });
    const bobApp = await appOf(bob);
    const carolApp = await appOf(carol);
    const bobPeer = (await aliceApp.client.getInputEntity(bob.username)) as Api.InputPeerUser;
    const bobUser = new Api.InputUser({ userId: bobPeer.userId, accessHash: bobPeer.accessHash });

    // Nobody may link to Alice when forwarding her messages.
    const set = await aliceApp.client.invoke(
      new Api.account.SetPrivacy({
        key: new Api.InputPrivacyKeyForwards(),
        rules: [new Api.InputPrivacyValueDisallowAll()],
      }),
    );
    expect(set.rules).toEqual([new Api.PrivacyValueDisallowAll()]);
    const [hidden] = await forward(bobApp.client, carol.username, { messages: [said.id], fromPeer: alice.username });
    // gramjs reads a field its flags leave out as null.
    expect(hidden?.fwdFrom?.fromId ?? undefined).toBeUndefined();
    expect(hidden?.fwdFrom?.fromName).toBe('Alice');
    expect(hidden?.fwdFrom?.date).toBe(said.date);
    const seen = await pushedMessage(carolApp, (m) => m.id === hidden?.id, 'the hidden forward pushed to Carol');
    expect(seen.fwdFrom?.fromId ?? undefined).toBeUndefined();
    expect(seen.fwdFrom?.fromName).toBe('Alice');
    expect((await control(kit.sandbox, 'GET', `/sandbox/users/${alice.phone}/privacy`)).body).toMatchObject({
      forwards: 'nobody',
    });

    // Bob is the exception: the first rule that matches decides.
    await aliceApp.client.invoke(
      new Api.account.SetPrivacy({
        key: new Api.InputPrivacyKeyForwards(),
        rules: [new Api.InputPrivacyValueAllowUsers({ users: [bobUser] }), new Api.InputPrivacyValueDisallowAll()],
      }),
    );
    const rules = await aliceApp.client.invoke(new Api.account.GetPrivacy({ key: new Api.InputPrivacyKeyForwards() }));
    expect(rules.rules).toEqual([
      new Api.PrivacyValueAllowUsers({ users: [returnBigInt(bob.id)] }),
      new Api.PrivacyValueDisallowAll(),
    ]);
    expect(rules.users.map((u) => (u as Api.User).firstName)).toEqual(['Bob']);
    expect((await control(kit.sandbox, 'GET', `/sandbox/users/${alice.phone}/privacy`)).body).toMatchObject({
      forwards: 'custom',
    });
    const [linked] = await forward(bobApp.client, carol.username, { messages: [said.id], fromPeer: alice.username });
    expect(linked?.fwdFrom?.fromId).toEqual(new Api.PeerUser({ userId: returnBigInt(alice.id) }));
    expect(linked?.fwdFrom?.fromName ?? undefined).toBeUndefined();

    // A key the sandbox does not apply is kept and given back as set; a key that is not one is refused.
    const lastSeen = await aliceApp.client.invoke(
      new Api.account.SetPrivacy({
        key: new Api.InputPrivacyKeyStatusTimestamp(),
        rules: [new Api.InputPrivacyValueAllowContacts()],
      }),
    );
    expect(lastSeen.rules).toEqual([new Api.PrivacyValueAllowContacts()]);
    expect(
      (await aliceApp.client.invoke(new Api.account.GetPrivacy({ key: new Api.InputPrivacyKeyStatusTimestamp() })))
        .rules,
    ).toEqual([new Api.PrivacyValueAllowContacts()]);
  });

  it("names a person who forbids the link by name alone in a bot's forward (Bot API hidden_user)", async () => {
    const dora = await newUser(kit, { firstName: 'Dora' });
    const owner = await newUser(kit, { firstName: 'Olga' });
    const channel = await newChannel(kit.sandbox, owner.phone);
    const bot = await newBot(kit.sandbox);
    await addBotToChannel(kit.sandbox, channel.id, bot.id);
    const privacy = await control(kit.sandbox, 'POST', `/sandbox/users/${dora.phone}/privacy`, { forwards: 'nobody' });
    expect(privacy.body).toEqual({ messages: 'everybody', forwards: 'nobody' });
    const wrong = await control(kit.sandbox, 'POST', `/sandbox/users/${dora.phone}/privacy`, { forwards: 'friends' });
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(wrong.body)).toContain('forwards must be one of everybody, contacts, nobody');
    expect((await control(kit.sandbox, 'POST', `/sandbox/users/${dora.phone}/privacy`, {})).status).toBe(400);
    const wrote = await control(kit.sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, {
      from_phone: dora.phone,
      text: 'please pass this on',
    });
    const messageId = wrote.body.message_id as number;

    const res = await rawBotCall(kit.sandbox, bot.token, 'forwardMessage', {
      chat_id: channel.id,
      from_chat_id: dora.id,
      message_id: messageId,
    });

    expect(res.body.result.forward_origin).toEqual({
      type: 'hidden_user',
      sender_user_name: 'Dora',
      date: expect.any(Number),
    });
    const stored = (await control(kit.sandbox, 'GET', `/sandbox/channels/${channel.id}/messages`)).body as any[];
    expect(stored.at(-1).forward_origin).toEqual({ kind: 'hidden', sender_name: 'Dora', date: expect.any(Number) });
  });

  it('forwards a channel post into a supergroup whose members and bots get it with the channel as origin; a forward of that forward keeps it', async () => {
    const owner = await newUser(kit, { firstName: 'Olga' });
    const reader = await newUser(kit, { firstName: 'Rita' });
    const friend = await namedUser(kit, 'Fred');
    const channel = await newChannel(kit.sandbox, owner.phone);
    const group = await newChannel(kit.sandbox, owner.phone, { megagroup: true });
    await join(channel, reader);
    await join(group, reader);
    const listener = await newBot(kit.sandbox);
    await addBotToChannel(kit.sandbox, group.id, listener.id);
    const postId = await channelPost(channel, 'Timetable changes on Monday');
    const ownerApp = await appOf(owner, channelPeer(group));
    const readerApp = await appOf(reader);
    const friendApp = await appOf(friend);

    const [forwarded] = await forward(readerApp.client, channelPeer(group), {
      messages: [postId],
      fromPeer: channelPeer(channel),
    });

    const origin = new Api.PeerChannel({ channelId: returnBigInt(channel.channel_id) });
    expect(forwarded?.fwdFrom?.fromId).toEqual(origin);
    expect(forwarded?.fwdFrom?.channelPost).toBe(postId);
    expect(forwarded?.fromId).toEqual(new Api.PeerUser({ userId: returnBigInt(reader.id) }));
    const seen = await pushedMessage(ownerApp, (m) => m.id === forwarded?.id, 'the forward pushed to the owner');
    expect(seen.message).toBe('Timetable changes on Monday');
    expect(seen.fwdFrom?.fromId).toEqual(origin);
    expect(seen.fwdFrom?.channelPost).toBe(postId);
    const heard = await eventually(
      async () =>
        ((await rawBotCall(kit.sandbox, listener.token, 'getUpdates', { timeout: 0 })).body.result as any[]).find(
          (u) => u.message?.message_id === forwarded?.id,
        ),
      { what: "the forward reaching the group's bot" },
    );
    expect(heard.message.forward_origin).toMatchObject({
      type: 'channel',
      chat: { id: channel.id },
      message_id: postId,
    });

    // Sent on again from the supergroup to a person: still the first post's origin.
    const [again] = await forward(readerApp.client, friend.username, {
      messages: [present(forwarded, 'the forward').id],
      fromPeer: channelPeer(group),
    });
    expect(again?.fwdFrom?.fromId).toEqual(origin);
    expect(again?.fwdFrom?.channelPost).toBe(postId);
    const received = await pushedMessage(friendApp, (m) => m.id === again?.id, 'the second forward pushed to Fred');
    expect(received.fwdFrom?.channelPost).toBe(postId);
    // Fred is not in the channel; the push brings it beside the message, so his app can name it.
    expect((received.forward?.chat as Api.Channel | undefined)?.id.toString()).toBe(String(channel.channel_id));
    const history = (await friendApp.client.invoke(
      new Api.messages.GetHistory({ peer: present(received.peerId, 'the chat with Rita'), limit: 10 }),
    )) as Api.messages.Messages;
    expect(history.chats.map((c) => c.id.toString())).toContain(String(channel.channel_id));
    const groupHistory = (await ownerApp.client.invoke(
      new Api.messages.GetHistory({ peer: channelPeer(group), limit: 10 }),
    )) as Api.messages.ChannelMessages;
    expect(groupHistory.chats.map((c) => c.id.toString()).sort()).toEqual(
      [String(group.channel_id), String(channel.channel_id)].sort(),
    );
  });

  it('answers a repeat of a forward with the same random_ids with the same messages and sends nothing new', async () => {
    const owner = await newUser(kit, { firstName: 'Olga' });
    const channel = await newChannel(kit.sandbox, owner.phone);
    const group = await newChannel(kit.sandbox, owner.phone, { megagroup: true });
    const first = await channelPost(channel, 'one');
    const second = await channelPost(channel, 'two');
    const app = await appOf(owner);
    const request = () =>
      new Api.messages.ForwardMessages({
        fromPeer: channelPeer(channel),
        id: [first, second],
        randomId: randomIds(1, 2),
        toPeer: channelPeer(group),
      });
    const req = request();

    const sent = sentOf(await app.client.invoke(req));
    const repeat = sentOf(await app.client.invoke(new Api.messages.ForwardMessages({ ...req })));

    expect(sent.messages.map((m) => m.message)).toEqual(['one', 'two']);
    expect(sent.ptsCounts).toEqual([1, 1]);
    expect(repeat.ids).toEqual(sent.ids);
    expect(repeat.messages.map((m) => m.id)).toEqual(sent.messages.map((m) => m.id));
    expect(repeat.ptsCounts).toEqual([0, 0]);
    const history = await control(kit.sandbox, 'GET', `/sandbox/channels/${group.id}/messages`);
    expect(history.body.filter((m: { text: string }) => m.text === 'one' || m.text === 'two')).toHaveLength(2);

    expect(
      await errorOf(
        app.client.invoke(
          new Api.messages.ForwardMessages({ ...request(), randomId: randomIds(3), id: [first, second] }),
        ),
      ),
    ).toBe('RANDOM_ID_INVALID');
  });

  it("forwards a basic group member's message with mtcute (layer 227) to a person and back into the group, naming its author", async () => {
    const alice = await namedUser(kit, 'Alice');
    const bob = await namedUser(kit, 'Bob');
    const created = await control(kit.sandbox, 'POST', '/sandbox/groups', {
      title: 'Book club',
      owner_phone: alice.phone,
      member_phones: [bob.phone],
    });
    const groupId = created.body.id as number;
    const said = (
      await control(kit.sandbox, 'POST', `/sandbox/groups/${groupId}/messages`, {
        from_phone: alice.phone,
        text: 'next book: Dune',
      })
    ).body.message_id as number;
    const aliceApp = await appOf(alice);
    const tg = mtcuteClient(kit.sandbox);
    try {
      await signInMtcute(kit, tg, bob.phone);

      const [toAlice] = await tg.forwardMessagesById({
        fromChatId: -groupId,
        messages: [said],
        toChatId: alice.username,
      });
      expect(toAlice?.text).toBe('next book: Dune');
      expect(toAlice?.forward?.sender).toMatchObject({ id: alice.id });
      const seen = await pushedMessage(aliceApp, (m) => m.id === toAlice?.id, 'the forward pushed to Alice');
      expect(seen.fwdFrom?.fromId).toEqual(new Api.PeerUser({ userId: returnBigInt(alice.id) }));

      const [inGroup] = await tg.forwardMessagesById({ fromChatId: -groupId, messages: [said], toChatId: -groupId });
      expect(inGroup?.forward?.sender).toMatchObject({ id: alice.id });
      const pushed = await pushedMessage(aliceApp, (m) => m.id === inGroup?.id, 'the forward in the group pushed');
      expect(pushed.peerId).toEqual(new Api.PeerChat({ chatId: returnBigInt(groupId) }));
      expect(pushed.fwdFrom?.fromId).toEqual(new Api.PeerUser({ userId: returnBigInt(alice.id) }));
    } finally {
      await tg.destroy();
    }
  });

  it('with drop_author sends copies without fwd_from, and with drop_media_captions leaves the photo without its caption', async () => {
    const alice = await namedUser(kit, 'Alice');
    const bob = await namedUser(kit, 'Bob');
    const aliceApp = await appOf(alice);
    const text = await aliceApp.client.sendMessage(bob.username, { message: 'plain words' });
    const photo = await aliceApp.client.sendFile(bob.username, {
      file: new CustomFile('dot.png', PNG.length, '', PNG),
      caption: 'a dot',
    });
    const bobApp = await appOf(bob);
    const carol = await namedUser(kit, 'Carol');

    const forwarded = await forward(bobApp.client, carol.username, {
      messages: [photo.id],
      fromPeer: alice.username,
    });
    expect(forwarded[0]?.message).toBe('a dot');
    expect(forwarded[0]?.media).toBeInstanceOf(Api.MessageMediaPhoto);
    expect(forwarded[0]?.fwdFrom).toBeDefined();

    const copies = await forward(bobApp.client, carol.username, {
      messages: [text.id, photo.id],
      fromPeer: alice.username,
      dropAuthor: true,
    });
    expect(copies.map((m) => [m.message, m.fwdFrom ?? null])).toEqual([
      ['plain words', null],
      ['a dot', null],
    ]);
    expect(copies[1]?.media).toBeInstanceOf(Api.MessageMediaPhoto);

    const bare = sentOf(
      await bobApp.client.invoke(
        new Api.messages.ForwardMessages({
          fromPeer: alice.username,
          id: [photo.id],
          randomId: randomIds(4),
          toPeer: carol.username,
          dropAuthor: true,
          dropMediaCaptions: true,
        }),
      ),
    ).messages[0];
    expect(bare?.message).toBe('');
    expect(bare?.media).toBeInstanceOf(Api.MessageMediaPhoto);
    expect(bare?.fwdFrom ?? null).toBeNull();
  });

  it('refuses what Telegram refuses: no ids, ids that are not there, a source it cannot see, a chat it cannot write to', async () => {
    const owner = await newUser(kit, { firstName: 'Olga' });
    const outsider = await newUser(kit, { firstName: 'Otto' });
    const stranger = await newUser(kit, { firstName: 'Sam' });
    const channel = await newChannel(kit.sandbox, owner.phone);
    const hidden = await newChannel(kit.sandbox, stranger.phone);
    const postId = await channelPost(channel, 'for subscribers');
    const hiddenPost = await channelPost(hidden, 'secret');
    await join(channel, outsider);
    const created = await control(kit.sandbox, 'POST', '/sandbox/groups', {
      title: 'Book club',
      owner_phone: stranger.phone,
    });
    const groupPeer = new Api.InputPeerChat({ chatId: returnBigInt(created.body.id as number) });
    const app = await appOf(outsider);
    const forward = (fromPeer: Api.TypeInputPeer, id: number[], toPeer: Api.TypeInputPeer = new Api.InputPeerSelf()) =>
      errorOf(
        app.client.invoke(
          new Api.messages.ForwardMessages({ fromPeer, id, randomId: randomIds(...id.map((_, i) => i + 10)), toPeer }),
        ),
      );

    expect(await forward(channelPeer(channel), [])).toBe('MESSAGE_IDS_EMPTY');
    expect(await forward(channelPeer(channel), [postId + 100, postId + 101])).toBe('MESSAGE_ID_INVALID');
    expect(await forward(channelPeer(hidden), [hiddenPost])).toBe('CHANNEL_PRIVATE');
    expect(await forward(groupPeer, [1])).toBe('PEER_ID_INVALID');
    // A subscriber of a broadcast channel may not post in it, forwards included.
    expect(await forward(channelPeer(channel), [postId], channelPeer(channel))).toBe('CHAT_WRITE_FORBIDDEN');
    expect(await forward(channelPeer(channel), [postId], groupPeer)).toBe('PEER_ID_INVALID');

    // An id that is not there beside one that is: the one there goes.
    const sent = sentOf(
      await app.client.invoke(
        new Api.messages.ForwardMessages({
          fromPeer: channelPeer(channel),
          id: [postId + 100, postId],
          randomId: randomIds(20, 21),
          toPeer: new Api.InputPeerSelf(),
        }),
      ),
    );
    expect(sent.messages.map((m) => m.message)).toEqual(['for subscribers']);
  });

  it("counts a forward of a channel post by a bot's forwardMessage and by a member's app, not a copy or a drop_author forward", async () => {
    const owner = await newUser(kit, { firstName: 'Olga' });
    const reader = await newUser(kit, { firstName: 'Rita' });
    const channel = await newChannel(kit.sandbox, owner.phone);
    await join(channel, reader);
    const bot = await newBot(kit.sandbox);
    await addBotToChannel(kit.sandbox, channel.id, bot.id);
    await control(kit.sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, {
      from_phone: reader.phone,
      text: '/start',
    });
    const postId = await channelPost(channel, 'Big news');
    const app = await appOf(reader);
    const start = await forwardsOf(app, channel, postId);
    expect(start).toBe(0);
    const tg = telegramFor(kit.sandbox, bot.token);

    await tg.forwardMessage(reader.id, channel.id, postId);
    expect(await forwardsOf(app, channel, postId)).toBe(1);

    await forward(app.client, 'me', { messages: [postId], fromPeer: channelPeer(channel) });
    expect(await forwardsOf(app, channel, postId)).toBe(2);
    expect(await historyForwards(app, channel, postId)).toBe(2);

    await tg.copyMessage(reader.id, channel.id, postId);
    await forward(app.client, 'me', { messages: [postId], fromPeer: channelPeer(channel), dropAuthor: true });
    expect(await forwardsOf(app, channel, postId)).toBe(2);
    const counters = await control(kit.sandbox, 'GET', `/sandbox/channels/${channel.id}/messages`);
    expect(counters.body.find((m: { message_id: number }) => m.message_id === postId)).toMatchObject({ forwards: 2 });
  });
});
