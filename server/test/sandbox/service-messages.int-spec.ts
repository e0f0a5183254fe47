import { Api, type TelegramClient } from 'telegram';
import { Raw } from 'telegram/events';
import { returnBigInt } from 'telegram/Helpers';
import { eventually } from '../helpers/eventually';
import { sandboxForSuite } from './bot-chats';
import { addBotToChannel, control, newBot, newChannel, rawBotCall, telegramFor } from './bot-helpers';
import { mtcuteClient, signInMtcute } from './mtcute-kit';
import { channelPeer, errorOf, newUser, signedInClient } from './mtproto-kit';

/** Service messages ("Ann joined the group", "Bob pinned a message") through both doors. */
describe('sandbox service messages (real telegraf, gramjs)', () => {
  const suite = sandboxForSuite();

  /** A chat of the control API with its owner's app, an administrator bot and a plain member bot in privacy mode. */
  async function chatWithBots(megagroup: boolean, username?: string) {
    const { sandbox } = suite.kit;
    const owner = await newUser(suite.kit, { firstName: 'Olga' });
    const channel = await newChannel(sandbox, owner.phone, { megagroup, ...(username ? { username } : {}) });
    const admin = await newBot(sandbox);
    await addBotToChannel(sandbox, channel.channel_id, admin.id, { admin: true, can_post_messages: true });
    const plain = await newBot(sandbox);
    if (megagroup) await addBotToChannel(sandbox, channel.channel_id, plain.id, { admin: false });
    const ownerApp = await signedInClient(suite.kit, owner);
    const peer = channelPeer(channel);
    const input = new Api.InputChannel({ channelId: peer.channelId, accessHash: peer.accessHash });
    return { channel, owner, ownerApp, admin, plain, peer, input, chatId: -(1000000000000 + channel.channel_id) };
  }

  /** The `message` (or `channel_post`) updates a bot has, once there are `count` of those that pass `test`. */
  async function heard(token: string, count: number, test: (m: any) => boolean, kind = 'message'): Promise<any[]> {
    return eventually(
      async () => {
        const updates = (await rawBotCall(suite.kit.sandbox, token, 'getUpdates', { timeout: 0 })).body.result as any[];
        const found = updates.map((u) => u[kind]).filter((m) => m && test(m));
        return found.length >= count ? found : undefined;
      },
      { what: `${count} ${kind} updates reaching the bot` },
    );
  }

  async function history(app: TelegramClient, peer: Api.TypeInputPeer): Promise<Api.TypeMessage[]> {
    const answer = (await app.invoke(new Api.messages.GetHistory({ peer, limit: 20 }))) as Api.messages.ChannelMessages;
    return answer.messages;
  }

  const services = (messages: Api.TypeMessage[]): Api.MessageService[] =>
    messages.filter((m): m is Api.MessageService => m instanceof Api.MessageService);

  it('tells every bot of a supergroup, privacy mode or not, of a member joining by link and leaving', async () => {
    const chat = await chatWithBots(true);
    const invite = (await chat.ownerApp.invoke(
      new Api.messages.ExportChatInvite({ peer: chat.peer }),
    )) as Api.ChatInviteExported;
    const member = await newUser(suite.kit, { firstName: 'Mira' });
    const memberApp = await signedInClient(suite.kit, member);
    const pushed: Api.TypeUpdate[] = [];
    chat.ownerApp.addEventHandler((u: Api.TypeUpdate) => pushed.push(u), new Raw({}));
    await history(chat.ownerApp, chat.peer);

    const joined = (await memberApp.invoke(
      new Api.messages.ImportChatInvite({ hash: invite.link.split('+')[1] ?? '' }),
    )) as Api.Updates;
    // The join's answer carries the service message, at the channel's pts.
    const answered = joined.updates.find(
      (u) => u instanceof Api.UpdateNewChannelMessage,
    ) as Api.UpdateNewChannelMessage;
    expect(answered.message).toBeInstanceOf(Api.MessageService);

    for (const bot of [chat.admin, chat.plain]) {
      const [message] = await heard(bot.token, 1, (m) => m.new_chat_members);
      const mira = { id: member.id, is_bot: false, first_name: 'Mira' };
      expect(message).toMatchObject({
        from: mira,
        chat: { id: chat.chatId, type: 'supergroup' },
        new_chat_participant: mira,
        new_chat_member: mira,
        new_chat_members: [mira],
      });
      expect(message.text).toBeUndefined();
    }
    // The owner's app is pushed it, and the member's history holds it: joined by the owner's link.
    const push = await eventually(
      () =>
        pushed.find(
          (u): u is Api.UpdateNewChannelMessage =>
            u instanceof Api.UpdateNewChannelMessage && u.message instanceof Api.MessageService,
        ),
      { what: 'the join pushed to the owner' },
    );
    const join = push.message as Api.MessageService;
    expect(join.action).toBeInstanceOf(Api.MessageActionChatJoinedByLink);
    expect(Number((join.action as Api.MessageActionChatJoinedByLink).inviterId)).toBe(chat.owner.id);
    expect(Number((join.fromId as Api.PeerUser).userId)).toBe(member.id);
    expect(Number((join.peerId as Api.PeerChannel).channelId)).toBe(chat.channel.channel_id);
    const seen = services(await history(memberApp, chat.peer));
    expect(seen.map((m) => m.id)).toEqual([join.id]);

    await memberApp.invoke(new Api.channels.LeaveChannel({ channel: chat.input }));
    for (const bot of [chat.admin, chat.plain]) {
      const [message] = await heard(bot.token, 1, (m) => m.left_chat_member);
      expect(message).toMatchObject({
        from: { id: member.id },
        left_chat_participant: { id: member.id, first_name: 'Mira' },
        left_chat_member: { id: member.id, first_name: 'Mira' },
      });
    }
    const [left] = services(await history(chat.ownerApp, chat.peer));
    expect(left?.action).toBeInstanceOf(Api.MessageActionChatDeleteUser);
    expect(Number((left?.action as Api.MessageActionChatDeleteUser).userId)).toBe(member.id);
    expect(left?.id).toBe(join.id + 1);

    // The control API lists them with their kind.
    const listed = await control(suite.kit.sandbox, 'GET', `/sandbox/channels/${chat.channel.channel_id}/messages`);
    expect(listed.body.map((m: any) => m.service)).toEqual([
      { type: 'chat_joined_by_link', inviter_id: chat.owner.id },
      { type: 'chat_delete_user', user_id: member.id },
    ]);
  });

  it("writes a bot's new title and pin into the supergroup: bots read new_chat_title and pinned_message", async () => {
    const chat = await chatWithBots(true);
    const tg = telegramFor(suite.kit.sandbox, chat.admin.token);
    const posted = await control(suite.kit.sandbox, 'POST', `/sandbox/channels/${chat.channel.channel_id}/messages`, {
      text: 'Read chapter 3',
      from_phone: chat.owner.phone,
    });
    await tg.setChatTitle(chat.chatId, 'Book club');
    await tg.pinChatMessage(chat.chatId, posted.body.message_id);

    // The bot that made them reads them too, as the official server passes on a bot's own title and pin.
    for (const bot of [chat.admin, chat.plain]) {
      const [title] = await heard(bot.token, 1, (m) => m.new_chat_title);
      expect(title).toMatchObject({ from: { id: chat.admin.id, is_bot: true }, new_chat_title: 'Book club' });
      const [pin] = await heard(bot.token, 1, (m) => m.pinned_message);
      expect(pin.pinned_message).toMatchObject({ message_id: posted.body.message_id, text: 'Read chapter 3' });
      expect(pin.reply_to_message).toBeUndefined();
    }

    const [pinned, titled] = services(await history(chat.ownerApp, chat.peer));
    expect((titled?.action as Api.MessageActionChatEditTitle).title).toBe('Book club');
    expect(Number((titled?.fromId as Api.PeerUser).userId)).toBe(chat.admin.id);
    expect(pinned?.action).toBeInstanceOf(Api.MessageActionPinMessage);
    expect((pinned?.replyTo as Api.MessageReplyHeader).replyToMsgId).toBe(posted.body.message_id);

    // A service message is neither edited nor forwarded; an administrator bot may delete it.
    const pinId = pinned?.id ?? 0;
    expect(
      await rawBotCall(suite.kit.sandbox, chat.admin.token, 'editMessageText', {
        chat_id: chat.chatId,
        message_id: pinId,
        text: 'x',
      }),
    ).toMatchObject({ status: 400, body: { description: "Bad Request: message can't be edited" } });
    expect(
      await rawBotCall(suite.kit.sandbox, chat.admin.token, 'forwardMessage', {
        chat_id: chat.chatId,
        from_chat_id: chat.chatId,
        message_id: pinId,
      }),
    ).toMatchObject({ status: 400, body: { description: "Bad Request: message can't be forwarded" } });
    expect(
      await errorOf(chat.ownerApp.invoke(new Api.messages.EditMessage({ peer: chat.peer, id: pinId, message: 'x' }))),
    ).toBe('MESSAGE_ID_INVALID');
    expect(await tg.deleteMessage(chat.chatId, pinId)).toBe(true);
    expect(services(await history(chat.ownerApp, chat.peer)).map((m) => m.id)).toEqual([titled?.id]);
  });

  it('shows no one joining a broadcast channel, while a new title is a service post its bots read', async () => {
    const chat = await chatWithBots(false, `svc_news_${Date.now() % 100000}`);
    const tg = telegramFor(suite.kit.sandbox, chat.admin.token);
    const reader = await newUser(suite.kit, { firstName: 'Rita' });
    const readerApp = await signedInClient(suite.kit, reader);
    await readerApp.invoke(new Api.channels.JoinChannel({ channel: chat.input }));
    await tg.setChatTitle(chat.chatId, 'Evening news');

    const [post] = await heard(chat.admin.token, 1, (m) => m.new_chat_title, 'channel_post');
    expect(post).toMatchObject({ chat: { id: chat.chatId, type: 'channel' }, sender_chat: { id: chat.chatId } });
    const all = await history(readerApp, chat.peer);
    const [titled] = services(all);
    expect(all).toHaveLength(1);
    expect(titled?.post).toBe(true);
    expect(titled?.fromId ?? undefined).toBeUndefined();
    expect(titled?.action).toBeInstanceOf(Api.MessageActionChatEditTitle);
    const updates = (await rawBotCall(suite.kit.sandbox, chat.admin.token, 'getUpdates', { timeout: 0 })).body.result;
    expect(updates.filter((u: any) => u.channel_post || u.message)).toHaveLength(1);
  });

  it("writes the owner's new title and pin made in the app (channels.editTitle, messages.updatePinnedMessage)", async () => {
    const chat = await chatWithBots(true);
    const posted = await control(suite.kit.sandbox, 'POST', `/sandbox/channels/${chat.channel.channel_id}/messages`, {
      text: 'Rules',
      from_phone: chat.owner.phone,
    });
    const renamed = (await chat.ownerApp.invoke(
      new Api.channels.EditTitle({ channel: chat.input, title: 'Climbers' }),
    )) as Api.Updates;
    expect(renamed.updates.map((u) => u.className)).toEqual(['UpdateChannel', 'UpdateNewChannelMessage']);
    expect(
      await errorOf(chat.ownerApp.invoke(new Api.channels.EditTitle({ channel: chat.input, title: 'Climbers' }))),
    ).toBe('CHAT_NOT_MODIFIED');
    const pinnedAnswer = (await chat.ownerApp.invoke(
      new Api.messages.UpdatePinnedMessage({ peer: chat.peer, id: posted.body.message_id }),
    )) as Api.Updates;
    expect(pinnedAnswer.updates.map((u) => u.className)).toEqual([
      'UpdatePinnedChannelMessages',
      'UpdateChannel',
      'UpdateNewChannelMessage',
    ]);

    const [title] = await heard(chat.plain.token, 1, (m) => m.new_chat_title);
    expect(title).toMatchObject({ from: { id: chat.owner.id }, new_chat_title: 'Climbers' });
    const [pin] = await heard(chat.plain.token, 1, (m) => m.pinned_message);
    expect(pin.pinned_message).toMatchObject({ message_id: posted.body.message_id, text: 'Rules' });

    const member = await newUser(suite.kit, { firstName: 'Nia' });
    const memberApp = await signedInClient(suite.kit, member);
    expect(
      await errorOf(
        memberApp.invoke(new Api.messages.UpdatePinnedMessage({ peer: chat.peer, id: posted.body.message_id })),
      ),
    ).toBe('CHAT_ADMIN_REQUIRED');
    // Unpinning writes nothing.
    await chat.ownerApp.invoke(
      new Api.messages.UpdatePinnedMessage({ peer: chat.peer, id: posted.body.message_id, unpin: true }),
    );
    const kinds = services(await history(chat.ownerApp, chat.peer)).map((m) => m.action.className);
    expect(kinds).toEqual(['MessageActionPinMessage', 'MessageActionChatEditTitle']);
  });

  it('writes the creation of a supergroup made in the app, and its first members added', async () => {
    const owner = await newUser(suite.kit, { firstName: 'Ugo' });
    const app = await signedInClient(suite.kit, owner);
    const made = (await app.invoke(
      new Api.channels.CreateChannel({ title: 'Climbers', about: '', megagroup: true }),
    )) as Api.Updates;
    const created = made.chats[0] as Api.Channel;
    const input = new Api.InputChannel({ channelId: created.id, accessHash: created.accessHash! });
    const bot = await newBot(suite.kit.sandbox);
    const resolved = await app.invoke(new Api.contacts.ResolveUsername({ username: bot.username }));
    const botUser = resolved.users[0] as Api.User;
    const botInput = new Api.InputUser({ userId: botUser.id, accessHash: botUser.accessHash! });
    await app.invoke(new Api.channels.InviteToChannel({ channel: input, users: [botInput] }));

    const peer = new Api.InputPeerChannel({ channelId: created.id, accessHash: created.accessHash! });
    const [added, made1] = services(await history(app, peer));
    expect((made1?.action as Api.MessageActionChannelCreate).title).toBe('Climbers');
    expect(made1?.id).toBe(1);
    expect((added?.action as Api.MessageActionChatAddUser).users.map(Number)).toEqual([bot.id]);
    // The bot added hears it: new_chat_members names it.
    const [message] = await heard(bot.token, 1, (m) => m.new_chat_members);
    expect(message).toMatchObject({
      from: { id: owner.id },
      new_chat_member: { id: bot.id, is_bot: true },
      new_chat_members: [{ id: bot.id, is_bot: true }],
    });
  });

  it('tells of a member banned by a bot, and of a bot leaving or renaming a basic group', async () => {
    const chat = await chatWithBots(true);
    const member = await newUser(suite.kit, { firstName: 'Vik' });
    await control(suite.kit.sandbox, 'POST', `/sandbox/channels/${chat.channel.channel_id}/members`, {
      phone: member.phone,
    });
    await telegramFor(suite.kit.sandbox, chat.admin.token).banChatMember(chat.chatId, member.id);
    const [banned] = await heard(chat.plain.token, 1, (m) => m.left_chat_member);
    expect(banned).toMatchObject({ from: { id: chat.admin.id, is_bot: true }, left_chat_member: { id: member.id } });

    // A basic group: an administrator bot renames it and leaves; the other bot and the members read both.
    const friend = await newUser(suite.kit, { firstName: 'Fay' });
    const group = await control(suite.kit.sandbox, 'POST', '/sandbox/groups', {
      title: 'Friends',
      owner_phone: chat.owner.phone,
      member_phones: [friend.phone],
      bots: [{ id: chat.admin.id, admin: true }, { id: chat.plain.id }],
    });
    const groupId = -group.body.id;
    const tg = telegramFor(suite.kit.sandbox, chat.admin.token);
    await tg.setChatTitle(groupId, 'Old friends');
    await tg.leaveChat(groupId);
    const [titled] = await heard(chat.plain.token, 1, (m) => m.chat.id === groupId && m.new_chat_title);
    expect(titled).toMatchObject({ chat: { type: 'group', title: 'Old friends' }, new_chat_title: 'Old friends' });
    const [left] = await heard(chat.plain.token, 1, (m) => m.chat.id === groupId && m.left_chat_member);
    expect(left).toMatchObject({ from: { id: chat.admin.id }, left_chat_member: { id: chat.admin.id, is_bot: true } });
    // The bot that left hears its own leaving too.
    await heard(chat.admin.token, 1, (m) => m.chat.id === groupId && m.left_chat_member?.id === chat.admin.id);

    const friendApp = await signedInClient(suite.kit, friend);
    const groupPeer = new Api.InputPeerChat({ chatId: returnBigInt(group.body.id) });
    const kinds = services(await history(friendApp, groupPeer)).map((m) => m.action.className);
    expect(kinds).toEqual(['MessageActionChatDeleteUser', 'MessageActionChatEditTitle', 'MessageActionChatCreate']);
    const listed = await control(suite.kit.sandbox, 'GET', `/sandbox/groups/${group.body.id}/messages`);
    expect(listed.body.map((m: any) => m.service.type)).toEqual(['chat_create', 'chat_edit_title', 'chat_delete_user']);
  });

  it("shows mtcute (layer 227) a member's own join of a public supergroup in its history", async () => {
    const username = `svc_club_${Date.now() % 100000}`;
    const chat = await chatWithBots(true, username);
    const member = await newUser(suite.kit, { firstName: 'Kai' });
    const app = mtcuteClient(suite.kit.sandbox);
    try {
      await signInMtcute(suite.kit, app, member.phone);
      await app.joinChat(`@${username}`);
      const [joined] = await app.getHistory(`@${username}`, { limit: 10 });
      expect(joined?.isService).toBe(true);
      expect(joined?.sender.id).toBe(member.id);
      expect(joined?.chat.id).toBe(chat.chatId);
      expect(joined?.action).toEqual({ type: 'users_added', users: [member.id] });
      const [message] = await heard(chat.plain.token, 1, (m) => m.new_chat_members);
      expect(message.new_chat_members).toEqual([expect.objectContaining({ id: member.id, first_name: 'Kai' })]);
    } finally {
      await app.destroy();
    }
  });
});
