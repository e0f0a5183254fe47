import { Api, type TelegramClient } from 'telegram';
import { CustomFile } from 'telegram/client/uploads';
import { Raw } from 'telegram/events/Raw';
import { returnBigInt } from 'telegram/Helpers';
import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { eventually } from '../helpers/eventually';
import { control, newBot, newUser, telegramFor } from './bot-helpers';
import { errorOf, type MtprotoKit, newUser as newMtprotoUser, signedInClient, startMtprotoKit } from './mtproto-kit';

/** A 1×1 PNG: a real image, so the sandbox takes it as a photo. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** What telegraf's TelegramError carries of Telegram's answer. */
const refusal = (error_code: number, description: string) => ({ response: { ok: false, error_code, description } });

describe('sandbox basic groups through the Bot API (real telegraf)', () => {
  let sandbox: SandboxHandle;

  beforeAll(async () => {
    sandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0 });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  async function newGroup(
    ownerPhone: string,
    memberPhones: string[],
    bots: { id: number; admin?: boolean }[],
  ): Promise<{ id: number; bot_api_id: number }> {
    const res = await control(sandbox, 'POST', '/sandbox/groups', {
      title: 'Book club',
      owner_phone: ownerPhone,
      member_phones: memberPhones,
      bots,
    });
    if (res.status !== 201) throw new Error(`group not created: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  it('tells each bot put in a new group, from its creator, as a member or an administrator', async () => {
    const owner = await newUser(sandbox, 'Owner');
    const plain = await newBot(sandbox);
    const admin = await newBot(sandbox);
    const group = await newGroup(owner.phone, [], [{ id: plain.id }, { id: admin.id, admin: true }]);

    const changeOf = async (token: string): Promise<any> => {
      const updates = (await telegramFor(sandbox, token).getUpdates(0, 100, 0, undefined)) as any[];
      // Then the group's first message: the owner made it.
      expect(updates).toHaveLength(2);
      expect(updates[1].message).toMatchObject({ chat: { id: group.bot_api_id }, group_chat_created: true });
      return updates[0].my_chat_member;
    };
    const [plainChange, adminChange] = [await changeOf(plain.token), await changeOf(admin.token)];
    for (const [change, bot] of [
      [plainChange, plain],
      [adminChange, admin],
    ] as const) {
      expect(change.chat).toEqual({ id: group.bot_api_id, title: 'Book club', type: 'group' });
      expect(change.from).toMatchObject({ id: owner.id, first_name: 'Owner', is_bot: false });
      expect(change.old_chat_member).toMatchObject({ status: 'left', user: { id: bot.id, is_bot: true } });
      expect(change.new_chat_member.user).toMatchObject({ id: bot.id, is_bot: true });
    }
    expect(plainChange.new_chat_member.status).toBe('member');
    expect(adminChange.new_chat_member).toMatchObject({ status: 'administrator', can_pin_messages: true });
  });

  it("sends a bot's message to its group, where other bots do not hear it and members' messages still arrive", async () => {
    const owner = await newUser(sandbox, 'Owner');
    const member = await newUser(sandbox, 'Bea');
    const sender = await newBot(sandbox);
    const listener = await newBot(sandbox);
    const group = await newGroup(owner.phone, [member.phone], [{ id: sender.id }, { id: listener.id, admin: true }]);
    const tg = telegramFor(sandbox, sender.token);

    const sent = (await tg.sendMessage(group.bot_api_id, 'Chapter 3 tonight')) as any;
    expect(sent).toMatchObject({
      message_id: expect.any(Number),
      from: { id: sender.id, is_bot: true },
      chat: { id: group.bot_api_id, type: 'group', title: 'Book club' },
      date: expect.any(Number),
      text: 'Chapter 3 tonight',
    });
    expect(sandbox.world.findBasicGroup(group.id)?.messages.filter((m) => !m.service)).toEqual([
      expect.objectContaining({ id: sent.message_id, fromBotId: sender.id, text: 'Chapter 3 tonight' }),
    ]);
    const record = await control(sandbox, 'GET', `/sandbox/bots/${sender.id}/sent`);
    expect(record.body).toEqual([
      expect.objectContaining({ message_id: sent.message_id, chat_id: group.bot_api_id, method: 'sendMessage' }),
    ]);

    // A member writes after the bot: the administrator bot hears the member, never the bot before it.
    const posted = await control(sandbox, 'POST', `/sandbox/groups/${group.id}/messages`, {
      from_phone: member.phone,
      text: 'see you',
    });
    expect(posted.status).toBe(200);
    const heard = (await telegramFor(sandbox, listener.token).getUpdates(0, 100, 0, undefined)) as any[];
    expect(heard.map((u) => Object.keys(u).filter((k) => k !== 'update_id'))).toEqual([
      ['my_chat_member'],
      ['message'],
      ['message'],
    ]);
    // First the group's creation, then the member; never the bot before them.
    expect(heard[1].message).toMatchObject({ group_chat_created: true });
    expect(heard[2].message).toMatchObject({
      message_id: posted.body.message_id,
      from: { id: member.id, is_bot: false },
      text: 'see you',
    });

    expect(await tg.getChat(group.bot_api_id)).toMatchObject({
      id: group.bot_api_id,
      type: 'group',
      title: 'Book club',
    });
  });

  it("answers Telegram's errors for a group the bot is not in and for an unknown group", async () => {
    const owner = await newUser(sandbox);
    const outsider = await newBot(sandbox);
    const group = await newGroup(owner.phone, [], []);
    const tg = telegramFor(sandbox, outsider.token);

    await expect(tg.sendMessage(group.bot_api_id, 'let me in')).rejects.toMatchObject(
      refusal(403, 'Forbidden: bot is not a member of the group chat'),
    );
    expect(sandbox.world.findBasicGroup(group.id)?.messages.filter((m) => !m.service)).toEqual([]);
    const chatNotFound = refusal(400, 'Bad Request: chat not found');
    await expect(tg.getChat(group.bot_api_id)).rejects.toMatchObject(chatNotFound);

    const unknownId = -(group.id + 1000);
    await expect(tg.sendMessage(unknownId, 'anyone?')).rejects.toMatchObject(chatNotFound);
    await expect(tg.getChat(unknownId)).rejects.toMatchObject(chatNotFound);
  });
});

describe("sandbox basic groups in members' MTProto sessions (real gramjs)", () => {
  let kit: MtprotoKit;

  beforeAll(async () => {
    kit = await startMtprotoKit();
  });
  afterAll(async () => {
    await kit.close();
  });

  /** The new messages a live session is pushed, in order. */
  function newMessages(client: TelegramClient): Api.UpdateNewMessage[] {
    const seen: Api.UpdateNewMessage[] = [];
    client.addEventHandler((u: Api.UpdateNewMessage) => seen.push(u), new Raw({ types: [Api.UpdateNewMessage] }));
    return seen;
  }

  it('shows the group as a chat and pushes its messages, from members and bots, to every member', async () => {
    const ann = await newMtprotoUser(kit, { firstName: 'Ann' });
    const bea = await newMtprotoUser(kit, { firstName: 'Bea' });
    const bot = await newBot(kit.sandbox);
    const created = await control(kit.sandbox, 'POST', '/sandbox/groups', {
      title: 'Book club',
      owner_phone: ann.phone,
      member_phones: [bea.phone],
      bots: [{ id: bot.id }],
    });
    expect(created.status).toBe(201);
    const groupId: number = created.body.id;
    const [annClient, beaClient] = [await signedInClient(kit, ann), await signedInClient(kit, bea)];
    const [annSeen, beaSeen] = [newMessages(annClient), newMessages(beaClient)];
    await Promise.all([annClient.getMe(), beaClient.getMe()]);

    const chats = await annClient.invoke(new Api.messages.GetChats({ id: [returnBigInt(groupId)] }));
    expect(chats.chats).toHaveLength(1);
    expect(chats.chats[0]).toBeInstanceOf(Api.Chat);
    expect(chats.chats[0]).toMatchObject({ title: 'Book club', creator: true, participantsCount: 3 });
    expect(await errorOf(annClient.invoke(new Api.messages.GetChats({ id: [returnBigInt(groupId + 1000)] })))).toBe(
      'CHAT_ID_INVALID',
    );

    const posted = await control(kit.sandbox, 'POST', `/sandbox/groups/${groupId}/messages`, {
      from_phone: ann.phone,
      text: 'Chapter 3 tonight',
    });
    expect(posted.status).toBe(200);
    const fromBot = await telegramFor(kit.sandbox, bot.token).sendMessage(-groupId, 'reminder set');

    const view = (u: Api.UpdateNewMessage) => {
      const m = u.message as Api.Message;
      const peer = m.peerId as Api.PeerChat;
      const from = m.fromId as Api.PeerUser;
      return {
        pts: u.pts,
        id: m.id,
        out: m.out,
        chat: Number(peer.chatId),
        from: Number(from.userId),
        text: m.message,
      };
    };
    const expected = (out: boolean) => [
      // pts 1 is the group's creation, written before anyone listened.
      { pts: 2, id: posted.body.message_id, out, chat: groupId, from: ann.id, text: 'Chapter 3 tonight' },
      { pts: 3, id: fromBot.message_id, out: false, chat: groupId, from: bot.id, text: 'reminder set' },
    ];
    expect(await eventually(() => beaSeen.length >= 2 && beaSeen.map(view))).toEqual(expected(false));
    expect(await eventually(() => annSeen.length >= 2 && annSeen.map(view))).toEqual(expected(true));

    const dialogs = (await beaClient.invoke(
      new Api.messages.GetDialogs({ offsetPeer: new Api.InputPeerEmpty(), limit: 10, hash: returnBigInt(0) }),
    )) as Api.messages.Dialogs;
    const dialog = dialogs.dialogs.find((d) => d.peer instanceof Api.PeerChat);
    expect(dialog && Number((dialog.peer as Api.PeerChat).chatId)).toBe(groupId);
    expect(dialog?.topMessage).toBe(fromBot.message_id);
    expect(dialogs.chats.find((c) => c instanceof Api.Chat)).toMatchObject({ title: 'Book club', creator: false });

    const history = (await beaClient.invoke(
      new Api.messages.GetHistory({ peer: new Api.InputPeerChat({ chatId: returnBigInt(groupId) }), limit: 10 }),
    )) as Api.messages.Messages;
    expect(history.messages.map((m) => (m as Api.Message).message)).toEqual(['reminder set', 'Chapter 3 tonight']);
    expect(history.users.map((u) => Number(u.id)).sort()).toEqual([ann.id, bea.id, bot.id].sort());

    const state = await beaClient.invoke(new Api.updates.GetState());
    const difference = await beaClient.invoke(new Api.updates.GetDifference({ pts: 0, date: state.date - 60, qts: 0 }));
    expect(difference).toBeInstanceOf(Api.updates.Difference);
    expect((difference as Api.updates.Difference).newMessages.map((m) => (m as Api.Message).message)).toEqual([
      // The group's creation, a service message with no text.
      undefined,
      'Chapter 3 tonight',
      'reminder set',
    ]);
  });

  /** A group of the given users (the first its owner) and bots; its MTProto id. */
  async function newGroup(users: { phone: string }[], bots: { id: number; admin?: boolean }[]): Promise<number> {
    const [owner, ...members] = users;
    const created = await control(kit.sandbox, 'POST', '/sandbox/groups', {
      title: 'Book club',
      owner_phone: owner?.phone,
      member_phones: members.map((m) => m.phone),
      bots,
    });
    if (created.status !== 201) throw new Error(`group not created: ${JSON.stringify(created.body)}`);
    return created.body.id;
  }

  const chatPeer = (groupId: number) => new Api.InputPeerChat({ chatId: returnBigInt(groupId) });

  async function historyOf(client: TelegramClient, groupId: number): Promise<Api.Message[]> {
    const history = (await client.invoke(
      new Api.messages.GetHistory({ peer: chatPeer(groupId), limit: 10 }),
    )) as Api.messages.Messages;
    // Leaves out the group's service messages (its creation).
    return history.messages.filter((m): m is Api.Message => m instanceof Api.Message);
  }

  it("puts a bot's photo and document, with their captions, in its group's history and pushes them to members", async () => {
    const ann = await newMtprotoUser(kit, { firstName: 'Ann' });
    const bot = await newBot(kit.sandbox);
    const groupId = await newGroup([ann], [{ id: bot.id }]);
    const annClient = await signedInClient(kit, ann);
    const annSeen = newMessages(annClient);
    await annClient.getMe();
    const tg = telegramFor(kit.sandbox, bot.token);

    const photo = (await tg.sendPhoto(
      -groupId,
      { source: PNG, filename: 'cover.png' },
      { caption: 'the cover' },
    )) as any;
    expect(photo).toMatchObject({
      from: { id: bot.id, is_bot: true },
      chat: { id: -groupId, type: 'group' },
      photo: [expect.objectContaining({ width: 1, height: 1 })],
      caption: 'the cover',
    });
    const document = (await tg.sendDocument(
      -groupId,
      { source: Buffer.from('chapter 3'), filename: 'notes.txt' },
      { caption: 'my notes' },
    )) as any;
    expect(document).toMatchObject({ document: { file_name: 'notes.txt' }, caption: 'my notes' });

    const view = (m: Api.Message) => ({
      id: m.id,
      chat: Number((m.peerId as Api.PeerChat).chatId),
      from: Number((m.fromId as Api.PeerUser).userId),
      caption: m.message,
      media: m.media?.className,
      fileName: (
        (m.media as Api.MessageMediaDocument | undefined)?.document as Api.Document | undefined
      )?.attributes.find((a): a is Api.DocumentAttributeFilename => a instanceof Api.DocumentAttributeFilename)
        ?.fileName,
    });
    const expected = [
      { id: photo.message_id, chat: groupId, from: bot.id, caption: 'the cover', media: 'MessageMediaPhoto' },
      {
        id: document.message_id,
        chat: groupId,
        from: bot.id,
        caption: 'my notes',
        media: 'MessageMediaDocument',
        fileName: 'notes.txt',
      },
    ];
    const pushed = await eventually(() => annSeen.length >= 2 && annSeen.map((u) => view(u.message as Api.Message)));
    expect(pushed).toEqual(expected.map((e) => ({ fileName: undefined, ...e })));
    expect((await historyOf(annClient, groupId)).map(view)).toEqual(
      [...expected].reverse().map((e) => ({ fileName: undefined, ...e })),
    );
  });

  it("sends a member's text and file to the group over MTProto, once per random_id, and pushes them to the others", async () => {
    const ann = await newMtprotoUser(kit, { firstName: 'Ann' });
    const bea = await newMtprotoUser(kit, { firstName: 'Bea' });
    const outsider = await newMtprotoUser(kit, { firstName: 'Cid' });
    const groupId = await newGroup([ann, bea], []);
    const [annClient, beaClient, cidClient] = [
      await signedInClient(kit, ann),
      await signedInClient(kit, bea),
      await signedInClient(kit, outsider),
    ];
    const beaSeen = newMessages(beaClient);
    await beaClient.getMe();

    const send = () =>
      annClient.invoke(
        new Api.messages.SendMessage({
          peer: chatPeer(groupId),
          message: 'Chapter 3 tonight',
          randomId: returnBigInt(77),
        }),
      ) as Promise<Api.Updates>;
    const [first, again] = [await send(), await send()];
    const sentId = (u: Api.Updates) =>
      u.updates.find((x): x is Api.UpdateMessageID => x instanceof Api.UpdateMessageID)?.id;
    const newMessage = first.updates.find((x): x is Api.UpdateNewMessage => x instanceof Api.UpdateNewMessage);
    expect(newMessage?.message).toMatchObject({ id: sentId(first), out: true, message: 'Chapter 3 tonight' });
    expect(Number(((newMessage?.message as Api.Message).peerId as Api.PeerChat).chatId)).toBe(groupId);
    const state = await annClient.invoke(new Api.updates.GetState());
    expect(newMessage).toMatchObject({ pts: state.pts, ptsCount: 1 });
    expect(sentId(again)).toBe(sentId(first));
    expect(
      kit.sandbox.world
        .findBasicGroup(groupId)
        ?.messages.filter((m) => !m.service)
        .map((m) => m.text),
    ).toEqual(['Chapter 3 tonight']);

    const file = await annClient.sendFile(chatPeer(groupId), {
      file: new CustomFile('minutes.txt', 7, '', Buffer.from('minutes')),
      caption: 'the minutes',
      forceDocument: true,
    });
    expect(file.media).toBeInstanceOf(Api.MessageMediaDocument);

    const seen = await eventually(
      () => beaSeen.length >= 2 && beaSeen.map((u) => u.message as Api.Message).map((m) => [m.id, m.out, m.message]),
    );
    expect(seen).toEqual([
      [sentId(first), false, 'Chapter 3 tonight'],
      [file.id, false, 'the minutes'],
    ]);
    const history = await historyOf(beaClient, groupId);
    expect(history.map((m) => [m.message, m.media?.className])).toEqual([
      ['the minutes', 'MessageMediaDocument'],
      ['Chapter 3 tonight', undefined],
    ]);

    const reply = (await beaClient.invoke(
      new Api.messages.SendMessage({
        peer: chatPeer(groupId),
        message: 'see you',
        replyTo: new Api.InputReplyToMessage({ replyToMsgId: file.id }),
        randomId: returnBigInt(78),
      }),
    )) as Api.Updates;
    const replied = reply.updates.find((x): x is Api.UpdateNewMessage => x instanceof Api.UpdateNewMessage);
    expect((replied?.message as Api.Message).replyTo?.replyToMsgId).toBe(file.id);
    expect(
      await errorOf(
        beaClient.invoke(
          new Api.messages.SendMessage({
            peer: chatPeer(groupId),
            message: 'to nothing',
            replyTo: new Api.InputReplyToMessage({ replyToMsgId: 999_999_999 }),
            randomId: returnBigInt(79),
          }),
        ),
      ),
    ).toBe('REPLY_MESSAGE_ID_INVALID');
    expect(
      await errorOf(
        cidClient.invoke(
          new Api.messages.SendMessage({ peer: chatPeer(groupId), message: 'let me in', randomId: returnBigInt(80) }),
        ),
      ),
    ).toBe('PEER_ID_INVALID');
    expect(
      kit.sandbox.world
        .findBasicGroup(groupId)
        ?.messages.filter((m) => !m.service)
        .map((m) => m.text),
    ).toEqual(['Chapter 3 tonight', 'the minutes', 'see you']);
  });

  it('gives a bot in privacy mode only commands, mentions and replies to it; an administrator or a bot with privacy off hears all', async () => {
    const ann = await newMtprotoUser(kit, { firstName: 'Ann' });
    const [privateBot, adminBot, openBot] = [
      await newBot(kit.sandbox),
      await newBot(kit.sandbox),
      await newBot(kit.sandbox),
    ];
    const off = await control(kit.sandbox, 'POST', `/sandbox/bots/${openBot.id}/privacy`, { enabled: false });
    expect(off.body).toEqual({ enabled: false });
    expect(await telegramFor(kit.sandbox, openBot.token).getMe()).toMatchObject({ can_read_all_group_messages: true });
    expect(await telegramFor(kit.sandbox, privateBot.token).getMe()).toMatchObject({
      can_read_all_group_messages: false,
    });
    const groupId = await newGroup(
      [ann],
      [{ id: privateBot.id }, { id: adminBot.id, admin: true }, { id: openBot.id }],
    );
    const fromBot = await telegramFor(kit.sandbox, privateBot.token).sendMessage(-groupId, 'ask me anything');
    const annClient = await signedInClient(kit, ann);
    let randomId = 100;
    const say = (message: string, replyToMsgId?: number) =>
      annClient.invoke(
        new Api.messages.SendMessage({
          peer: chatPeer(groupId),
          message,
          randomId: returnBigInt(++randomId),
          ...(replyToMsgId ? { replyTo: new Api.InputReplyToMessage({ replyToMsgId }) } : {}),
        }),
      );
    await say('just chatting');
    await say('/start');
    await say(`/help@${privateBot.username}`);
    await say(`/help@${adminBot.username}`);
    await say(`hey @${privateBot.username}, are you there?`);
    await say(`@${privateBot.username}s is someone else`);
    await say('thanks', fromBot.message_id);
    // A member's message through the control API follows the same rule.
    const posted = await control(kit.sandbox, 'POST', `/sandbox/groups/${groupId}/messages`, {
      from_phone: ann.phone,
      text: `and again, @${privateBot.username}`,
    });
    expect(posted.status).toBe(200);
    await control(kit.sandbox, 'POST', `/sandbox/groups/${groupId}/messages`, { from_phone: ann.phone, text: 'bye' });

    const heard = async (token: string): Promise<string[]> => {
      const updates = (await telegramFor(kit.sandbox, token).getUpdates(0, 100, 0, undefined)) as any[];
      // Every bot hears the group's creation; what privacy mode filters are members' messages.
      return updates.filter((u) => u.message && !u.message.group_chat_created).map((u) => u.message.text as string);
    };
    const everything = [
      'just chatting',
      '/start',
      `/help@${privateBot.username}`,
      `/help@${adminBot.username}`,
      `hey @${privateBot.username}, are you there?`,
      `@${privateBot.username}s is someone else`,
      'thanks',
      `and again, @${privateBot.username}`,
      'bye',
    ];
    expect(await heard(privateBot.token)).toEqual([
      '/start',
      `/help@${privateBot.username}`,
      `hey @${privateBot.username}, are you there?`,
      'thanks',
      `and again, @${privateBot.username}`,
    ]);
    expect(await heard(adminBot.token)).toEqual(everything);
    expect(await heard(openBot.token)).toEqual(everything);
  });
});
