import { Api, TelegramClient } from 'telegram';
import { NewMessage, NewMessageEvent } from 'telegram/events';
import { Raw } from 'telegram/events/Raw';
import { returnBigInt } from 'telegram/Helpers';
import { addBotToChannel, control, newBot, newChannel, telegramFor } from './bot-helpers';
import { errorOf, MtprotoKit, newUser, signedInClient, startMtprotoKit } from './mtproto-kit';
import { present } from '../helpers/present';

jest.setTimeout(30000);

/** One update as a client saw it: its constructor, pts, and the message it carries. */
interface Seen {
  kind: string;
  pts?: number;
  out?: boolean;
  text?: string;
}

function describeUpdate(u: object): Seen | undefined {
  const fields = u as { className?: unknown; pts?: number; out?: boolean; message?: unknown };
  // gramjs also reports its connection state through the update loop; only TL objects are updates.
  if (typeof fields.className !== 'string') return undefined;
  const message = fields.message instanceof Api.Message ? fields.message : undefined;
  return {
    kind: fields.className,
    pts: fields.pts,
    out: message ? message.out : fields.out,
    text: message ? message.message : typeof fields.message === 'string' ? fields.message : undefined,
  };
}

/** Records every update gramjs's update loop hands out, and waits for a number of them. */
function watch(client: TelegramClient): { seen: Seen[]; until(count: number): Promise<Seen[]> } {
  const seen: Seen[] = [];
  const waiters: { count: number; resolve: (s: Seen[]) => void }[] = [];
  client.addEventHandler((update: object) => {
    const s = describeUpdate(update);
    if (!s) return;
    seen.push(s);
    for (const w of [...waiters]) {
      if (seen.length < w.count) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(seen.slice(0, w.count));
    }
  }, new Raw({}));
  return {
    seen,
    until: (count) =>
      seen.length >= count
        ? Promise.resolve(seen.slice(0, count))
        : new Promise((resolve) => waiters.push({ count, resolve })),
  };
}

const inputChannel = (c: { channel_id: number; access_hash: string }): Api.InputChannel =>
  new Api.InputChannel({ channelId: returnBigInt(c.channel_id), accessHash: returnBigInt(c.access_hash) });

const texts = (messages: Api.TypeMessage[]): string[] =>
  messages.map((m) => (m instanceof Api.Message ? m.message : `(${m.className})`));

