import type { TelegramClient as MtcuteClient } from '@mtcute/node';
import { Api } from 'telegram';
import { Raw } from 'telegram/events';
import { returnBigInt } from 'telegram/Helpers';
import { eventually } from '../helpers/eventually';
import { present } from '../helpers/present';
import { addBotToChannel, control, newBot, newChannel, rawBotCall, telegramFor } from './bot-helpers';
import { botChatOf, CHAT_KINDS, sandboxForSuite } from './bot-chats';
import { mtcuteClient, signInMtcute } from './mtcute-kit';
import { errorOf, namedUser, newUser, signedInClient } from './mtproto-kit';

jest.setTimeout(60_000);

type Update = Record<string, any>;

/** A message's reactions as gramjs reads them: emoji, count, and the viewer's chosen order when theirs. */
const countsOf = (message: Api.Message | undefined): [string, number, number | undefined][] =>
  countsIn(present(message, 'the message').reactions);

const countsIn = (reactions: Api.MessageReactions | undefined): [string, number, number | undefined][] =>
  (reactions?.results ?? []).map((r) => [
    (r.reaction as Api.ReactionEmoji).emoticon,
    r.count,
    r.chosenOrder ?? undefined,
  ]);

const emoji = (e: string): Api.ReactionEmoji => new Api.ReactionEmoji({ emoticon: e });

