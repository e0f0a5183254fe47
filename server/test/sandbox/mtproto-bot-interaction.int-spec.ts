import { Markup, Telegraf } from 'telegraf';
import { Api, type TelegramClient } from 'telegram';
import { Raw } from 'telegram/events';
import { returnBigInt } from 'telegram/Helpers';
import { eventually } from '../helpers/eventually';
import { addBotToChannel, control, newBot, newChannel, telegramFor } from './bot-helpers';
import { mtcuteClient, signInMtcute } from './mtcute-kit';
import {
  channelPeer,
  errorOf,
  type MtprotoKit,
  namedUser,
  newUser,
  signedInClient,
  startMtprotoKit,
} from './mtproto-kit';

/**
 * The calls a user's app makes talking to a bot, with a real telegraf bot polling the sandbox and real apps (gramjs,
 * and mtcute for one press): pressing an inline button, a deep-link start, reading messages by id, typing, presence.
 */
describe('an app talking to a bot over MTProto', () => {
  let kit: MtprotoKit;
  /** The wait for a bot's answer to a press, short here so a silent bot fails fast. */
  const ANSWER_WAIT_MS = 400;

  beforeAll(async () => {
    kit = await startMtprotoKit({ callbackAnswerTimeoutMs: ANSWER_WAIT_MS });
  });
  afterAll(async () => {
    await kit.close();
  });

  interface RunningBot {
    bot: { id: number; token: string; username: string };
    /** Presses the bot heard, as telegraf read them. */
    presses: { data: string | undefined; from: number; messageId: number | undefined; chatInstance: string }[];
    /** The start payloads `bot.start` read. */
    starts: string[];
    stop(): Promise<void>;
  }

  /**
   * A telegraf bot polling the sandbox: /start answers with a keyboard of two buttons, "yes" (answered with an alert)
   * and "later" (answered with a URL and a cache time); "silent" is pressed but never answered.
   */
  async function runBot(): Promise<RunningBot> {
    const bot = await newBot(kit.sandbox);
    const app = new Telegraf(bot.token, { telegram: { apiRoot: kit.sandbox.httpUrl, webhookReply: false } });
    const presses: RunningBot['presses'] = [];
    const starts: string[] = [];
    app.start(async (ctx) => {
      starts.push(ctx.payload);
      await ctx.reply(
        `started ${ctx.payload}`,
        Markup.inlineKeyboard([
          Markup.button.callback('Yes', 'yes'),
          Markup.button.callback('Later', 'later'),
          Markup.button.callback('Silent', 'silent'),
        ]),
      );
    });
    app.on('callback_query', async (ctx) => {
      const query = ctx.callbackQuery;
      const data = 'data' in query ? query.data : undefined;
      presses.push({
        data,
        from: query.from.id,
        messageId: query.message?.message_id,
        chatInstance: query.chat_instance,
      });
      if (data === 'yes') await ctx.answerCbQuery('You said yes', { show_alert: true });
      if (data === 'later')
        await ctx.answerCbQuery('See you', { url: 'https://t.me/sandbox_bot?start=later', cache_time: 30 });
    });
    const running = app.launch();
    return {
      bot,
      presses,
      starts,
      async stop() {
        app.stop('test done');
        await running;
      },
    };
  }

  /** A signed-in app that has started the bot with a deep-link parameter, and the keyboard message the bot sent back. */
  async function startedChat(running: RunningBot, param: string) {
    const user = await newUser(kit, { firstName: 'Pia' });
    const client = await signedInClient(kit, user);
    const peer = await client.getInputEntity(running.bot.username);
    await client.invoke(
      new Api.messages.StartBot({
        bot: peer,
        peer,
        randomId: returnBigInt(Date.now()),
        startParam: param,
      }),
    );
    const keyboard = await eventually(
      async () => (await client.getMessages(peer, { limit: 1 })).find((m) => m.message === `started ${param}`),
      { what: "the bot's keyboard message" },
    );
    return { user, client, peer, keyboard };
  }

  const press = (client: TelegramClient, peer: Api.TypeInputPeer, msgId: number, data: string) =>
    client.invoke(new Api.messages.GetBotCallbackAnswer({ peer, msgId, data: Buffer.from(data) }));

  it("presses a button: the bot hears the callback_query and the app gets the bot's answer", async () => {
    const running = await runBot();
    try {
      const { user, client, peer, keyboard } = await startedChat(running, 'ref_42');
      const answer = await press(client, peer, keyboard.id, 'yes');
      expect(answer).toBeInstanceOf(Api.messages.BotCallbackAnswer);
      expect(answer).toMatchObject({ message: 'You said yes', alert: true, cacheTime: 0 });
      expect(answer.hasUrl).toBeFalsy();
      expect(answer.url).toBeFalsy();
      expect(running.presses).toEqual([
        { data: 'yes', from: user.id, messageId: keyboard.id, chatInstance: expect.stringMatching(/^-?\d+$/) },
      ]);

      const later = await press(client, peer, keyboard.id, 'later');
      expect(later).toMatchObject({
        message: 'See you',
        url: 'https://t.me/sandbox_bot?start=later',
        hasUrl: true,
        cacheTime: 30,
      });
      expect(later.alert).toBeFalsy();
      // The same chat, the same chat_instance.
      expect(running.presses[1]?.chatInstance).toBe(running.presses[0]?.chatInstance);
    } finally {
      await running.stop();
    }
  });

  it('answers BOT_RESPONSE_TIMEOUT when the bot does not answer, DATA_INVALID and MESSAGE_ID_INVALID for a wrong press', async () => {
    const running = await runBot();
    try {
      const { client, peer, keyboard } = await startedChat(running, 'quiet');
      expect(await errorOf(press(client, peer, keyboard.id, 'silent'))).toBe('BOT_RESPONSE_TIMEOUT');
      // The bot did hear it, it just never answered.
      expect(running.presses.map((p) => p.data)).toEqual(['silent']);
      expect(await errorOf(press(client, peer, keyboard.id, 'not-a-button'))).toBe('DATA_INVALID');
      expect(await errorOf(press(client, peer, keyboard.id + 100_000, 'yes'))).toBe('MESSAGE_ID_INVALID');
      // The app's own /start is no message of the bot's with buttons.
      const own = await client.getMessages(peer, { limit: 2 });
      const mine = own.find((m) => m.out);
      expect(mine?.message).toBe('/start quiet');
      expect(await errorOf(press(client, peer, mine?.id ?? 0, 'yes'))).toBe('MESSAGE_ID_INVALID');
      // Refused presses never reached the bot.
      expect(running.presses.map((p) => p.data)).toEqual(['silent']);
    } finally {
      await running.stop();
    }
  });

  it("presses a button under a bot's post in a channel the user reads", async () => {
    const running = await runBot();
    try {
      const owner = await newUser(kit, { firstName: 'Owen' });
      const reader = await newUser(kit, { firstName: 'Rae' });
      const channel = await newChannel(kit.sandbox, owner.phone, { username: `presses_${Date.now() % 100000}` });
      await addBotToChannel(kit.sandbox, channel.id, running.bot.id);
      const post = await telegramFor(kit.sandbox, running.bot.token).sendMessage(
        channel.id,
        'Vote',
        Markup.inlineKeyboard([Markup.button.callback('Yes', 'yes')]),
      );
      const app = await signedInClient(kit, reader);
      await app.invoke(new Api.channels.JoinChannel({ channel: channelPeer(channel) }));
      const answer = await press(app, channelPeer(channel), post.message_id, 'yes');
      expect(answer).toMatchObject({ message: 'You said yes', alert: true });
      expect(running.presses).toEqual([
        expect.objectContaining({ data: 'yes', from: reader.id, messageId: post.message_id }),
      ]);
      // A post of no bot has no buttons to press.
      const plain = await control(kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/messages`, { text: 'plain' });
      expect(plain.status).toBe(200);
      expect(await errorOf(press(app, channelPeer(channel), plain.body.message_id, 'yes'))).toBe('MESSAGE_ID_INVALID');
    } finally {
      await running.stop();
    }
  });

  it('lets other calls of the same app through while a press waits for the bot', async () => {
    const running = await runBot();
    try {
      const { client, peer, keyboard } = await startedChat(running, 'busy');
      let settled = false;
      const waiting = errorOf(press(client, peer, keyboard.id, 'silent')).finally(() => (settled = true));
      await eventually(() => running.presses.some((p) => p.data === 'silent'), { what: 'the press to reach the bot' });
      const me = await client.getMe();
      expect(Number(me.id)).toBeGreaterThan(0);
      // The connection answered getMe while the press was still waiting for the bot.
      expect(settled).toBe(false);
      expect(await waiting).toBe('BOT_RESPONSE_TIMEOUT');
    } finally {
      await running.stop();
    }
  });

  it('starts a bot with a deep-link parameter: the bot reads the payload of "/start <param>"', async () => {
    const running = await runBot();
    try {
      const { client, peer } = await startedChat(running, 'promo-2024_A');
      expect(running.starts).toEqual(['promo-2024_A']);
      const startBot = (param: string) =>
        client.invoke(
          new Api.messages.StartBot({
            bot: peer,
            peer,
            randomId: returnBigInt(Date.now() + Math.floor(Math.random() * 1000)),
            startParam: param,
          }),
        );
      expect(await errorOf(startBot('has space'))).toBe('START_PARAM_INVALID');
      expect(await errorOf(startBot('x'.repeat(65)))).toBe('START_PARAM_TOO_LONG');
      expect(await errorOf(startBot(''))).toBe('START_PARAM_EMPTY');
      const someone = await namedUser(kit, 'Ola');
      const person = await client.getInputEntity(someone.username);
      expect(
        await errorOf(
          client.invoke(
            new Api.messages.StartBot({
              bot: person,
              peer: person,
              randomId: returnBigInt(7),
              startParam: 'a',
            }),
          ),
        ),
      ).toBe('BOT_INVALID');
      expect(running.starts).toEqual(['promo-2024_A']);
    } finally {
      await running.stop();
    }
  });

  it('reads messages of a private chat and a basic group by id; a missing one comes back empty', async () => {
    const ann = await namedUser(kit, 'Ann');
    const ben = await namedUser(kit, 'Ben');
    const annApp = await signedInClient(kit, ann);
    const benPeer = await annApp.getInputEntity(ben.username);
    const first = await annApp.sendMessage(benPeer, { message: 'first' });
    const second = await annApp.sendMessage(benPeer, { message: 'second', replyTo: first.id });

    const got = await annApp.getMessages(benPeer, { ids: [second.id, first.id, second.id + 500_000] });
    expect([...got].map((m) => m?.message)).toEqual(['second', 'first', undefined]);

    const raw = await annApp.invoke(
      new Api.messages.GetMessages({
        id: [
          new Api.InputMessageID({ id: first.id }),
          new Api.InputMessageReplyTo({ id: second.id }),
          new Api.InputMessageID({ id: 999_999_999 }),
        ],
      }),
    );
    expect(raw).toBeInstanceOf(Api.messages.Messages);
    const messages = (raw as Api.messages.Messages).messages;
    expect(messages.map((m) => m.className)).toEqual(['Message', 'Message', 'MessageEmpty']);
    expect(messages.map((m) => m.id)).toEqual([first.id, first.id, 999_999_999]);
    expect((raw as Api.messages.Messages).users.map((u) => Number(u.id)).sort()).toEqual([ann.id, ben.id].sort());

    // A basic group the account is in: its messages by id, with the group among the chats.
    const created = await control(kit.sandbox, 'POST', '/sandbox/groups', {
      title: 'Reading group',
      owner_phone: ann.phone,
      member_phones: [ben.phone],
    });
    expect(created.status).toBe(201);
    const posted = await control(kit.sandbox, 'POST', `/sandbox/groups/${created.body.id}/messages`, {
      from_phone: ben.phone,
      text: 'in the group',
    });
    const groupMessageId = posted.body.message_id as number;
    const inGroup = (await annApp.invoke(
      new Api.messages.GetMessages({ id: [new Api.InputMessageID({ id: groupMessageId })] }),
    )) as Api.messages.Messages;
    expect(inGroup.messages[0]).toMatchObject({ className: 'Message', id: groupMessageId, message: 'in the group' });
    expect(inGroup.chats.map((c) => Number(c.id))).toEqual([created.body.id]);

    // Someone else's chat is no message of this account's.
    const cy = await newUser(kit, { firstName: 'Cy' });
    const cyApp = await signedInClient(kit, cy);
    const theirs = (await cyApp.invoke(
      new Api.messages.GetMessages({ id: [new Api.InputMessageID({ id: first.id })] }),
    )) as Api.messages.Messages;
    expect(theirs.messages.map((m) => m.className)).toEqual(['MessageEmpty']);
  });

  it("shows a user's typing to the other side of a private chat and to a supergroup's other members", async () => {
    const ann = await namedUser(kit, 'Ann');
    const ben = await namedUser(kit, 'Ben');
    const [annApp, benApp] = [await signedInClient(kit, ann), await signedInClient(kit, ben)];
    const seenByBen: Api.TypeUpdate[] = [];
    const seenByAnn: Api.TypeUpdate[] = [];
    benApp.addEventHandler((u: Api.TypeUpdate) => seenByBen.push(u), new Raw({}));
    annApp.addEventHandler((u: Api.TypeUpdate) => seenByAnn.push(u), new Raw({}));
    await Promise.all([annApp.getMe(), benApp.getMe()]);

    const benPeer = await annApp.getInputEntity(ben.username);
    expect(
      await annApp.invoke(new Api.messages.SetTyping({ peer: benPeer, action: new Api.SendMessageTypingAction() })),
    ).toBe(true);
    const typing = await eventually(
      () => seenByBen.find((u): u is Api.UpdateUserTyping => u instanceof Api.UpdateUserTyping),
      { what: "Ben's app to see Ann typing" },
    );
    expect(Number(typing.userId)).toBe(ann.id);
    expect(typing.action).toBeInstanceOf(Api.SendMessageTypingAction);

    // A basic group's other members see it as the group's typing.
    const created = await control(kit.sandbox, 'POST', '/sandbox/groups', {
      title: 'Typing club',
      owner_phone: ann.phone,
      member_phones: [ben.phone],
    });
    await annApp.invoke(
      new Api.messages.SetTyping({
        peer: new Api.InputPeerChat({ chatId: returnBigInt(created.body.id) }),
        action: new Api.SendMessageRecordAudioAction(),
      }),
    );
    const inBasicGroup = await eventually(
      () => seenByBen.find((u): u is Api.UpdateChatUserTyping => u instanceof Api.UpdateChatUserTyping),
      { what: "Ben's app to see Ann recording in the basic group" },
    );
    expect(Number(inBasicGroup.chatId)).toBe(created.body.id);
    expect(inBasicGroup.fromId).toEqual(new Api.PeerUser({ userId: returnBigInt(ann.id) }));
    expect(inBasicGroup.action).toBeInstanceOf(Api.SendMessageRecordAudioAction);

    const group = await newChannel(kit.sandbox, ann.phone, {
      megagroup: true,
      username: `typing_${Date.now() % 100000}`,
    });
    await benApp.invoke(new Api.channels.JoinChannel({ channel: channelPeer(group) }));
    expect(
      await benApp.invoke(
        new Api.messages.SetTyping({
          peer: channelPeer(group),
          action: new Api.SendMessageUploadPhotoAction({ progress: 40 }),
        }),
      ),
    ).toBe(true);
    const inGroup = await eventually(
      () => seenByAnn.find((u): u is Api.UpdateChannelUserTyping => u instanceof Api.UpdateChannelUserTyping),
      { what: "Ann's app to see Ben uploading in the supergroup" },
    );
    expect(Number(inGroup.channelId)).toBe(group.channel_id);
    expect(inGroup.fromId).toEqual(new Api.PeerUser({ userId: returnBigInt(ben.id) }));
    expect(inGroup.action).toEqual(new Api.SendMessageUploadPhotoAction({ progress: 40 }));
    // The typer is not told of its own typing.
    expect(seenByBen.some((u) => u instanceof Api.UpdateChannelUserTyping)).toBe(false);
  });

  it('tells contacts when a user comes online or goes offline, and shows the status in the user others get', async () => {
    const ann = await namedUser(kit, 'Ann');
    const ben = await newUser(kit, { firstName: 'Ben' });
    const [annApp, benApp] = [await signedInClient(kit, ann), await signedInClient(kit, ben)];
    await benApp.invoke(
      new Api.contacts.ImportContacts({
        contacts: [
          new Api.InputPhoneContact({ clientId: returnBigInt(1), phone: ann.phone, firstName: 'Ann', lastName: '' }),
        ],
      }),
    );
    const seenByBen: Api.TypeUpdate[] = [];
    benApp.addEventHandler((u: Api.TypeUpdate) => seenByBen.push(u), new Raw({}));
    await benApp.getMe();

    expect(await annApp.invoke(new Api.account.UpdateStatus({ offline: false }))).toBe(true);
    const online = await eventually(
      () => seenByBen.find((u): u is Api.UpdateUserStatus => u instanceof Api.UpdateUserStatus),
      { what: "Ben's app to see Ann online" },
    );
    expect(Number(online.userId)).toBe(ann.id);
    expect(online.status).toBeInstanceOf(Api.UserStatusOnline);
    expect((online.status as Api.UserStatusOnline).expires).toBeGreaterThan(Math.floor(Date.now() / 1000));

    expect(await annApp.invoke(new Api.account.UpdateStatus({ offline: true }))).toBe(true);
    const offline = await eventually(
      () =>
        seenByBen.find(
          (u): u is Api.UpdateUserStatus =>
            u instanceof Api.UpdateUserStatus && u.status instanceof Api.UserStatusOffline,
        ),
      { what: "Ben's app to see Ann go offline" },
    );
    expect(Number(offline.userId)).toBe(ann.id);

    // Someone without Ann in their contacts reads her status in the user object...
    const cy = await newUser(kit, { firstName: 'Cy' });
    const cyApp = await signedInClient(kit, cy);
    const annSeenByCy = async () => {
      const [user] = await cyApp.invoke(new Api.users.GetUsers({ id: [await cyApp.getInputEntity(ann.username)] }));
      return (user as Api.User).status;
    };
    const status = await annSeenByCy();
    expect(status).toBeInstanceOf(Api.UserStatusOffline);
    expect((status as Api.UserStatusOffline).wasOnline).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    // ...until her last-seen privacy hides it: "recently".
    await annApp.invoke(
      new Api.account.SetPrivacy({
        key: new Api.InputPrivacyKeyStatusTimestamp(),
        rules: [new Api.InputPrivacyValueAllowContacts(), new Api.InputPrivacyValueDisallowAll()],
      }),
    );
    expect(await annSeenByCy()).toBeInstanceOf(Api.UserStatusRecently);
  });

  it('presses a button from mtcute (layer 227) too', async () => {
    const running = await runBot();
    const user = await newUser(kit, { firstName: 'Mia' });
    const app = mtcuteClient(kit.sandbox);
    try {
      await signInMtcute(kit, app, user.phone);
      const peer = await app.resolvePeer(running.bot.username);
      // The "Start" button of an app sends the command as text; the bot reads its payload the same way.
      await app.sendText(running.bot.username, '/start mtcute');
      const keyboard = await eventually(
        async () => (await app.getHistory(running.bot.username, { limit: 1 })).find((m) => m.text === 'started mtcute'),
        { what: "the bot's keyboard message in mtcute" },
      );
      const answer = await app.call({
        _: 'messages.getBotCallbackAnswer',
        peer,
        msgId: keyboard.id,
        data: new TextEncoder().encode('yes'),
      });
      expect(answer).toMatchObject({ _: 'messages.botCallbackAnswer', message: 'You said yes', alert: true });
      expect(running.starts).toEqual(['mtcute']);
    } finally {
      await app.destroy();
      await running.stop();
    }
  });
});