describe('sandbox MTProto updates (real gramjs)', () => {
  let kit: MtprotoKit;

  beforeAll(async () => {
    kit = await startMtprotoKit();
  });

  afterAll(async () => {
    await kit.close();
  });

  async function say(from: { phone: string }, to: { phone: string }, text: string): Promise<void> {
    const res = await control(kit.sandbox, 'POST', `/sandbox/users/${to.phone}/messages`, {
      from_phone: from.phone,
      text,
    });
    expect(res.status).toBe(200);
  }

  /** A saved session that was offline, with the state it had before going away. */
  async function offlineSession(user: { phone: string }): Promise<{ session: string; state: Api.updates.State }> {
    const client = await signedInClient(kit, user);
    const state = await client.invoke(new Api.updates.GetState());
    const session = kit.factory.saveSession(client);
    await kit.destroy(client);
    return { session, state };
  }

  async function resume(session: string): Promise<TelegramClient> {
    const client = await kit.client({ session });
    await client.connect();
    return client;
  }

  it('pushes a conversation with a bot to both sessions of the user in pts order, edits included', async () => {
    const user = await newUser(kit);
    const bot = await newBot(kit.sandbox);
    const [first, second] = [await signedInClient(kit, user), await signedInClient(kit, user)];
    const [a, b] = [watch(first), watch(second)];
    await Promise.all([first.getMe(), second.getMe()]);

    const wrote = await control(kit.sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, {
      from_phone: user.phone,
      text: '/start',
    });
    expect(wrote.status).toBe(200);
    await a.until(1);
    // The bot answers through the Bot API: the same world, so the account hears it over MTProto.
    await telegramFor(kit.sandbox, bot.token).sendMessage(user.id, 'Welcome!');
    await a.until(2);
    const edited = await control(kit.sandbox, 'PATCH', `/sandbox/bots/${bot.id}/messages/${wrote.body.message_id}`, {
      text: '/start now',
    });
    expect(edited.status).toBe(200);

    const expected: Seen[] = [
      // The first message with someone new comes with the user in a full `updates`...
      { kind: 'UpdateNewMessage', pts: 1, out: true, text: '/start' },
      // ...later ones as the short form, the peer being known.
      { kind: 'UpdateShortMessage', pts: 2, out: false, text: 'Welcome!' },
      { kind: 'UpdateEditMessage', pts: 3, out: true, text: '/start now' },
    ];
    expect(await a.until(3)).toEqual(expected);
    expect(await b.until(3)).toEqual(expected);
    const state = await second.invoke(new Api.updates.GetState());
    expect(state.pts).toBe(3);
  });

  it("answers the sending session's send with its pts and pushes the message to the user's other sessions", async () => {
    const [me, friend] = [await newUser(kit), await newUser(kit, { firstName: 'Bob' })];
    const sender = await signedInClient(kit, me);
    const other = await signedInClient(kit, me);
    const friendClient = await signedInClient(kit, friend);
    const [mine, theirs, senderSeen] = [watch(other), watch(friendClient), watch(sender)];
    await Promise.all([other.getMe(), friendClient.getMe(), sender.getMe()]);

    const resolved = (await sender.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] })))[0] as Api.User;
    expect(Number(resolved.id)).toBe(me.id);
    const friendMe = await friendClient.getMe();
    const sent = await sender.invoke(
      new Api.messages.SendMessage({
        peer: new Api.InputPeerUser({ userId: friendMe.id, accessHash: friendMe.accessHash! }),
        message: 'hi Bob',
        randomId: returnBigInt('11111'),
      }),
    );
    expect(sent).toBeInstanceOf(Api.UpdateShortSentMessage);
    expect((sent as Api.UpdateShortSentMessage).pts).toBe(1);
    expect(await mine.until(1)).toEqual([{ kind: 'UpdateNewMessage', pts: 1, out: true, text: 'hi Bob' }]);
    expect(await theirs.until(1)).toEqual([{ kind: 'UpdateNewMessage', pts: 1, out: false, text: 'hi Bob' }]);

    await friendClient.sendMessage(Number(resolved.id), { message: 'hi yourself' });
    const reply: Seen = { kind: 'UpdateShortMessage', pts: 2, out: false, text: 'hi yourself' };
    expect((await mine.until(2))[1]).toEqual(reply);
    expect(await senderSeen.until(1)).toEqual([reply]);
    // The sending session got its own message in the answer only, never pushed again.
    expect(senderSeen.seen).toHaveLength(1);
  });

  it("pushes edits and deletions made in the app to the other side and to the user's other sessions", async () => {
    const [me, friend] = [await newUser(kit), await newUser(kit, { firstName: 'Bob' })];
    const sender = await signedInClient(kit, me);
    const other = await signedInClient(kit, me);
    const friendClient = await signedInClient(kit, friend);
    const [mine, theirs] = [watch(other), watch(friendClient)];
    await Promise.all([other.getMe(), friendClient.getMe()]);
    const bob = await friendClient.getMe();
    const peer = new Api.InputPeerUser({ userId: bob.id, accessHash: bob.accessHash! });

    const sent = (await sender.invoke(
      new Api.messages.SendMessage({ peer, message: 'draft', randomId: returnBigInt('22222') }),
    )) as Api.UpdateShortSentMessage;
    const edited = await sender.invoke(new Api.messages.EditMessage({ peer, id: sent.id, message: 'final' }));
    expect((edited as Api.Updates).updates[0]).toMatchObject({ className: 'UpdateEditMessage', pts: 2 });
    const deleted = await sender.invoke(new Api.messages.DeleteMessages({ id: [sent.id], revoke: true }));
    expect(deleted).toMatchObject({ pts: 3, ptsCount: 1 });

    expect(await mine.until(3)).toEqual([
      { kind: 'UpdateNewMessage', pts: 1, out: true, text: 'draft' },
      { kind: 'UpdateEditMessage', pts: 2, out: true, text: 'final' },
      { kind: 'UpdateDeleteMessages', pts: 3 },
    ]);
    expect(await theirs.until(3)).toEqual([
      { kind: 'UpdateNewMessage', pts: 1, out: false, text: 'draft' },
      { kind: 'UpdateEditMessage', pts: 2, out: false, text: 'final' },
      { kind: 'UpdateDeleteMessages', pts: 3 },
    ]);
    // Gone for both sides; a difference from before shows only the deletion.
    const history = await friendClient.invoke(
      new Api.messages.GetHistory({
        peer: new Api.InputPeerUser({
          userId: returnBigInt(me.id),
          accessHash: (await sender.getMe()).accessHash!,
        }),
        limit: 10,
      }),
    );
    expect((history as Api.messages.Messages).messages).toEqual([]);
    const diff = (await friendClient.invoke(
      new Api.updates.GetDifference({ pts: 0, date: 0, qts: 0 }),
    )) as Api.updates.Difference;
    expect(diff.newMessages).toEqual([]);
    expect(diff.otherUpdates.map((u) => u.className)).toEqual(['UpdateDeleteMessages']);
    expect(await errorOf(sender.invoke(new Api.messages.EditMessage({ peer, id: sent.id, message: 'again' })))).toBe(
      'MESSAGE_ID_INVALID',
    );
  });

  it('marks a chat read on every device of the reader and tells the other side, with unread counts in dialogs', async () => {
    const [me, friend] = [await newUser(kit), await newUser(kit, { firstName: 'Bob' })];
    const reader = await signedInClient(kit, me);
    const other = await signedInClient(kit, me);
    const friendClient = await signedInClient(kit, friend);
    const [mine, theirs] = [watch(other), watch(friendClient)];
    await Promise.all([other.getMe(), friendClient.getMe()]);
    await say(friend, me, 'are you there?');
    await say(friend, me, 'hello?');
    await mine.until(2);
    const unread = async (client: TelegramClient, peerId: number) =>
      (await client.getDialogs({})).find((d) => Number(d.id) === peerId)?.unreadCount;
    expect(await unread(reader, friend.id)).toBe(2);

    const bob = await friendClient.getMe();
    const peer = new Api.InputPeerUser({ userId: bob.id, accessHash: bob.accessHash! });
    expect(await reader.invoke(new Api.messages.ReadHistory({ peer, maxId: 0 }))).toMatchObject({
      pts: 3,
      ptsCount: 1,
    });
    expect((await mine.until(3))[2]).toEqual({ kind: 'UpdateReadHistoryInbox', pts: 3 });
    expect((await theirs.until(3))[2]).toEqual({ kind: 'UpdateReadHistoryOutbox', pts: 3 });
    expect(await unread(other, friend.id)).toBe(0);
    const bobsView = (await friendClient.getDialogs({})).find((d) => Number(d.id) === me.id);
    expect(bobsView?.dialog).toBeInstanceOf(Api.Dialog);
    expect(bobsView!.dialog.readOutboxMaxId).toBe(bobsView!.dialog.topMessage);
    // Nothing new to read: pts stays.
    expect(await reader.invoke(new Api.messages.ReadHistory({ peer, maxId: 0 }))).toMatchObject({
      pts: 3,
      ptsCount: 0,
    });
  });

  it('lets channel admins delete posts over MTProto, refuses plain members, and members hear the deletion', async () => {
    const [owner, reader] = [await newUser(kit), await newUser(kit)];
    const channel = await newChannel(kit.sandbox, owner.phone);
    await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/members`, { phone: reader.phone });
    const posted = await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, { text: 'oops' });
    const [admin, member] = [await signedInClient(kit, owner), await signedInClient(kit, reader)];
    const heard = watch(member);
    const full = await member.invoke(new Api.channels.GetFullChannel({ channel: inputChannel(channel) }));
    const before = (full.fullChat as Api.ChannelFull).pts;
    const remove = (client: TelegramClient) =>
      client.invoke(new Api.channels.DeleteMessages({ channel: inputChannel(channel), id: [posted.body.message_id] }));

    expect(await errorOf(remove(member))).toBe('MESSAGE_DELETE_FORBIDDEN');
    expect(await remove(admin)).toMatchObject({ pts: before + 1, ptsCount: 1 });
    expect(await heard.until(1)).toEqual([{ kind: 'UpdateDeleteChannelMessages', pts: before + 1 }]);
  });

  it('recovers private messages missed while offline with getDifference, in slices when limited', async () => {
    const [me, friend] = [await newUser(kit), await newUser(kit, { firstName: 'Bob' })];
    const { session, state } = await offlineSession(me);
    for (const text of ['one', 'two', 'three']) await say(friend, me, text);

    const client = await resume(session);
    const from = { pts: state.pts, date: state.date, qts: state.qts };
    const slice = await client.invoke(new Api.updates.GetDifference({ ...from, ptsTotalLimit: 2 }));
    expect(slice).toBeInstanceOf(Api.updates.DifferenceSlice);
    const part = slice as Api.updates.DifferenceSlice;
    expect(texts(part.newMessages)).toEqual(['one', 'two']);
    expect(part.intermediateState.pts).toBe(state.pts + 2);
    expect(part.users.map((u) => Number(u.id))).toContain(friend.id);

    const rest = await client.invoke(
      new Api.updates.GetDifference({
        pts: part.intermediateState.pts,
        date: part.intermediateState.date,
        qts: part.intermediateState.qts,
      }),
    );
    expect(rest).toBeInstanceOf(Api.updates.Difference);
    expect(texts((rest as Api.updates.Difference).newMessages)).toEqual(['three']);
    const now = (rest as Api.updates.Difference).state;
    expect(now.pts).toBe(state.pts + 3);

    const empty = await client.invoke(new Api.updates.GetDifference({ pts: now.pts, date: now.date, qts: now.qts }));
    expect(empty).toBeInstanceOf(Api.updates.DifferenceEmpty);
  });

  it('recovers channel posts, edits and deletions made through the Bot API with getChannelDifference', async () => {
    const owner = await newUser(kit);
    const channel = await newChannel(kit.sandbox, owner.phone);
    const bot = await newBot(kit.sandbox, owner.phone);
    await addBotToChannel(kit.sandbox, channel.id, bot.id);
    const client = await signedInClient(kit, owner);
    const full = await client.invoke(new Api.channels.GetFullChannel({ channel: inputChannel(channel) }));
    const since = (full.fullChat as Api.ChannelFull).pts;
    const session = kit.factory.saveSession(client);
    await kit.destroy(client);

    const telegram = telegramFor(kit.sandbox, bot.token);
    const posted = [];
    for (const text of ['post 1', 'post 2', 'post 3']) posted.push(await telegram.sendMessage(channel.id, text));
    await telegram.editMessageText(channel.id, present(posted[0], 'post 1').message_id, undefined, 'post 1 (fixed)');
    await telegram.deleteMessage(channel.id, present(posted[1], 'post 2').message_id);

    const resumed = await resume(session);
    const ask = (pts: number, limit: number) =>
      resumed.invoke(
        new Api.updates.GetChannelDifference({
          channel: inputChannel(channel),
          filter: new Api.ChannelMessagesFilterEmpty(),
          pts,
          limit,
        }),
      );
    const all = await ask(since, 100);
    expect(all).toBeInstanceOf(Api.updates.ChannelDifference);
    const diff = all as Api.updates.ChannelDifference;
    expect(diff.final).toBe(true);
    expect(diff.pts).toBe(since + 5);
    // New posts as they are now (the edit folded in, the deleted one gone), the deletion beside them.
    expect(texts(diff.newMessages)).toEqual(['post 1 (fixed)', 'post 3']);
    expect(diff.otherUpdates.map((u) => u.className)).toEqual(['UpdateDeleteChannelMessages']);
    expect(Number((diff.newMessages[0] as Api.Message).viaBotId)).toBe(bot.id);

    const first = (await ask(since, 1)) as Api.updates.ChannelDifference;
    expect(first.final).toBe(false);
    expect(first.pts).toBe(since + 1);
    expect(texts(first.newMessages)).toEqual(['post 1 (fixed)']);

    const empty = await ask(diff.pts, 100);
    expect(empty).toBeInstanceOf(Api.updates.ChannelDifferenceEmpty);
    expect((empty as Api.updates.ChannelDifferenceEmpty).final).toBe(true);
    await kit.destroy(resumed);
  });

  it('pushes a bot post to a member as updateNewChannelMessage, at the pts getChannelDifference gives it', async () => {
    const owner = await newUser(kit);
    const channel = await newChannel(kit.sandbox, owner.phone);
    const bot = await newBot(kit.sandbox, owner.phone);
    await addBotToChannel(kit.sandbox, channel.id, bot.id);
    const client = await signedInClient(kit, owner);
    const received = new Promise<NewMessageEvent>((resolve) =>
      client.addEventHandler((e: NewMessageEvent) => resolve(e), new NewMessage({})),
    );
    const full = await client.invoke(new Api.channels.GetFullChannel({ channel: inputChannel(channel) }));
    const before = (full.fullChat as Api.ChannelFull).pts;
    await telegramFor(kit.sandbox, bot.token).sendMessage(channel.id, 'from the bot');
    const event = await received;
    expect(event.message.message).toBe('from the bot');
    expect(event.originalUpdate).toBeInstanceOf(Api.UpdateNewChannelMessage);
    expect((event.originalUpdate as Api.UpdateNewChannelMessage).pts).toBe(before + 1);
    const diff = await client.invoke(
      new Api.updates.GetChannelDifference({
        channel: inputChannel(channel),
        filter: new Api.ChannelMessagesFilterEmpty(),
        pts: before,
        limit: 10,
      }),
    );
    expect(diff).toBeInstanceOf(Api.updates.ChannelDifference);
    expect((diff as Api.updates.ChannelDifference).pts).toBe(before + 1);
    expect(texts((diff as Api.updates.ChannelDifference).newMessages)).toEqual(['from the bot']);
  });

  it('tells a user added to a channel with updateChannel, sequenced by seq', async () => {
    const [owner, member] = [await newUser(kit), await newUser(kit)];
    const channel = await newChannel(kit.sandbox, owner.phone);
    const client = await signedInClient(kit, member);
    const seen = watch(client);
    const before = await client.invoke(new Api.updates.GetState());
    const added = await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/members`, {
      phone: member.phone,
    });
    expect(added.status).toBe(200);
    expect(await seen.until(1)).toEqual([{ kind: 'UpdateChannel' }]);
    const after = await client.invoke(new Api.updates.GetState());
    expect(after.seq).toBe(before.seq + 1);
    expect(after.pts).toBe(before.pts);
    // A session that missed it finds it in the difference.
    const diff = await client.invoke(
      new Api.updates.GetDifference({ pts: before.pts, date: before.date, qts: before.qts }),
    );
    expect(diff).toBeInstanceOf(Api.updates.Difference);
    const d = diff as Api.updates.Difference;
    expect(d.otherUpdates.map((u) => u.className)).toEqual(['UpdateChannel']);
    expect(d.chats.map((c) => Number(c.id))).toEqual([channel.channel_id]);
    expect(d.state.seq).toBe(after.seq);
  });

  it('refuses a difference from a pts the server never gave', async () => {
    const user = await newUser(kit);
    const client = await signedInClient(kit, user);
    const state = await client.invoke(new Api.updates.GetState());
    await expect(
      client.invoke(new Api.updates.GetDifference({ pts: state.pts + 10, date: state.date, qts: 0 })),
    ).rejects.toMatchObject({ errorMessage: 'PERSISTENT_TIMESTAMP_INVALID' });
  });
});