describe('sandbox: message reactions by members (gramjs, mtcute) and bots (telegraf)', () => {
  const suite = sandboxForSuite();
  const mtcuteClients: MtcuteClient[] = [];

  afterAll(async () => {
    await Promise.all(mtcuteClients.map((c) => c.destroy()));
  });

  /** The updates a bot has been given by getUpdates so far (none confirmed), once `found` finds what it waits for. */
  const botUpdates = (token: string, found: (updates: Update[]) => boolean, what: string): Promise<Update[]> =>
    eventually(
      async () => {
        const updates = (await rawBotCall(suite.kit.sandbox, token, 'getUpdates', { timeout: 0 })).body
          .result as Update[];
        return found(updates) ? updates : undefined;
      },
      { what },
    );

  it.each(CHAT_KINDS)(
    'a member reacts in a %s chat: their app reads it back as chosen, the bot that asked hears it',
    async (kind) => {
      const chat = await botChatOf(suite.kit, kind);
      // The bot names the reaction updates it wants: they are not in Telegram's default set.
      const allowed = ['message', 'channel_post', 'message_reaction', 'message_reaction_count'];
      await rawBotCall(suite.kit.sandbox, chat.bot.token, 'getUpdates', { timeout: 0, allowed_updates: allowed });
      const id = await chat.write('rate me');

      const answer = (await chat.app.invoke(
        new Api.messages.SendReaction({ peer: chat.peer, msgId: id, reaction: [emoji('👍')], big: true }),
      )) as Api.Updates;
      const update = answer.updates.find((u) => u instanceof Api.UpdateMessageReactions);
      expect(update?.msgId).toBe(id);
      expect(update?.reactions.results.map((r) => [(r.reaction as Api.ReactionEmoji).emoticon, r.count])).toEqual([
        ['👍', 1],
      ]);

      const message = (await chat.history()).find((m) => m.id === id);
      expect(countsOf(message)).toEqual([['👍', 1, 1]]);
      const recent = message?.reactions?.recentReactions ?? [];
      if (kind === 'channel') {
        // A channel's reactions are anonymous.
        expect(recent).toEqual([]);
      } else {
        expect(recent).toHaveLength(1);
        expect(recent[0]).toMatchObject({ my: true, big: true });
      }

      const heard = await botUpdates(
        chat.bot.token,
        (us) => us.some((u) => u.message_reaction ?? u.message_reaction_count),
        'the reaction reaching the bot',
      );
      if (kind === 'channel') {
        expect(heard.find((u) => u.message_reaction_count)?.message_reaction_count).toMatchObject({
          chat: { id: chat.chatId, type: 'channel' },
          message_id: id,
          reactions: [{ type: { type: 'emoji', emoji: '👍' }, total_count: 1 }],
        });
        expect(heard.some((u) => u.message_reaction)).toBe(false);
      } else {
        const me = await chat.app.getMe();
        expect(heard.find((u) => u.message_reaction)?.message_reaction).toMatchObject({
          chat: { id: chat.chatId },
          message_id: id,
          user: { id: Number(me.id), is_bot: false, first_name: 'Ann' },
          old_reaction: [],
          new_reaction: [{ type: 'emoji', emoji: '👍' }],
        });
      }

      // Taking it back leaves the message with none.
      await chat.app.invoke(new Api.messages.SendReaction({ peer: chat.peer, msgId: id, reaction: [] }));
      expect(countsOf((await chat.history()).find((m) => m.id === id))).toEqual([]);
    },
  );

  it('tells a bot nothing of reactions unless it asked for them in allowed_updates', async () => {
    const chat = await botChatOf(suite.kit, 'supergroup');
    const first = await chat.write('first');
    await chat.app.invoke(new Api.messages.SendReaction({ peer: chat.peer, msgId: first, reaction: [emoji('🔥')] }));
    // Updates keep their order: the message written after the reaction comes, and nothing of the reaction before it.
    const second = await chat.write('second');
    const updates = await botUpdates(
      chat.bot.token,
      (us) => us.some((u) => u.message?.message_id === second),
      'the second message reaching the bot',
    );
    const kinds = updates.flatMap((u) => Object.keys(u));
    expect(kinds.filter((k) => k === 'message')).toHaveLength(2);
    expect(kinds).not.toContain('message_reaction');
  });

  it('shows a member the reactions of others in history and pushes, counted with their own (gramjs and mtcute)', async () => {
    const { kit } = suite;
    const ann = await newUser(kit, { firstName: 'Ann' });
    const bob = await newUser(kit, { firstName: 'Bob' });
    const username = `rxgroup${Date.now() % 100000}`;
    const group = await newChannel(kit.sandbox, ann.phone, { megagroup: true, username });
    expect(
      (await control(kit.sandbox, 'POST', `/sandbox/channels/${group.id}/members`, { phone: bob.phone })).status,
    ).toBe(200);
    const id = (
      await control(kit.sandbox, 'POST', `/sandbox/channels/${group.id}/messages`, {
        text: 'lunch?',
        from_phone: ann.phone,
      })
    ).body.message_id as number;
    const peer = new Api.InputPeerChannel({
      channelId: returnBigInt(group.channel_id),
      accessHash: returnBigInt(group.access_hash),
    });

    const annApp = await signedInClient(kit, ann);
    const pushed: Api.UpdateMessageReactions[] = [];
    annApp.addEventHandler(
      (u: Api.UpdateMessageReactions) => pushed.push(u),
      new Raw({ types: [Api.UpdateMessageReactions] }),
    );
    await annApp.invoke(new Api.messages.GetHistory({ peer, limit: 5 }));

    // Bob reacts from mtcute (layer 227).
    const bobApp = mtcuteClient(kit.sandbox);
    mtcuteClients.push(bobApp);
    await signInMtcute(kit, bobApp, bob.phone);
    await bobApp.call({
      _: 'messages.sendReaction',
      peer: await bobApp.resolvePeer(`@${username}`),
      msgId: id,
      reaction: [{ _: 'reactionEmoji', emoticon: '🔥' }],
    });

    const told = await eventually(() => pushed.find((u) => u.msgId === id), { what: "Bob's reaction pushed to Ann" });
    expect(countsIn(told.reactions)).toEqual([['🔥', 1, undefined]]);
    expect(told.reactions.recentReactions?.map((r) => [Number((r.peerId as Api.PeerUser).userId), r.my])).toEqual([
      [bob.id, false],
    ]);

    await annApp.invoke(new Api.messages.SendReaction({ peer, msgId: id, reaction: [emoji('🔥')] }));
    const [message] = (await annApp.getMessages(peer, { ids: [id] })) as Api.Message[];
    expect(countsOf(message)).toEqual([['🔥', 2, 1]]);

    // Bob's mtcute reads both, his own marked as chosen.
    const [inMtcute] = await bobApp.getMessages(`@${username}`, [id]);
    expect(inMtcute?.reactions?.reactions.map((r) => [r.emoji, r.count, r.order])).toEqual([['🔥', 2, 1]]);

    // Ann changes her mind: one reaction each, the newest last.
    await annApp.invoke(new Api.messages.SendReaction({ peer, msgId: id, reaction: [emoji('👍')] }));
    const [changed] = (await annApp.getMessages(peer, { ids: [id] })) as Api.Message[];
    expect(countsOf(changed)).toEqual([
      ['🔥', 1, undefined],
      ['👍', 1, 1],
    ]);
    // The control API lists them too.
    const listed = (await control(kit.sandbox, 'GET', `/sandbox/channels/${group.id}/messages`)).body as {
      message_id: number;
      reactions?: Record<string, number>;
    }[];
    expect(listed.find((m) => m.message_id === id)?.reactions).toEqual({ '🔥': 1, '👍': 1 });
    await kit.destroy(annApp);
  });

  it('tells the other side of a private chat between two people, and lists the reaction in the control API', async () => {
    const { kit } = suite;
    const ann = await namedUser(kit, 'Ann');
    const bob = await namedUser(kit, 'Bob');
    const id = (
      await control(kit.sandbox, 'POST', `/sandbox/users/${ann.phone}/messages`, { from_phone: bob.phone, text: 'hi' })
    ).body.message_id as number;
    const annApp = await signedInClient(kit, ann);
    const bobApp = await signedInClient(kit, bob);
    const pushed: Api.UpdateMessageReactions[] = [];
    bobApp.addEventHandler(
      (u: Api.UpdateMessageReactions) => pushed.push(u),
      new Raw({ types: [Api.UpdateMessageReactions] }),
    );
    await bobApp.getDialogs({ limit: 5 });
    const bobUser = (await annApp.invoke(new Api.contacts.ResolveUsername({ username: bob.username })))
      .users[0] as Api.User;
    const peer = new Api.InputPeerUser({ userId: bobUser.id, accessHash: returnBigInt(bobUser.accessHash ?? 0) });
    await annApp.invoke(new Api.messages.SendReaction({ peer, msgId: id, reaction: [emoji('😁')] }));

    const told = await eventually(() => pushed.find((u) => u.msgId === id), { what: "Ann's reaction pushed to Bob" });
    expect(Number((told.peer as Api.PeerUser).userId)).toBe(ann.id);
    expect(countsIn(told.reactions)).toEqual([['😁', 1, undefined]]);
    const listed = (await control(kit.sandbox, 'GET', `/sandbox/users/${bob.phone}/messages`)).body as {
      message_id: number;
      reactions?: Record<string, number>;
    }[];
    expect(listed.find((m) => m.message_id === id)?.reactions).toEqual({ '😁': 1 });
    await kit.destroy(annApp);
    await kit.destroy(bobApp);
  });

  it('adds members’ reactions to a channel post’s audience counts, in history and getMessagesReactions', async () => {
    const { kit } = suite;
    const owner = await newUser(kit);
    const channel = await newChannel(kit.sandbox, owner.phone);
    const id = (await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, { text: 'news' })).body
      .message_id as number;
    const set = await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/messages/${id}/counters`, {
      reactions: { '👍': 40, '🔥': 3 },
    });
    expect(set.status).toBe(200);
    const app = await signedInClient(kit, owner);
    const peer = new Api.InputPeerChannel({
      channelId: returnBigInt(channel.channel_id),
      accessHash: returnBigInt(channel.access_hash),
    });
    await app.invoke(new Api.messages.SendReaction({ peer, msgId: id, reaction: [emoji('🔥')] }));

    const [post] = (await app.getMessages(peer, { ids: [id] })) as Api.Message[];
    expect(countsOf(post)).toEqual([
      ['👍', 40, undefined],
      ['🔥', 4, 1],
    ]);
    const listed = (await control(kit.sandbox, 'GET', `/sandbox/channels/${channel.id}/messages`)).body as {
      message_id: number;
      reactions: Record<string, number>;
    }[];
    expect(listed.find((m) => m.message_id === id)?.reactions).toEqual({ '👍': 40, '🔥': 4 });
    const asked = (await app.invoke(new Api.messages.GetMessagesReactions({ peer, id: [id] }))) as Api.Updates;
    const update = asked.updates[0] as Api.UpdateMessageReactions;
    expect(update.reactions.results.map((r) => [(r.reaction as Api.ReactionEmoji).emoticon, r.count])).toEqual([
      ['👍', 40],
      ['🔥', 4],
    ]);
    // Setting the audience's counts again leaves the member's reaction on top of them.
    await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/messages/${id}/counters`, { views: 900 });
    const [again] = (await app.getMessages(peer, { ids: [id] })) as Api.Message[];
    expect(countsOf(again)).toEqual([
      ['👍', 40, undefined],
      ['🔥', 4, 1],
    ]);
    await kit.destroy(app);
  });

  it('refuses a reaction Telegram refuses: not a standard emoji, more than one, a custom emoji, no such message', async () => {
    const chat = await botChatOf(suite.kit, 'group');
    const id = await chat.write('pick one');
    const react = (reaction: Api.TypeReaction[], msgId = id) =>
      errorOf(chat.app.invoke(new Api.messages.SendReaction({ peer: chat.peer, msgId, reaction })));
    expect(await react([emoji('🦖')])).toBe('REACTION_INVALID');
    expect(await react([new Api.ReactionCustomEmoji({ documentId: returnBigInt(5) })])).toBe('REACTION_INVALID');
    expect(await react([emoji('👍'), emoji('🔥')])).toBe('REACTIONS_TOO_MANY');
    expect(await react([emoji('👍')], 999_999)).toBe('MSG_ID_INVALID');
    expect(await react([emoji('👍')], -1)).toBe('MSG_ID_INVALID');
    expect(countsOf((await chat.history()).find((m) => m.id === id))).toEqual([]);
  });

  it('keeps to the reactions a chat’s admin allows: some, none, then all again, for members and bots', async () => {
    const chat = await botChatOf(suite.kit, 'supergroup');
    const choose = (app: typeof chat.app, availableReactions: Api.TypeChatReactions) =>
      app.invoke(new Api.messages.SetChatAvailableReactions({ peer: chat.peer, availableReactions }));
    const getChat = async () =>
      (await rawBotCall(suite.kit.sandbox, chat.bot.token, 'getChat', { chat_id: chat.chatId })).body.result as Update;
    const react = (e: string, msgId: number) =>
      chat.app.invoke(new Api.messages.SendReaction({ peer: chat.peer, msgId, reaction: [emoji(e)] }));
    const botReact = async (e: string, messageId: number) =>
      (
        await rawBotCall(suite.kit.sandbox, chat.bot.token, 'setMessageReaction', {
          chat_id: chat.chatId,
          message_id: messageId,
          reaction: JSON.stringify([{ type: 'emoji', emoji: e }]),
        })
      ).body;
    const id = await chat.write('what do you think?');
    expect((await getChat()).available_reactions).toBeUndefined();

    await choose(chat.app, new Api.ChatReactionsSome({ reactions: [emoji('👍'), emoji('❤')] }));
    const full = await chat.app.invoke(new Api.channels.GetFullChannel({ channel: chat.peer }));
    const chosen = full.fullChat.availableReactions as Api.ChatReactionsSome;
    expect(chosen.reactions.map((r) => (r as Api.ReactionEmoji).emoticon)).toEqual(['👍', '❤']);
    expect((await getChat()).available_reactions).toEqual([
      { type: 'emoji', emoji: '👍' },
      { type: 'emoji', emoji: '❤' },
    ]);
    expect(await errorOf(react('🔥', id))).toBe('REACTION_INVALID');
    await react('👍', id);
    expect(await botReact('🔥', id)).toMatchObject({ ok: false, description: 'Bad Request: REACTION_INVALID' });
    expect(await botReact('❤', id)).toMatchObject({ ok: true });

    // Only an admin who may change the chat's info chooses (the sandbox gives every app the chat's one access hash).
    const other = await newUser(suite.kit, { firstName: 'Otto' });
    await control(suite.kit.sandbox, 'POST', `/sandbox/channels/${chat.chatId}/members`, { phone: other.phone });
    const otherApp = await signedInClient(suite.kit, other);
    expect(
      await errorOf(
        otherApp.invoke(
          new Api.messages.SetChatAvailableReactions({
            peer: chat.peer,
            availableReactions: new Api.ChatReactionsNone(),
          }),
        ),
      ),
    ).toBe('CHAT_ADMIN_REQUIRED');
    expect(await errorOf(choose(chat.app, new Api.ChatReactionsSome({ reactions: [emoji('🦖')] })))).toBe(
      'REACTION_INVALID',
    );

    await choose(chat.app, new Api.ChatReactionsNone());
    expect((await getChat()).available_reactions).toEqual([]);
    expect(await errorOf(react('👍', id))).toBe('REACTION_INVALID');

    await choose(chat.app, new Api.ChatReactionsAll({}));
    expect((await getChat()).available_reactions).toBeUndefined();
    await react('🔥', id);
  });

  it('lets a bot react with setMessageReaction: members see it, refusals are the official server’s', async () => {
    const chat = await botChatOf(suite.kit, 'supergroup');
    const id = await chat.write('bot, react');
    // A second administrator bot that asked for reactions hears none set by a bot (Telegram's rule).
    const listener = await newBot(suite.kit.sandbox);
    await addBotToChannel(suite.kit.sandbox, chat.chatId, listener.id);
    await rawBotCall(suite.kit.sandbox, listener.token, 'getUpdates', {
      timeout: 0,
      allowed_updates: ['message', 'message_reaction'],
    });

    expect(await chat.tg.setMessageReaction(chat.chatId, id, [{ type: 'emoji', emoji: '🎉' }], true)).toBe(true);
    const message = (await chat.history()).find((m) => m.id === id);
    expect(countsOf(message)).toEqual([['🎉', 1, undefined]]);
    expect(message?.reactions?.recentReactions?.map((r) => Number((r.peerId as Api.PeerUser).userId))).toEqual([
      chat.bot.id,
    ]);

    const after = await chat.write('after the bot reacted');
    const heard = await botUpdates(
      listener.token,
      (us) => us.some((u) => u.message?.message_id === after),
      'the next message reaching the listening bot',
    );
    expect(heard.some((u) => u.message_reaction)).toBe(false);

    const call = (params: Record<string, unknown>) =>
      rawBotCall(suite.kit.sandbox, chat.bot.token, 'setMessageReaction', { chat_id: chat.chatId, ...params });
    const refusal = async (params: Record<string, unknown>) => (await call(params)).body as Update;
    expect(await refusal({ message_id: id, reaction: [{ type: 'emoji', emoji: '🦖' }] })).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: REACTION_INVALID',
    });
    expect(
      (
        await refusal({
          message_id: id,
          reaction: [
            { type: 'emoji', emoji: '👍' },
            { type: 'emoji', emoji: '🔥' },
          ],
        })
      ).description,
    ).toBe('Bad Request: REACTIONS_TOO_MANY');
    expect((await refusal({ message_id: 999_999, reaction: [{ type: 'emoji', emoji: '👍' }] })).description).toBe(
      'Bad Request: message to react not found',
    );
    expect((await refusal({ message_id: id, reaction: '[{' })).description).toBe(
      "Bad Request: can't parse reaction types JSON object",
    );
    expect((await refusal({ message_id: id, reaction: { type: 'emoji' } })).description).toBe(
      'Bad Request: expected an Array of ReactionType',
    );
    expect((await refusal({ message_id: id, reaction: [{ type: 'sticker' }] })).description).toBe(
      "Bad Request: can't parse ReactionType: invalid reaction type specified",
    );
    expect((await refusal({ message_id: id, reaction: [{ type: 'emoji' }] })).description).toBe(
      'Bad Request: can\'t parse ReactionType: Can\'t find field "emoji"',
    );
    // Without a reaction the bot takes its own back.
    expect(await call({ message_id: id })).toEqual({ status: 200, body: { ok: true, result: true } });
    expect(countsOf((await chat.history()).find((m) => m.id === id))).toEqual([]);
  });

  it('keeps reactions in a bot’s private chat and tells the user’s app of the bot’s reaction', async () => {
    const chat = await botChatOf(suite.kit, 'private');
    const pushed: Api.UpdateMessageReactions[] = [];
    chat.app.addEventHandler(
      (u: Api.UpdateMessageReactions) => pushed.push(u),
      new Raw({ types: [Api.UpdateMessageReactions] }),
    );
    const id = await chat.write('hello bot');
    await telegramFor(suite.kit.sandbox, chat.bot.token).setMessageReaction(chat.chatId, id, [
      { type: 'emoji', emoji: '❤' },
    ]);
    const told = await eventually(() => pushed.find((u) => u.msgId === id), { what: 'the reaction pushed' });
    expect(told.reactions.results.map((r) => [(r.reaction as Api.ReactionEmoji).emoticon, r.count])).toEqual([
      ['❤', 1],
    ]);
    expect(countsOf((await chat.history()).find((m) => m.id === id))).toEqual([['❤', 1, undefined]]);
  });
});
