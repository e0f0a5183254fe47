import { Api, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import type { Telegram } from 'telegraf';
import { Raw } from 'telegram/events';
import { eventually } from '../helpers/eventually';
import { botChatOf, sandboxForSuite } from './bot-chats';
import { addBotToChannel, control, rawBotCall } from './bot-helpers';
import { errorOf, newUser, signedInClient } from './mtproto-kit';
import { ALL_ADMIN_RIGHTS, type OwnedChat, ownedChat, promotedByOwner } from './owned-chats';

/** A channel or supergroup with its owner's app and a bot in it. */
type AdminChat = OwnedChat;

describe('sandbox: bots administer their chats (real telegraf and gramjs)', () => {
  const suite = sandboxForSuite();

  /**
   * A new private chat whose owner, in the app, makes a new bot an administrator with `rights` (all of them unless
   * told); `rights` null leaves the bot out of the chat for the caller to add.
   */
  async function adminChat(
    opts: { megagroup?: boolean; rights?: Partial<typeof ALL_ADMIN_RIGHTS> | null } = {},
  ): Promise<AdminChat> {
    const chat = await ownedChat(suite.kit, { megagroup: opts.megagroup ?? false });
    if (opts.rights !== null) await promotedByOwner(chat, chat.bot.username, opts.rights ?? ALL_ADMIN_RIGHTS);
    return chat;
  }

  /** A new user in the chat (added by its owner), with their signed-in app. */
  async function memberOf(chat: AdminChat, firstName: string): Promise<{ id: number; app: TelegramClient }> {
    const user = await newUser(suite.kit, { firstName });
    await joinedByOwner(chat, user.phone);
    return { id: user.id, app: await signedInClient(suite.kit, user) };
  }

  async function joinedByOwner(chat: AdminChat, phone: string): Promise<void> {
    const res = await control(suite.kit.sandbox, 'POST', `/sandbox/channels/${chat.chatId}/members`, { phone });
    if (res.status !== 200) throw new Error(`member not added: ${JSON.stringify(res.body)}`);
  }

  /** A user outside the chat, with their signed-in app. */
  async function outsider(firstName: string): Promise<{ id: number; phone: string; app: TelegramClient }> {
    const user = await newUser(suite.kit, { firstName });
    return { ...user, app: await signedInClient(suite.kit, user) };
  }

  /** The chat as the app reads it now. */
  async function chatAsSeenBy(app: TelegramClient, chat: AdminChat): Promise<Api.TypeChat | undefined> {
    const res = await app.invoke(new Api.channels.GetChannels({ id: [chat.channel] }));
    return res.chats[0];
  }

  const refusal = async (
    token: string,
    method: string,
    params: Record<string, unknown>,
  ): Promise<{ status: number; description: string }> => {
    const { status, body } = await rawBotCall(suite.kit.sandbox, token, method, params);
    return { status, description: body.description };
  };

  /** The chat_member updates waiting for the bot (which asked for them first with `askForChatMember`). */
  const chatMemberUpdates = async (tg: Telegram): Promise<any[]> =>
    ((await tg.getUpdates(0, 100, 0, ['chat_member'])) as any[]).flatMap((u) => (u.chat_member ? [u.chat_member] : []));
  const askForChatMember = async (tg: Telegram): Promise<void> => {
    await tg.getUpdates(0, 100, 0, ['chat_member']);
  };

  const hashOf = (link: string): string => link.replace(/^https:\/\/t\.me\/\+/, '');

  describe('promoteChatMember', () => {
    it("promotes a member with the rights given: getChatMember, getChatAdministrators, the member's app and a chat_member update show them", async () => {
      const chat = await adminChat();
      const member = await memberOf(chat, 'Mona');
      await askForChatMember(chat.tg);

      expect(
        await chat.tg.promoteChatMember(chat.chatId, member.id, {
          can_post_messages: true,
          can_delete_messages: true,
          can_invite_users: true,
        }),
      ).toBe(true);

      const shown = (await chat.tg.getChatMember(chat.chatId, member.id)) as any;
      expect(shown).toMatchObject({
        user: { id: member.id },
        status: 'administrator',
        can_manage_chat: true,
        can_post_messages: true,
        can_edit_messages: false,
        can_delete_messages: true,
        can_invite_users: true,
        can_restrict_members: false,
        can_promote_members: false,
        can_change_info: false,
      });
      const admins = (await chat.tg.getChatAdministrators(chat.chatId)) as any[];
      expect(admins.find((a) => a.user.id === member.id)).toEqual(shown);

      const seen = (await chatAsSeenBy(member.app, chat)) as Api.Channel;
      expect(seen.adminRights).toMatchObject({
        postMessages: true,
        deleteMessages: true,
        inviteUsers: true,
        other: true,
      });
      expect(seen.adminRights?.banUsers).toBeFalsy();
      expect(seen.adminRights?.addAdmins).toBeFalsy();

      const [change] = (await chatMemberUpdates(chat.tg)).filter((c) => c.new_chat_member.user.id === member.id);
      expect(change).toMatchObject({
        chat: { id: chat.chatId },
        from: { id: chat.bot.id, is_bot: true },
        old_chat_member: { status: 'member' },
        new_chat_member: { status: 'administrator', can_post_messages: true, can_restrict_members: false },
      });
    });

    it('demotes with every right false: the member is a plain member again, in the Bot API and in their app', async () => {
      const chat = await adminChat({ megagroup: true });
      const member = await memberOf(chat, 'Dora');
      await chat.tg.promoteChatMember(chat.chatId, member.id, { can_pin_messages: true, can_restrict_members: true });
      expect(await chat.tg.getChatMember(chat.chatId, member.id)).toMatchObject({
        status: 'administrator',
        can_pin_messages: true,
        can_restrict_members: true,
        can_delete_messages: false,
      });
      expect(((await chatAsSeenBy(member.app, chat)) as Api.Channel).adminRights?.pinMessages).toBe(true);

      expect(await chat.tg.promoteChatMember(chat.chatId, member.id, {})).toBe(true);
      expect(await chat.tg.getChatMember(chat.chatId, member.id)).toMatchObject({ status: 'member' });
      expect(((await chat.tg.getChatAdministrators(chat.chatId)) as any[]).map((a) => a.user.id)).not.toContain(
        member.id,
      );
      expect(((await chatAsSeenBy(member.app, chat)) as Api.Channel).adminRights).toBeFalsy();
    });

    it("refuses in Telegram's words: a bot without the right, rights the bot lacks, the owner, an unknown user", async () => {
      const chat = await adminChat({ rights: { postMessages: true, inviteUsers: true, other: true } });
      const member = await memberOf(chat, 'Rita');
      expect(await refusal(chat.bot.token, 'promoteChatMember', { chat_id: chat.chatId, user_id: member.id })).toEqual({
        status: 400,
        description: 'Bad Request: not enough rights',
      });

      const promoter = await adminChat({ rights: { addAdmins: true, postMessages: true, other: true } });
      const other = await memberOf(promoter, 'Otto');
      const call = (params: Record<string, unknown>) =>
        refusal(promoter.bot.token, 'promoteChatMember', { chat_id: promoter.chatId, ...params });
      expect(await call({ user_id: other.id, can_delete_messages: true })).toEqual({
        status: 400,
        description: 'Bad Request: RIGHT_FORBIDDEN',
      });
      expect(await call({ user_id: promoter.owner.id, can_post_messages: true })).toEqual({
        status: 400,
        description: "Bad Request: can't remove chat owner",
      });
      expect(await call({ user_id: 999_999_999, can_post_messages: true })).toEqual({
        status: 400,
        description: 'Bad Request: user not found',
      });
      // A right it has itself it may give.
      expect(await promoter.tg.promoteChatMember(promoter.chatId, other.id, { can_post_messages: true })).toBe(true);
    });
  });

  describe('banChatMember and unbanChatMember', () => {
    it('bans a member: they lose the chat, cannot come back by a link until unbanned, and getChatMember says kicked', async () => {
      const chat = await adminChat();
      const member = await memberOf(chat, 'Bert');
      await askForChatMember(chat.tg);
      const link = hashOf(((await chat.tg.createChatInviteLink(chat.chatId)) as any).invite_link);

      expect(await chat.tg.banChatMember(chat.chatId, member.id)).toBe(true);
      expect(await chat.tg.getChatMember(chat.chatId, member.id)).toMatchObject({
        user: { id: member.id },
        status: 'kicked',
        until_date: 0,
      });
      const [change] = (await chatMemberUpdates(chat.tg)).filter((c) => c.new_chat_member.user.id === member.id);
      expect(change).toMatchObject({
        from: { id: chat.bot.id },
        old_chat_member: { status: 'member' },
        new_chat_member: { status: 'kicked', until_date: 0 },
      });

      // The member's app no longer has the channel: it is closed to them.
      expect(await chatAsSeenBy(member.app, chat)).toBeInstanceOf(Api.ChannelForbidden);
      expect(await errorOf(member.app.invoke(new Api.messages.GetHistory({ peer: chat.peer, limit: 5 })))).toBe(
        'CHANNEL_PRIVATE',
      );
      expect(await errorOf(member.app.invoke(new Api.messages.ImportChatInvite({ hash: link })))).toBe(
        'CHANNEL_PRIVATE',
      );

      expect(await chat.tg.unbanChatMember(chat.chatId, member.id)).toBe(true);
      expect(await chat.tg.getChatMember(chat.chatId, member.id)).toMatchObject({ status: 'left' });
      const updates = await chatMemberUpdates(chat.tg);
      expect(updates.at(-1)).toMatchObject({
        old_chat_member: { status: 'kicked' },
        new_chat_member: { status: 'left', user: { id: member.id } },
      });
      await member.app.invoke(new Api.messages.ImportChatInvite({ hash: link }));
      expect(await chat.tg.getChatMember(chat.chatId, member.id)).toMatchObject({ status: 'member' });
    });

    it('keeps a banned user out of a public channel they try to join, for as long as the ban lasts', async () => {
      const chat = await adminChat();
      const user = await outsider('Pia');
      const username = `adm${Date.now() % 1_000_000}pub`;
      const named = await control(suite.kit.sandbox, 'POST', '/sandbox/channels', {
        title: 'Open news',
        owner_phone: chat.owner.phone,
        username,
      });
      await addBotToChannel(suite.kit.sandbox, named.body.id, chat.bot.id, { admin: true });
      const channel = new Api.InputChannel({
        channelId: returnBigInt(named.body.channel_id),
        accessHash: returnBigInt(named.body.access_hash),
      });
      const until = Math.floor(Date.now() / 1000) + 3600;

      // A user not in the chat can be banned ahead of time.
      expect(await chat.tg.banChatMember(named.body.id, user.id, until)).toBe(true);
      expect(await chat.tg.getChatMember(named.body.id, user.id)).toMatchObject({
        status: 'kicked',
        until_date: until,
      });
      expect(await errorOf(user.app.invoke(new Api.channels.JoinChannel({ channel })))).toBe('CHANNEL_PRIVATE');

      expect(await chat.tg.unbanChatMember(named.body.id, user.id, { only_if_banned: true })).toBe(true);
      await user.app.invoke(new Api.channels.JoinChannel({ channel }));
      expect(await chat.tg.getChatMember(named.body.id, user.id)).toMatchObject({ status: 'member' });

      // Banned again, then added back by the owner: that lifts the ban, so leaving leaves them free to come back.
      await chat.tg.banChatMember(named.body.id, user.id);
      await control(suite.kit.sandbox, 'POST', `/sandbox/channels/${named.body.id}/members`, { phone: user.phone });
      await user.app.invoke(new Api.channels.LeaveChannel({ channel }));
      expect(await chat.tg.getChatMember(named.body.id, user.id)).toMatchObject({ status: 'left' });
      await user.app.invoke(new Api.channels.JoinChannel({ channel }));
    });

    it("refuses to ban the owner, and a bot without the right to restrict members, in Telegram's words", async () => {
      const chat = await adminChat();
      expect(await refusal(chat.bot.token, 'banChatMember', { chat_id: chat.chatId, user_id: chat.owner.id })).toEqual({
        status: 400,
        description: "Bad Request: can't remove chat owner",
      });

      const weak = await adminChat({ rights: { postMessages: true, other: true } });
      const member = await memberOf(weak, 'Vic');
      expect(await refusal(weak.bot.token, 'banChatMember', { chat_id: weak.chatId, user_id: member.id })).toEqual({
        status: 400,
        description: 'Bad Request: not enough rights to restrict/unrestrict chat member',
      });
      expect(await weak.tg.getChatMember(weak.chatId, member.id)).toMatchObject({ status: 'member' });
    });
    it("ends a ban at its until_date by the world's clock: the user may then come back by a link", async () => {
      const chat = await adminChat({ megagroup: true });
      const member = await memberOf(chat, 'Ida');
      const link = hashOf(await chat.tg.exportChatInviteLink(chat.chatId));
      const until = ((await control(suite.kit.sandbox, 'GET', '/sandbox/clock')).body.now as number) + 60;

      await chat.tg.banChatMember(chat.chatId, member.id, until);
      expect(await chat.tg.getChatMember(chat.chatId, member.id)).toMatchObject({
        status: 'kicked',
        until_date: until,
      });
      expect(await errorOf(member.app.invoke(new Api.messages.ImportChatInvite({ hash: link })))).toBe(
        'CHANNEL_PRIVATE',
      );

      await control(suite.kit.sandbox, 'POST', '/sandbox/clock', { advance_seconds: 120 });
      expect(await chat.tg.getChatMember(chat.chatId, member.id)).toMatchObject({ status: 'left' });
      await member.app.invoke(new Api.messages.ImportChatInvite({ hash: link }));
      expect(await chat.tg.getChatMember(chat.chatId, member.id)).toMatchObject({ status: 'member' });
    });
  });

  describe('setChatTitle and setChatDescription', () => {
    it("changes the title and description for everyone: getChat and the member's app show them", async () => {
      const chat = await adminChat({ megagroup: true });
      const member = await memberOf(chat, 'Tess');
      const pushed: Api.TypeUpdate[] = [];
      member.app.addEventHandler((u: Api.TypeUpdate) => pushed.push(u), new Raw({}));
      await member.app.invoke(new Api.messages.GetHistory({ peer: chat.peer, limit: 5 }));

      expect(await chat.tg.setChatTitle(chat.chatId, 'Book club, autumn')).toBe(true);
      // The member's app is told the chat changed, and reads its new title.
      await eventually(
        () => pushed.find((u) => u instanceof Api.UpdateChannel && u.channelId.equals(chat.channel.channelId)) && true,
        { what: 'updateChannel pushed to the member' },
      );
      expect(await chat.tg.setChatDescription(chat.chatId, 'We read one novel a month.')).toBe(true);

      expect(await chat.tg.getChat(chat.chatId)).toMatchObject({
        title: 'Book club, autumn',
        description: 'We read one novel a month.',
      });
      expect(((await member.app.getEntity(chat.peer)) as Api.Channel).title).toBe('Book club, autumn');
      const full = await member.app.invoke(new Api.channels.GetFullChannel({ channel: chat.channel }));
      expect((full.fullChat as Api.ChannelFull).about).toBe('We read one novel a month.');
    });

    it("changes a basic group's title: getChat and the member's app show it", async () => {
      const chat = await botChatOf(suite.kit, 'group', { admin: true });
      expect(await chat.tg.setChatTitle(chat.chatId, 'Poetry circle')).toBe(true);
      expect(await chat.tg.getChat(chat.chatId)).toMatchObject({ title: 'Poetry circle', type: 'group' });
      const { chatId } = chat.peer as Api.InputPeerChat;
      const seen = await chat.app.invoke(new Api.messages.GetChats({ id: [chatId] }));
      expect((seen.chats[0] as Api.Chat).title).toBe('Poetry circle');
    });

    it("refuses an empty title, a same or over-long description, and a bot that may not change info, in Telegram's words", async () => {
      const chat = await adminChat();
      const call = (method: string, params: Record<string, unknown>) =>
        refusal(chat.bot.token, method, { chat_id: chat.chatId, ...params });
      expect(await call('setChatTitle', { title: '  ' })).toEqual({
        status: 400,
        description: 'Bad Request: chat title is empty',
      });
      // A title over 128 characters is cut to them.
      expect(await chat.tg.setChatTitle(chat.chatId, 'y'.repeat(130))).toBe(true);
      expect(((await chat.tg.getChat(chat.chatId)) as any).title).toBe('y'.repeat(128));
      await chat.tg.setChatDescription(chat.chatId, 'About us');
      expect(await call('setChatDescription', { description: 'About us' })).toEqual({
        status: 400,
        description: 'Bad Request: chat description is not modified',
      });
      expect(await call('setChatDescription', { description: 'z'.repeat(256) })).toEqual({
        status: 400,
        description: 'Bad Request: CHAT_ABOUT_TOO_LONG',
      });
      expect(await chat.tg.setChatDescription(chat.chatId, 'z'.repeat(255))).toBe(true);

      const weak = await adminChat({ rights: { postMessages: true, other: true } });
      expect(await refusal(weak.bot.token, 'setChatTitle', { chat_id: weak.chatId, title: 'Mine now' })).toEqual({
        status: 400,
        description: 'Bad Request: not enough rights to change chat title',
      });
      expect(((await chatAsSeenBy(weak.ownerApp, weak)) as Api.Channel).title).toBe('News');
    });
  });

  describe('invite links', () => {
    it('createChatInviteLink with member_limit 1: the first user joins with it in their app, the second is refused', async () => {
      const chat = await adminChat();
      const expireDate = Math.floor(Date.now() / 1000) + 86_400;
      const link = (await chat.tg.createChatInviteLink(chat.chatId, {
        name: 'Spring fair',
        member_limit: 1,
        expire_date: expireDate,
      })) as any;
      expect(link).toEqual({
        invite_link: expect.stringMatching(/^https:\/\/t\.me\/\+[\w-]+$/),
        creator: expect.objectContaining({ id: chat.bot.id, is_bot: true }),
        creates_join_request: false,
        is_primary: false,
        is_revoked: false,
        name: 'Spring fair',
        expire_date: expireDate,
        member_limit: 1,
      });

      const first = await outsider('Fay');
      const second = await outsider('Sam');
      await first.app.invoke(new Api.messages.ImportChatInvite({ hash: hashOf(link.invite_link) }));
      expect(await chat.tg.getChatMember(chat.chatId, first.id)).toMatchObject({ status: 'member' });
      expect(
        await errorOf(second.app.invoke(new Api.messages.ImportChatInvite({ hash: hashOf(link.invite_link) }))),
      ).toBe('INVITE_HASH_EXPIRED');
      expect(await chat.tg.getChatMember(chat.chatId, second.id)).toMatchObject({ status: 'left' });
    });

    it('revokeChatInviteLink makes a link refuse joiners; exportChatInviteLink makes a new primary link and revokes the old', async () => {
      const chat = await adminChat();
      const link = ((await chat.tg.createChatInviteLink(chat.chatId)) as any).invite_link as string;
      const revoked = (await chat.tg.revokeChatInviteLink(chat.chatId, link)) as any;
      expect(revoked).toMatchObject({ invite_link: link, is_revoked: true, is_primary: false });
      const user = await outsider('Rex');
      expect(await errorOf(user.app.invoke(new Api.messages.ImportChatInvite({ hash: hashOf(link) })))).toBe(
        'INVITE_HASH_EXPIRED',
      );

      const primary = await chat.tg.exportChatInviteLink(chat.chatId);
      expect(primary).toMatch(/^https:\/\/t\.me\/\+[\w-]+$/);
      const newer = await chat.tg.exportChatInviteLink(chat.chatId);
      expect(newer).not.toBe(primary);
      expect(await errorOf(user.app.invoke(new Api.messages.ImportChatInvite({ hash: hashOf(primary) })))).toBe(
        'INVITE_HASH_EXPIRED',
      );
      await user.app.invoke(new Api.messages.ImportChatInvite({ hash: hashOf(newer) }));
      expect(await chat.tg.getChatMember(chat.chatId, user.id)).toMatchObject({ status: 'member' });
    });

    it('reads member_limit, expire_date and user_id as the official server does: clamped, 0 for none, or refused by its words', async () => {
      const chat = await adminChat();
      const create = async (params: Record<string, unknown>) =>
        (
          await rawBotCall(suite.kit.sandbox, chat.bot.token, 'createChatInviteLink', {
            chat_id: chat.chatId,
            ...params,
          })
        ).body.result as Record<string, unknown>;
      const unlimited = await create({ member_limit: 0, expire_date: -5 });
      expect(unlimited.member_limit).toBeUndefined();
      expect(unlimited.expire_date).toBeUndefined();
      expect((await create({ member_limit: 500_000 })).member_limit).toBe(100_000);
      expect(await refusal(chat.bot.token, 'banChatMember', { chat_id: chat.chatId, user_id: 'someone' })).toEqual({
        status: 400,
        description: 'Bad Request: invalid user_id specified',
      });
    });

    it("refuses a bot that may not invite users, in Telegram's words", async () => {
      const chat = await adminChat({ rights: { postMessages: true, other: true } });
      expect(await refusal(chat.bot.token, 'exportChatInviteLink', { chat_id: chat.chatId })).toEqual({
        status: 400,
        description: 'Bad Request: not enough rights to manage chat invite link',
      });
      expect(
        await refusal(chat.bot.token, 'createChatInviteLink', { chat_id: chat.chatId, member_limit: 100_000 }),
      ).toEqual({ status: 400, description: 'Bad Request: not enough rights to manage chat invite link' });
    });
  });
});