describe('sandbox MTProto updates beyond the logs (real gramjs, small limits)', () => {
  let kit: MtprotoKit;

  beforeAll(async () => {
    kit = await startMtprotoKit({ updateLimits: { userLogSize: 4, channelLogSize: 3, pushBatchLimit: 3 } });
  });

  afterAll(async () => {
    await kit.close();
  });

  it('answers differenceTooLong and channelDifferenceTooLong once the gap is beyond the log', async () => {
    const [me, friend] = [await newUser(kit), await newUser(kit)];
    const channel = await newChannel(kit.sandbox, me.phone);
    const client = await signedInClient(kit, me);
    const state = await client.invoke(new Api.updates.GetState());
    const full = await client.invoke(new Api.channels.GetFullChannel({ channel: inputChannel(channel) }));
    const channelPts = (full.fullChat as Api.ChannelFull).pts;
    const session = kit.factory.saveSession(client);
    await kit.destroy(client);
    for (let i = 1; i <= 5; i++) {
      await control(kit.sandbox, 'POST', `/sandbox/users/${me.phone}/messages`, {
        from_phone: friend.phone,
        text: `m${i}`,
      });
      await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, { text: `p${i}` });
    }

    const resumed = await kit.client({ session });
    await resumed.connect();
    const diff = await resumed.invoke(
      new Api.updates.GetDifference({ pts: state.pts, date: state.date, qts: state.qts }),
    );
    expect(diff).toBeInstanceOf(Api.updates.DifferenceTooLong);
    expect((diff as Api.updates.DifferenceTooLong).pts).toBe(state.pts + 5);

    const channelDiff = await resumed.invoke(
      new Api.updates.GetChannelDifference({
        channel: inputChannel(channel),
        filter: new Api.ChannelMessagesFilterEmpty(),
        pts: channelPts,
        limit: 2,
      }),
    );
    expect(channelDiff).toBeInstanceOf(Api.updates.ChannelDifferenceTooLong);
    const tooLong = channelDiff as Api.updates.ChannelDifferenceTooLong;
    // The client starts again from the dialog and the newest posts.
    expect((tooLong.dialog as Api.Dialog).pts).toBe(channelPts + 5);
    expect(texts(tooLong.messages)).toEqual(['p5', 'p4']);
  });

  it('sends updatesTooLong instead of a backlog bigger than the push limit, then getDifference has it all', async () => {
    const [me, friend] = [await newUser(kit), await newUser(kit)];
    const client = await signedInClient(kit, me);
    const seen = watch(client);
    const state = await client.invoke(new Api.updates.GetState());
    // Four messages in one turn of the event loop: more than the connection may be sent at once.
    for (let i = 1; i <= 4; i++) {
      kit.sandbox.world.sendPrivateMessage({
        fromKind: 'user',
        fromId: friend.id,
        toKind: 'user',
        toId: me.id,
        text: `b${i}`,
      });
    }
    expect(await seen.until(1)).toEqual([{ kind: 'UpdatesTooLong' }]);
    const diff = await client.invoke(
      new Api.updates.GetDifference({ pts: state.pts, date: state.date, qts: state.qts }),
    );
    expect(diff).toBeInstanceOf(Api.updates.Difference);
    expect(texts((diff as Api.updates.Difference).newMessages)).toEqual(['b1', 'b2', 'b3', 'b4']);
  });
});
