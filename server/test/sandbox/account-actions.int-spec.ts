import { randomBytes } from 'node:crypto';
import { Api, TelegramClient } from 'telegram';
import { CustomFile } from 'telegram/client/uploads';
import { FloodWaitError } from 'telegram/errors';
import { returnBigInt } from 'telegram/Helpers';
import { control, newBot, telegramFor } from './bot-helpers';
import { errorOf, MtprotoKit, newUser, signedInClient, startMtprotoKit } from './mtproto-kit';

jest.setTimeout(120000);

/** A 1×1 PNG: a real image, so the sandbox takes it as a photo. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

type SandboxPrivateMessage = {
  message_id: number;
  out: boolean;
  text: string;
  to: { kind: string; id: number };
  entities?: { type: string; offset: number; length: number }[];
  reply_to_message_id?: number;
  media?: { kind: string; size: number; file_name?: string; mime_type?: string; file_id: string };
};

describe('sandbox: what an account does (real gramjs, and telegraf as the Bot API reader)', () => {
  let kit: MtprotoKit;

  beforeAll(async () => {
    kit = await startMtprotoKit();
  });

  afterAll(async () => {
    await kit.close();
  });

  const messagesOf = async (phone: string): Promise<SandboxPrivateMessage[]> =>
    (await control<SandboxPrivateMessage[]>(kit.sandbox, 'GET', `/sandbox/users/${phone}/messages`)).body;

  /** Two signed-in accounts; `peer` is the second as the first addresses it. */
  async function pair(): Promise<{
    me: { id: number; phone: string };
    friend: { id: number; phone: string };
    client: TelegramClient;
    friendClient: TelegramClient;
    peer: Api.InputPeerUser;
    myPeer: Api.InputPeerUser;
  }> {
    const me = await newUser(kit);
    const friend = await newUser(kit, { firstName: 'Bob' });
    const client = await signedInClient(kit, me);
    const friendClient = await signedInClient(kit, friend);
    const [mine, theirs] = [await client.getMe(), await friendClient.getMe()];
    return {
      me,
      friend,
      client,
      friendClient,
      peer: new Api.InputPeerUser({ userId: theirs.id, accessHash: theirs.accessHash! }),
      myPeer: new Api.InputPeerUser({ userId: mine.id, accessHash: mine.accessHash! }),
    };
  }

  async function createChannel(client: TelegramClient, title = 'Made by the account') {
    const created = (await client.invoke(
      new Api.channels.CreateChannel({ title, about: '', broadcast: true }),
    )) as Api.Updates;
    const channel = created.chats[0] as Api.Channel;
    return {
      channel,
      input: new Api.InputChannel({ channelId: channel.id, accessHash: channel.accessHash! }),
      peer: new Api.InputPeerChannel({ channelId: channel.id, accessHash: channel.accessHash! }),
    };
  }

  it('sends once per random_id: a repeat answers with the first message (updateMessageID) and sends nothing', async () => {
    const { me, client, peer } = await pair();
    const randomId = returnBigInt(randomBytes(7).readUIntBE(0, 6));
    const send = () => client.invoke(new Api.messages.SendMessage({ peer, message: 'exactly once', randomId }));
    const first = await send();
    expect(first).toBeInstanceOf(Api.UpdateShortSentMessage);
    const firstId = (first as Api.UpdateShortSentMessage).id;

    const again = (await send()) as Api.Updates;
    expect(again).toBeInstanceOf(Api.Updates);
    const idUpdate = again.updates.find((u): u is Api.UpdateMessageID => u instanceof Api.UpdateMessageID);
    expect(idUpdate?.id).toBe(firstId);
    expect(idUpdate?.randomId?.toString()).toBe(randomId.toString());
    const newMessage = again.updates.find((u): u is Api.UpdateNewMessage => u instanceof Api.UpdateNewMessage);
    expect(newMessage).toMatchObject({ ptsCount: 0, message: { id: firstId, message: 'exactly once', out: true } });

    const sent = (await messagesOf(me.phone)).filter((m) => m.out);
    expect(sent.map((m) => m.text)).toEqual(['exactly once']);
  });

  it("answers FLOOD_WAIT_X past the account's sends per minute; a repeated random_id is no new send", async () => {
    const me = await newUser(kit);
    const friend = await newUser(kit);
    const client = await signedInClient(kit, me, undefined, { floodSleepThreshold: 0 });
    const them = await (await signedInClient(kit, friend)).getMe();
    const peer = new Api.InputPeerUser({ userId: them.id, accessHash: them.accessHash! });
    const set = await control(kit.sandbox, 'POST', `/sandbox/users/${me.phone}/limits`, { sends_per_minute: 2 });
    expect(set.body).toMatchObject({ sends_per_minute: 2 });
    const randomId = returnBigInt(randomBytes(6).readUIntBE(0, 6));
    const first = () => client.invoke(new Api.messages.SendMessage({ peer, message: 'one', randomId }));
    await first();
    await client.sendMessage(peer, { message: 'two' });
    // The first send repeated is answered from what it made, within the limit.
    await expect(first()).resolves.toBeInstanceOf(Api.Updates);
    let caught: unknown;
    try {
      await client.sendMessage(peer, { message: 'three' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FloodWaitError);
    expect((caught as FloodWaitError).seconds).toBeGreaterThanOrEqual(1);
    expect((caught as FloodWaitError).seconds).toBeLessThanOrEqual(60);
    expect((await messagesOf(me.phone)).map((m) => m.text)).toEqual(['one', 'two']);
    // A minute later (the world's clock), the account may send again.
    await control(kit.sandbox, 'POST', '/sandbox/clock', { advance_seconds: 61 });
    await expect(client.sendMessage(peer, { message: 'three' })).resolves.toBeInstanceOf(Api.Message);
  });

  it('keeps the formatting and the reply a gramjs client sends', async () => {
    const { me, client, friendClient, myPeer, peer } = await pair();
    await friendClient.sendMessage(myPeer, { message: 'a question' });
    const question = (await messagesOf(me.phone)).find((m) => !m.out);
    const answer = await client.sendMessage(peer, {
      message: 'the <b>answer</b> is <a href="https://example.com/a">here</a>',
      parseMode: 'html',
      replyTo: question?.message_id,
    });
    expect(answer.message).toBe('the answer is here');
    const stored = (await messagesOf(me.phone)).find((m) => m.message_id === answer.id);
    expect(stored?.reply_to_message_id).toBe(question?.message_id);
    expect(stored?.entities).toEqual([
      { type: 'bold', offset: 4, length: 6 },
      { type: 'text_link', offset: 14, length: 4, url: 'https://example.com/a' },
    ]);
    const history = (await friendClient.invoke(
      new Api.messages.GetHistory({
        peer: myPeer,
        limit: 1,
        offsetId: 0,
        offsetDate: 0,
        addOffset: 0,
        maxId: 0,
        minId: 0,
        hash: returnBigInt(0),
      }),
    )) as Api.messages.Messages;
    const seen = history.messages[0] as Api.Message;
    expect(seen.replyTo).toMatchObject({ replyToMsgId: question?.message_id });
    expect(seen.entities?.map((e) => e.className)).toEqual(['MessageEntityBold', 'MessageEntityTextUrl']);
    expect(await errorOf(client.sendMessage(peer, { message: 'to nothing', replyTo: 999999 }))).toBe(
      'REPLY_MESSAGE_ID_INVALID',
    );
  });

  it('assembles uploaded parts into a document the bot reads through the Bot API, once per random_id', async () => {
    const me = await newUser(kit);
    const owner = await newUser(kit);
    const bot = await newBot(kit.sandbox, owner.phone);
    const telegram = telegramFor(kit.sandbox, bot.token);
    const client = await signedInClient(kit, me);
    const botUser = (await client.invoke(new Api.contacts.ResolveUsername({ username: bot.username })))
      .users[0] as Api.User;
    const botPeer = new Api.InputPeerUser({ userId: botUser.id, accessHash: botUser.accessHash! });

    // 300 KB: three parts of 128 KB as gramjs cuts them.
    const data = randomBytes(300 * 1024);
    const sent = await client.sendFile(botPeer, {
      file: new CustomFile('report.pdf', data.length, '', data),
      caption: 'the report',
      forceDocument: true,
    });
    expect(sent.media).toBeInstanceOf(Api.MessageMediaDocument);
    const doc = (sent.media as Api.MessageMediaDocument).document as Api.Document;
    expect(Number(doc.size)).toBe(data.length);
    expect(doc.mimeType).toBe('application/pdf');

    const stored = (await messagesOf(me.phone)).find((m) => m.message_id === sent.id);
    expect(stored?.media).toMatchObject({ kind: 'document', size: data.length, file_name: 'report.pdf' });
    expect(stored?.text).toBe('the report');

    const updates = await telegram.getUpdates(0, 100, 0, ['message']);
    const message = updates.map((u) => ('message' in u ? u.message : undefined)).find((m) => m?.message_id === sent.id);
    expect(message).toMatchObject({
      caption: 'the report',
      document: { file_name: 'report.pdf', file_size: data.length, mime_type: 'application/pdf' },
    });
    const fileId = (message as unknown as { document: { file_id: string } }).document.file_id;
    const link = await telegram.getFileLink(fileId);
    const downloaded = Buffer.from(await (await fetch(link)).arrayBuffer());
    expect(downloaded.equals(data)).toBe(true);

    // The same media sent again with one random_id: one message.
    const file = (id: bigint) =>
      new Api.InputFile({ id: returnBigInt(id.toString()), parts: 1, name: 'note.txt', md5Checksum: '' });
    const fileId2 = BigInt(randomBytes(6).readUIntBE(0, 6));
    await client.invoke(
      new Api.upload.SaveFilePart({
        fileId: returnBigInt(fileId2.toString()),
        filePart: 0,
        bytes: Buffer.from('hello'),
      }),
    );
    const randomId = returnBigInt(randomBytes(6).readUIntBE(0, 6));
    const sendMedia = () =>
      client.invoke(
        new Api.messages.SendMedia({
          peer: botPeer,
          media: new Api.InputMediaUploadedDocument({ file: file(fileId2), mimeType: 'text/plain', attributes: [] }),
          message: '',
          randomId,
        }),
      );
    const first = (await sendMedia()) as Api.Updates;
    const second = (await sendMedia()) as Api.Updates;
    const idOf = (u: Api.Updates) =>
      u.updates.find((x): x is Api.UpdateMessageID => x instanceof Api.UpdateMessageID)?.id;
    expect(idOf(second)).toBe(idOf(first));
    expect((await messagesOf(me.phone)).filter((m) => m.media?.file_name === 'note.txt')).toHaveLength(1);
  });

  it('sends a photo, takes a file of more than 10 MB in big parts, and refuses a file with a part missing', async () => {
    const { me, client, peer } = await pair();
    const photo = await client.sendFile(peer, { file: new CustomFile('dot.png', PNG.length, '', PNG) });
    expect(photo.media).toBeInstanceOf(Api.MessageMediaPhoto);
    const big = randomBytes(10 * 1024 * 1024 + 4096);
    const sentBig = await client.sendFile(peer, {
      file: new CustomFile('big.bin', big.length, '', big),
      forceDocument: true,
      workers: 4,
    });
    const stored = await messagesOf(me.phone);
    expect(stored.find((m) => m.message_id === photo.id)?.media).toMatchObject({ kind: 'photo', size: PNG.length });
    expect(stored.find((m) => m.message_id === sentBig.id)?.media).toMatchObject({
      kind: 'document',
      size: big.length,
      file_name: 'big.bin',
    });

    const fileId = returnBigInt(randomBytes(6).readUIntBE(0, 6));
    await client.invoke(new Api.upload.SaveFilePart({ fileId, filePart: 0, bytes: Buffer.alloc(1024, 1) }));
    const missing = client.invoke(
      new Api.messages.SendMedia({
        peer,
        media: new Api.InputMediaUploadedDocument({
          file: new Api.InputFile({ id: fileId, parts: 2, name: 'half.bin', md5Checksum: '' }),
          mimeType: 'application/octet-stream',
          attributes: [],
        }),
        message: '',
        randomId: returnBigInt(randomBytes(6).readUIntBE(0, 6)),
      }),
    );
    expect(await errorOf(missing)).toBe('FILE_PART_1_MISSING');
  });

  it("refuses strangers by the recipient's privacy, answers unknown peers as Telegram does", async () => {
    const { me, friend, client, friendClient, peer, myPeer } = await pair();
    expect(
      (await control(kit.sandbox, 'POST', `/sandbox/users/${friend.phone}/privacy`, { messages: 'contacts' })).status,
    ).toBe(200);
    expect(await errorOf(client.sendMessage(peer, { message: 'hello stranger' }))).toBe('USER_PRIVACY_RESTRICTED');
    // Once the friend has the account among their contacts, it may write.
    await friendClient.invoke(
      new Api.contacts.ImportContacts({
        contacts: [
          new Api.InputPhoneContact({
            clientId: returnBigInt(1),
            phone: `+${me.phone}`,
            firstName: 'Me',
            lastName: '',
          }),
        ],
      }),
    );
    await expect(client.sendMessage(peer, { message: 'hello contact' })).resolves.toBeInstanceOf(Api.Message);

    await control(kit.sandbox, 'POST', `/sandbox/users/${me.phone}/privacy`, { messages: 'nobody' });
    const third = await signedInClient(kit, await newUser(kit));
    expect(await errorOf(third.sendMessage(myPeer, { message: 'hi' }))).toBe('USER_PRIVACY_RESTRICTED');
    // Those the account wrote to first may answer.
    await expect(friendClient.sendMessage(myPeer, { message: 'answer' })).resolves.toBeInstanceOf(Api.Message);
    expect(
      (await control(kit.sandbox, 'POST', `/sandbox/users/${me.phone}/privacy`, { messages: 'friends' })).status,
    ).toBe(400);

    const forged = new Api.InputPeerUser({ userId: peer.userId, accessHash: returnBigInt(12345) });
    expect(
      await errorOf(
        client.invoke(new Api.messages.SendMessage({ peer: forged, message: 'x', randomId: returnBigInt(7) })),
      ),
    ).toBe('PEER_ID_INVALID');
    expect(await errorOf(client.invoke(new Api.contacts.ResolveUsername({ username: 'nobody_has_this_name' })))).toBe(
      'USERNAME_NOT_OCCUPIED',
    );
  });

  it('imports contacts: only registered phones, under their client ids; getContacts reflects them', async () => {
    const { friend, client } = await pair();
    const imported = await client.invoke(
      new Api.contacts.ImportContacts({
        contacts: [
          new Api.InputPhoneContact({
            clientId: returnBigInt(11),
            phone: '+1 000 555 0000',
            firstName: 'Nobody',
            lastName: '',
          }),
          new Api.InputPhoneContact({
            clientId: returnBigInt(22),
            phone: `+${friend.phone}`,
            firstName: 'Bobby',
            lastName: 'B',
          }),
        ],
      }),
    );
    expect(imported.imported.map((i) => [Number(i.clientId), Number(i.userId)])).toEqual([[22, friend.id]]);
    expect(imported.retryContacts).toEqual([]);
    expect(imported.users[0]).toMatchObject({ firstName: 'Bobby', lastName: 'B', phone: friend.phone, contact: true });

    const contacts = (await client.invoke(
      new Api.contacts.GetContacts({ hash: returnBigInt(0) }),
    )) as Api.contacts.Contacts;
    expect(contacts.contacts.map((c) => Number(c.userId))).toEqual([friend.id]);
    expect(contacts.savedCount).toBe(1);
  });

  it('stops creating and joining channels at the account limit with CHANNELS_TOO_MUCH', async () => {
    const me = await newUser(kit);
    const client = await signedInClient(kit, me);
    await createChannel(client, 'first');
    const limited = await control(kit.sandbox, 'POST', `/sandbox/users/${me.phone}/limits`, { channels: 2 });
    expect(limited.body).toMatchObject({ channels: 2, in_channels: 1 });
    await createChannel(client, 'second');
    expect(
      await errorOf(client.invoke(new Api.channels.CreateChannel({ title: 'third', about: '', broadcast: true }))),
    ).toBe('CHANNELS_TOO_MUCH');

    const other = await signedInClient(kit, await newUser(kit));
    const { peer } = await createChannel(other, 'elsewhere');
    const invite = (await other.invoke(new Api.messages.ExportChatInvite({ peer }))) as Api.ChatInviteExported;
    const hash = invite.link.split('+')[1] ?? '';
    expect(await errorOf(client.invoke(new Api.messages.ImportChatInvite({ hash })))).toBe('CHANNELS_TOO_MUCH');
  });

  it('makes invite links, joins by link or by username, leaves', async () => {
    const { client, friendClient } = await pair();
    const { channel, input, peer } = await createChannel(client);
    const invite = (await client.invoke(new Api.messages.ExportChatInvite({ peer }))) as Api.ChatInviteExported;
    expect(invite.link).toMatch(/^https:\/\/t\.me\/\+[A-Za-z0-9_-]+$/);
    const hash = invite.link.split('+')[1] ?? '';

    const friendInput = new Api.InputChannel({ channelId: channel.id, accessHash: channel.accessHash! });
    expect(await errorOf(friendClient.invoke(new Api.channels.JoinChannel({ channel: friendInput })))).toBe(
      'CHANNEL_PRIVATE',
    );
    const check = await friendClient.invoke(new Api.messages.CheckChatInvite({ hash }));
    expect(check).toMatchObject({ className: 'ChatInvite', title: 'Made by the account', broadcast: true });
    const joined = (await friendClient.invoke(new Api.messages.ImportChatInvite({ hash }))) as Api.Updates;
    expect((joined.chats[0] as Api.Channel).left).toBe(false);
    expect(await errorOf(friendClient.invoke(new Api.messages.ImportChatInvite({ hash })))).toBe(
      'USER_ALREADY_PARTICIPANT',
    );
    expect(await errorOf(friendClient.invoke(new Api.messages.ImportChatInvite({ hash: 'no-such-link' })))).toBe(
      'INVITE_HASH_INVALID',
    );
    // A subscriber may not post in a broadcast channel.
    expect(
      await errorOf(
        friendClient.invoke(
          new Api.messages.SendMessage({
            peer: new Api.InputPeerChannel({ channelId: channel.id, accessHash: channel.accessHash! }),
            message: 'me too',
            randomId: returnBigInt(3),
          }),
        ),
      ),
    ).toBe('CHAT_WRITE_FORBIDDEN');
    await friendClient.invoke(new Api.channels.LeaveChannel({ channel: friendInput }));
    expect(await errorOf(friendClient.invoke(new Api.channels.LeaveChannel({ channel: friendInput })))).toBe(
      'USER_NOT_PARTICIPANT',
    );
    expect(await errorOf(client.invoke(new Api.channels.LeaveChannel({ channel: input })))).toBe('USER_CREATOR');

    const owner = await newUser(kit);
    const username = `pub_${Date.now() % 1000000}_x`;
    const pub = await control(kit.sandbox, 'POST', '/sandbox/channels', {
      title: 'Public',
      username,
      owner_phone: owner.phone,
    });
    const resolved = await friendClient.invoke(new Api.contacts.ResolveUsername({ username }));
    const publicChannel = resolved.chats[0] as Api.Channel;
    expect(Number(publicChannel.id)).toBe(pub.body.channel_id);
    await friendClient.invoke(
      new Api.channels.JoinChannel({
        channel: new Api.InputChannel({ channelId: publicChannel.id, accessHash: publicChannel.accessHash! }),
      }),
    );
    const state = await control(kit.sandbox, 'GET', `/sandbox/channels/${pub.body.channel_id}`);
    expect(state.body.members).toHaveLength(2);
  });

  it('deletes a channel for its creator only: its links stop working and it is gone from the control API', async () => {
    const { client, friendClient } = await pair();
    const { channel, input, peer } = await createChannel(client, 'Short-lived');
    const invite = (await client.invoke(new Api.messages.ExportChatInvite({ peer }))) as Api.ChatInviteExported;
    const hash = invite.link.split('+')[1] ?? '';
    await friendClient.invoke(new Api.messages.ImportChatInvite({ hash }));
    expect(await errorOf(friendClient.invoke(new Api.channels.DeleteChannel({ channel: input })))).toBe(
      'CHAT_ADMIN_REQUIRED',
    );
    const deleted = (await client.invoke(new Api.channels.DeleteChannel({ channel: input }))) as Api.Updates;
    expect(deleted.chats[0]).toBeInstanceOf(Api.ChannelForbidden);
    expect((await control(kit.sandbox, 'GET', `/sandbox/channels/${Number(channel.id)}`)).status).toBe(404);
    expect(await errorOf(friendClient.invoke(new Api.messages.ImportChatInvite({ hash })))).toBe('INVITE_HASH_INVALID');
    expect(await errorOf(client.invoke(new Api.channels.GetFullChannel({ channel: input })))).toBe('CHANNEL_INVALID');
  });

  it('promotes a bot with post_messages: getChatMember says administrator, can post, and the bot posts', async () => {
    const me = await newUser(kit);
    const bot = await newBot(kit.sandbox, me.phone);
    const client = await signedInClient(kit, me);
    const { channel, input, peer } = await createChannel(client, 'Shop');
    const botUser = (await client.invoke(new Api.contacts.ResolveUsername({ username: bot.username })))
      .users[0] as Api.User;
    await client.invoke(
      new Api.channels.EditAdmin({
        channel: input,
        userId: new Api.InputUser({ userId: botUser.id, accessHash: botUser.accessHash! }),
        adminRights: new Api.ChatAdminRights({ postMessages: true, editMessages: true, deleteMessages: true }),
        rank: '',
      }),
    );
    const telegram = telegramFor(kit.sandbox, bot.token);
    const chatId = -(1000000000000 + Number(channel.id));
    const member = await telegram.getChatMember(chatId, bot.id);
    expect(member).toMatchObject({ status: 'administrator', can_post_messages: true });
    const posted = await telegram.sendMessage(chatId, 'posted by the bot');
    const history = (await client.invoke(
      new Api.messages.GetHistory({
        peer,
        limit: 10,
        offsetId: 0,
        offsetDate: 0,
        addOffset: 0,
        maxId: 0,
        minId: 0,
        hash: returnBigInt(0),
      }),
    )) as Api.messages.ChannelMessages;
    expect((history.messages[0] as Api.Message).id).toBe(posted.message_id);
    expect((history.messages[0] as Api.Message).message).toBe('posted by the bot');
  });

  it('counts unread messages in dialogs until messages.readHistory / channels.readHistory', async () => {
    const { me, client, friendClient, myPeer, peer } = await pair();
    const owner = await newUser(kit);
    const bot = await newBot(kit.sandbox, owner.phone);
    const ch = await control(kit.sandbox, 'POST', '/sandbox/channels', { title: 'Feed', owner_phone: owner.phone });
    await control(kit.sandbox, 'POST', `/sandbox/channels/${ch.body.channel_id}/members`, { phone: me.phone });
    await control(kit.sandbox, 'POST', `/sandbox/channels/${ch.body.channel_id}/members`, {
      bot_id: bot.id,
      admin: true,
      can_post_messages: true,
    });
    const telegram = telegramFor(kit.sandbox, bot.token);
    for (const text of ['one', 'two']) await telegram.sendMessage(ch.body.id, text);
    for (const text of ['a', 'b', 'c']) await friendClient.sendMessage(myPeer, { message: text });

    const dialogs = async () => {
      const res = (await client.invoke(
        new Api.messages.GetDialogs({
          offsetPeer: new Api.InputPeerEmpty(),
          limit: 100,
          offsetDate: 0,
          offsetId: 0,
          hash: returnBigInt(0),
        }),
      )) as Api.messages.Dialogs;
      const byPeer = (p: Api.TypePeer) =>
        res.dialogs.find((d) => JSON.stringify(d.peer.toJSON()) === JSON.stringify(p.toJSON())) as Api.Dialog;
      return {
        friend: byPeer(new Api.PeerUser({ userId: peer.userId })),
        channel: byPeer(new Api.PeerChannel({ channelId: returnBigInt(ch.body.channel_id) })),
      };
    };
    const before = await dialogs();
    expect(before.friend.unreadCount).toBe(3);
    expect(before.channel.unreadCount).toBe(2);
    expect(before.channel.readInboxMaxId).toBe(0);

    const channelInput = new Api.InputChannel({
      channelId: returnBigInt(ch.body.channel_id),
      accessHash: returnBigInt(ch.body.access_hash),
    });
    await client.invoke(new Api.messages.ReadHistory({ peer, maxId: 0 }));
    await client.invoke(new Api.channels.ReadHistory({ channel: channelInput, maxId: 1 }));
    const after = await dialogs();
    expect(after.friend.unreadCount).toBe(0);
    expect(after.friend.readInboxMaxId).toBe(after.friend.topMessage);
    expect(after.channel.unreadCount).toBe(1);
    expect(after.channel.readInboxMaxId).toBe(1);
  });
});
