import { Api, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import { Raw } from 'telegram/events';
import type { Telegram } from 'telegraf';
import { eventually } from '../helpers/eventually';
import { sandboxForSuite } from './bot-chats';
import { control, newBot, newChannel, rawBotCall, telegramFor } from './bot-helpers';
import { errorOf, newUser, signedInClient } from './mtproto-kit';

/** A supergroup whose owner's app made a new bot an administrator (with the right to invite users unless told). */
interface RequestChat {
  chatId: number;
  owner: { id: number; phone: string };
  ownerApp: TelegramClient;
  peer: Api.InputPeerChannel;
  bot: { id: number; token: string; username: string };
  tg: Telegram;
  /** Everything pushed to the owner's app since the chat was made. */
  ownerPushed: Api.TypeUpdate[];
}

interface Someone {
  id: number;
  phone: string;
  app: TelegramClient;
  pushed: Api.TypeUpdate[];
}

const hashOf = (link: string): string => link.replace(/^https:\/\/t\.me\/\+/, '');

describe('sandbox: requests to join a chat and editing invite links (real telegraf and gramjs)', () => {
  const suite = sandboxForSuite();

  async function makeAdmin(
    ownerApp: TelegramClient,
    peer: Api.InputPeerChannel,
    username: string,
    inviteUsers: boolean,
  ): Promise<void> {
    const botUser = (await ownerApp.invoke(new Api.contacts.ResolveUsername({ username }))).users[0] as Api.User;
    await ownerApp.invoke(
      new Api.channels.EditAdmin({
        channel: new Api.InputChannel({ channelId: peer.channelId, accessHash: peer.accessHash }),
        userId: new Api.InputUser({ userId: botUser.id, accessHash: returnBigInt(botUser.accessHash ?? 0) }),
        adminRights: new Api.ChatAdminRights({ inviteUsers, deleteMessages: true, pinMessages: true, other: true }),
        rank: '',
      }),
    );
  }

  async function requestChat(opts: { inviteUsers?: boolean } = {}): Promise<RequestChat> {
    const { kit } = suite;
    const owner = await newUser(kit, { firstName: 'Olga' });
    const ownerApp = await signedInClient(kit, owner);
    const ownerPushed: Api.TypeUpdate[] = [];
    ownerApp.addEventHandler((u: Api.TypeUpdate) => ownerPushed.push(u), new Raw({}));
    const created = await newChannel(kit.sandbox, owner.phone, { megagroup: true });
    const bot = await newBot(kit.sandbox);
    const peer = new Api.InputPeerChannel({
      channelId: returnBigInt(created.channel_id),
      accessHash: returnBigInt(created.access_hash),
    });
    await makeAdmin(ownerApp, peer, bot.username, opts.inviteUsers ?? true);
    return { chatId: created.id, owner, ownerApp, peer, bot, tg: telegramFor(kit.sandbox, bot.token), ownerPushed };
  }

  /** A user outside the chat, with their signed-in app and what is pushed to it. */
  async function outsider(firstName: string): Promise<Someone> {
    const user = await newUser(suite.kit, { firstName });
    const app = await signedInClient(suite.kit, user);
    const pushed: Api.TypeUpdate[] = [];
    app.addEventHandler((u: Api.TypeUpdate) => pushed.push(u), new Raw({}));
    return { ...user, app, pushed };
  }

  /** The user opens the link in their app: Telegram answers that their request was sent. */
  const ask = async (user: Someone, link: string): Promise<string> =>
    errorOf(user.app.invoke(new Api.messages.ImportChatInvite({ hash: hashOf(link) })));

  const requestLink = async (chat: RequestChat, name?: string): Promise<string> =>
    ((await chat.tg.createChatInviteLink(chat.chatId, { creates_join_request: true, name })) as any)
      .invite_link as string;

  const call = async (
    chat: RequestChat,
    method: string,
    params: Record<string, unknown>,
  ): Promise<{ status: number; description: string; result: any }> => {
    const { status, body } = await rawBotCall(suite.kit.sandbox, chat.bot.token, method, {
      chat_id: chat.chatId,
      ...params,
    });
    return { status, description: body.description, result: body.result };
  };

  /** Every update waiting for the bot (read with its allowed_updates as they are), confirmed as read. */
  async function updatesOf(chat: RequestChat, allowed?: string[]): Promise<any[]> {
    const params: Record<string, unknown> = allowed ? { allowed_updates: allowed } : {};
    const { body } = await rawBotCall(suite.kit.sandbox, chat.bot.token, 'getUpdates', params);
    const updates = body.result as any[];
    const last = updates.at(-1);
    if (last) await rawBotCall(suite.kit.sandbox, chat.bot.token, 'getUpdates', { offset: last.update_id + 1 });
    return updates;
  }

  const importers = (app: TelegramClient, peer: Api.InputPeerChannel, requested: boolean, link?: string) =>
    app.invoke(
      new Api.messages.GetChatInviteImporters({
        requested,
        peer,
        link,
        offsetDate: 0,
        offsetUser: new Api.InputUserEmpty(),
        limit: 50,
      }),
    );

  /** The user as the app knows them from a list it was given (with the access hash it came with). */
  const inputUserFrom = (users: Api.TypeUser[], id: number): Api.InputUser => {
    const found = users.find((u) => u.id.toJSNumber() === id);
    if (!(found instanceof Api.User)) throw new Error('user not listed');
    return new Api.InputUser({ userId: found.id, accessHash: returnBigInt(found.accessHash ?? 0) });
  };

  describe('a request through a link that needs approval', () => {
    it('is heard by the administrator bot as chat_join_request; approveChatJoinRequest lets the user in, who is pushed the chat, and the chat says they joined by request', async () => {
      const chat = await requestChat();
      const link = await requestLink(chat, 'Guests');
      const user = await outsider('Ruth');

      expect(await ask(user, link)).toBe('INVITE_REQUEST_SENT');
      expect(await chat.tg.getChatMember(chat.chatId, user.id)).toMatchObject({ status: 'left' });

      const heard = await eventually(
        async () => (await updatesOf(chat)).find((u) => u.chat_join_request)?.chat_join_request,
        { what: 'chat_join_request' },
      );
      expect(heard).toEqual({
        chat: expect.objectContaining({ id: chat.chatId, type: 'supergroup' }),
        from: expect.objectContaining({ id: user.id, is_bot: false, first_name: 'Ruth' }),
        user_chat_id: user.id,
        date: expect.any(Number),
        invite_link: expect.objectContaining({
          invite_link: link,
          name: 'Guests',
          creates_join_request: true,
          pending_join_request_count: 1,
        }),
      });

      expect(await chat.tg.approveChatJoinRequest(chat.chatId, user.id)).toBe(true);
      expect(await chat.tg.getChatMember(chat.chatId, user.id)).toMatchObject({ status: 'member' });
      // The member's app is told of the chat, and of their join.
      await eventually(
        () =>
          user.pushed.find((u) => u instanceof Api.UpdateChannel && u.channelId.equals(chat.peer.channelId)) !==
          undefined,
        { what: 'updateChannel pushed to the new member' },
      );
      const history = await user.app.invoke(new Api.messages.GetHistory({ peer: chat.peer, limit: 5 }));
      const joined = (history as Api.messages.ChannelMessages).messages[0] as Api.MessageService;
      expect(joined.action).toBeInstanceOf(Api.MessageActionChatJoinedByRequest);
      expect((joined.fromId as Api.PeerUser).userId.toJSNumber()).toBe(user.id);
      // The bot reads it as new_chat_members, as the official server writes a join by request.
      const message = await eventually(
        async () => (await updatesOf(chat)).find((u) => u.message?.new_chat_members)?.message,
        { what: 'the join as a message to the bot' },
      );
      expect(message.new_chat_members).toEqual([expect.objectContaining({ id: user.id })]);
      expect(message.from).toMatchObject({ id: user.id });

      // The request is answered: there is none left to answer.
      expect(await call(chat, 'approveChatJoinRequest', { user_id: user.id })).toMatchObject({
        status: 400,
        description: 'Bad Request: HIDE_REQUESTER_MISSING',
      });
    });

    it('reaches only bots whose allowed_updates let chat_join_request through, and only administrators that may invite users', async () => {
      const chat = await requestChat();
      // A second administrator bot without the right to invite users.
      const weakBot = await newBot(suite.kit.sandbox);
      await makeAdmin(chat.ownerApp, chat.peer, weakBot.username, false);
      const weak: RequestChat = { ...chat, bot: weakBot, tg: telegramFor(suite.kit.sandbox, weakBot.token) };
      // The bot names the updates it wants, and chat_join_request is not among them.
      await updatesOf(chat, ['message']);
      await updatesOf(weak);
      const link = await requestLink(chat);
      const user = await outsider('Nils');

      expect(await ask(user, link)).toBe('INVITE_REQUEST_SENT');
      // Something the bots do hear, after the request: whatever came before it has come.
      await chat.ownerApp.invoke(
        new Api.messages.SendMessage({ peer: chat.peer, message: 'after the request', randomId: returnBigInt(77) }),
      );
      const heard = await eventually(
        async () => {
          const updates = await updatesOf(chat, ['message']);
          return updates.some((u) => u.message?.text === 'after the request') && updates;
        },
        { what: 'the message after the request' },
      );
      expect(heard.filter((u: any) => u.chat_join_request)).toEqual([]);
      const weakHeard = await eventually(
        async () => {
          const updates = await updatesOf(weak);
          return updates.some((u) => u.message?.text === 'after the request') && updates;
        },
        { what: 'the message after the request, to the bot that may not invite' },
      );
      expect(weakHeard.filter((u: any) => u.chat_join_request)).toEqual([]);

      // Named again, the update comes: the next request is heard.
      await updatesOf(chat, ['message', 'chat_join_request']);
      const second = await outsider('Odd');
      expect(await ask(second, link)).toBe('INVITE_REQUEST_SENT');
      const request = await eventually(
        async () => (await updatesOf(chat)).find((u) => u.chat_join_request)?.chat_join_request,
        { what: 'chat_join_request once named' },
      );
      expect(request.from.id).toBe(second.id);
      expect(request.invite_link.pending_join_request_count).toBe(2);
    });

    it('declineChatJoinRequest drops the request: the user stays out, and the request is gone from both doors', async () => {
      const chat = await requestChat();
      const link = await requestLink(chat);
      const user = await outsider('Dana');
      expect(await ask(user, link)).toBe('INVITE_REQUEST_SENT');
      expect((await importers(chat.ownerApp, chat.peer, true)).count).toBe(1);

      expect(await chat.tg.declineChatJoinRequest(chat.chatId, user.id)).toBe(true);
      expect(await chat.tg.getChatMember(chat.chatId, user.id)).toMatchObject({ status: 'left' });
      expect((await importers(chat.ownerApp, chat.peer, true)).count).toBe(0);
      expect(await call(chat, 'declineChatJoinRequest', { user_id: user.id })).toMatchObject({
        status: 400,
        description: 'Bad Request: HIDE_REQUESTER_MISSING',
      });
      expect(await call(chat, 'approveChatJoinRequest', { user_id: user.id })).toMatchObject({
        status: 400,
        description: 'Bad Request: HIDE_REQUESTER_MISSING',
      });
      // The link counts no request waiting.
      const edited = await call(chat, 'editChatInviteLink', { invite_link: link, creates_join_request: true });
      expect(edited.result.pending_join_request_count).toBeUndefined();
    });

    it("refuses in Telegram's words: no request, a user already in, a bot that may not invite users", async () => {
      const chat = await requestChat();
      const link = await requestLink(chat);
      const nobody = await outsider('Zed');
      expect(await call(chat, 'approveChatJoinRequest', { user_id: nobody.id })).toEqual({
        status: 400,
        description: 'Bad Request: HIDE_REQUESTER_MISSING',
        result: undefined,
      });
      expect(await call(chat, 'approveChatJoinRequest', { user_id: 123_456_789 })).toMatchObject({
        status: 400,
        description: 'Bad Request: user not found',
      });

      // A request, then the owner adds the user another way.
      const user = await outsider('Ivo');
      expect(await ask(user, link)).toBe('INVITE_REQUEST_SENT');
      const added = await control(suite.kit.sandbox, 'POST', `/sandbox/channels/${chat.chatId}/members`, {
        phone: user.phone,
      });
      expect(added.status).toBe(200);
      expect(await call(chat, 'approveChatJoinRequest', { user_id: user.id })).toMatchObject({
        status: 400,
        description: 'Bad Request: USER_ALREADY_PARTICIPANT',
      });
      // A member asking through the link is told they are in.
      expect(await ask(user, link)).toBe('USER_ALREADY_PARTICIPANT');

      const weak = await requestChat({ inviteUsers: false });
      expect(await call(weak, 'approveChatJoinRequest', { user_id: user.id })).toMatchObject({
        status: 400,
        description: 'Bad Request: not enough rights to manage chat invite link',
      });
      expect(await call(weak, 'declineChatJoinRequest', { user_id: user.id })).toMatchObject({
        status: 400,
        description: 'Bad Request: not enough rights to manage chat invite link',
      });
    });
  });

  describe('an administrator in the app', () => {
    it('is pushed updatePendingJoinRequests, lists the requests, approves one and declines the rest; the link then lists who joined by it', async () => {
      const chat = await requestChat();
      // The owner's own link that needs approval, made in the app.
      const exported = (await chat.ownerApp.invoke(
        new Api.messages.ExportChatInvite({ peer: chat.peer, requestNeeded: true, title: 'Door' }),
      )) as Api.ChatInviteExported;
      expect(exported.requestNeeded).toBe(true);
      const first = await outsider('Alma');
      const second = await outsider('Bert');
      const checked = await first.app.invoke(new Api.messages.CheckChatInvite({ hash: hashOf(exported.link) }));
      expect((checked as Api.ChatInvite).requestNeeded).toBe(true);
      expect(await ask(first, exported.link)).toBe('INVITE_REQUEST_SENT');
      expect(await ask(second, exported.link)).toBe('INVITE_REQUEST_SENT');

      const pending = await eventually(
        () =>
          chat.ownerPushed.find(
            (u): u is Api.UpdatePendingJoinRequests =>
              u instanceof Api.UpdatePendingJoinRequests && u.requestsPending === 2,
          ),
        { what: 'updatePendingJoinRequests with two waiting' },
      );
      expect(pending.recentRequesters.map((id) => id.toJSNumber())).toEqual([first.id, second.id]);

      const listed = await importers(chat.ownerApp, chat.peer, true, exported.link);
      expect(listed.count).toBe(2);
      expect(listed.importers.map((i) => [i.userId.toJSNumber(), i.requested])).toEqual(
        expect.arrayContaining([
          [first.id, true],
          [second.id, true],
        ]),
      );
      expect(listed.users.map((u) => u.id.toJSNumber()).sort()).toEqual([first.id, second.id].sort());

      const approved = await chat.ownerApp.invoke(
        new Api.messages.HideChatJoinRequest({
          approved: true,
          peer: chat.peer,
          userId: inputUserFrom(listed.users, first.id),
        }),
      );
      const newMessage = (approved as Api.Updates).updates.find((u) => u instanceof Api.UpdateNewChannelMessage);
      expect(((newMessage as Api.UpdateNewChannelMessage).message as Api.MessageService).action).toBeInstanceOf(
        Api.MessageActionChatJoinedByRequest,
      );
      expect(await chat.tg.getChatMember(chat.chatId, first.id)).toMatchObject({ status: 'member' });
      await eventually(
        () => chat.ownerPushed.some((u) => u instanceof Api.UpdatePendingJoinRequests && u.requestsPending === 1),
        { what: 'updatePendingJoinRequests with one waiting' },
      );

      await chat.ownerApp.invoke(new Api.messages.HideAllChatJoinRequests({ peer: chat.peer }));
      expect((await importers(chat.ownerApp, chat.peer, true)).count).toBe(0);
      expect(await chat.tg.getChatMember(chat.chatId, second.id)).toMatchObject({ status: 'left' });
      expect(
        await errorOf(
          chat.ownerApp.invoke(
            new Api.messages.HideChatJoinRequest({
              peer: chat.peer,
              userId: inputUserFrom(listed.users, second.id),
            }),
          ),
        ),
      ).toBe('HIDE_REQUESTER_MISSING');

      const joined = await importers(chat.ownerApp, chat.peer, false, exported.link);
      expect(joined.count).toBe(1);
      expect(joined.importers[0]).toMatchObject({ requested: false });
      expect(joined.importers[0]?.userId.toJSNumber()).toBe(first.id);
      expect(joined.importers[0]?.approvedBy?.toJSNumber()).toBe(chat.owner.id);

      // A member who is no administrator may not look.
      expect(await errorOf(importers(first.app, chat.peer, true))).toBe('CHAT_ADMIN_REQUIRED');
    });
  });

  describe('editChatInviteLink', () => {
    it('sets the name, end, member limit and approval of a link anew; an app joins by the limits it then has', async () => {
      const chat = await requestChat();
      const created = (await chat.tg.createChatInviteLink(chat.chatId, { name: 'Before', member_limit: 5 })) as any;
      const expireDate = Math.floor(Date.now() / 1000) + 3_600;
      const edited = (await chat.tg.editChatInviteLink(chat.chatId, created.invite_link, {
        name: 'After',
        expire_date: expireDate,
        creates_join_request: true,
      })) as any;
      expect(edited).toEqual({
        invite_link: created.invite_link,
        creator: expect.objectContaining({ id: chat.bot.id, is_bot: true }),
        name: 'After',
        expire_date: expireDate,
        creates_join_request: true,
        is_primary: false,
        is_revoked: false,
      });
      const user = await outsider('Lena');
      expect(await ask(user, created.invite_link)).toBe('INVITE_REQUEST_SENT');

      // Back to a plain link with a limit of one: the next user joins at once.
      const plain = (await chat.tg.editChatInviteLink(chat.chatId, created.invite_link, { member_limit: 1 })) as any;
      expect(plain).toMatchObject({ creates_join_request: false, member_limit: 1 });
      expect(plain.name).toBeUndefined();
      const next = await outsider('Mats');
      await next.app.invoke(new Api.messages.ImportChatInvite({ hash: hashOf(created.invite_link) }));
      expect(await chat.tg.getChatMember(chat.chatId, next.id)).toMatchObject({ status: 'member' });
    });

    it("refuses what createChatInviteLink refuses, and links it cannot edit, in Telegram's words", async () => {
      const chat = await requestChat();
      const link = ((await chat.tg.createChatInviteLink(chat.chatId)) as any).invite_link as string;
      expect(
        await call(chat, 'editChatInviteLink', { invite_link: link, member_limit: 3, creates_join_request: true }),
      ).toMatchObject({
        status: 400,
        description: "Bad Request: member limit can't be specified for links requiring administrator approval",
      });
      expect(await call(chat, 'editChatInviteLink', { invite_link: link, name: 'n'.repeat(33) })).toMatchObject({
        status: 400,
        description: 'Bad Request: invite link name is too long',
      });
      expect(await call(chat, 'editChatInviteLink', { invite_link: link, expire_date: 1_000 })).toMatchObject({
        status: 400,
        description: 'Bad Request: EXPIRE_DATE_INVALID',
      });
      expect(await call(chat, 'editChatInviteLink', { invite_link: 'https://t.me/+NoSuchLink123' })).toMatchObject({
        status: 400,
        description: 'Bad Request: INVITE_HASH_EXPIRED',
      });
      const primary = await chat.tg.exportChatInviteLink(chat.chatId);
      expect(await call(chat, 'editChatInviteLink', { invite_link: primary, name: 'x' })).toMatchObject({
        status: 400,
        description: 'Bad Request: CHAT_INVITE_PERMANENT',
      });
      await chat.tg.revokeChatInviteLink(chat.chatId, link);
      expect(await call(chat, 'editChatInviteLink', { invite_link: link, name: 'x' })).toMatchObject({
        status: 400,
        description: 'Bad Request: INVITE_HASH_EXPIRED',
      });
      const weak = await requestChat({ inviteUsers: false });
      expect(await call(weak, 'editChatInviteLink', { invite_link: link })).toMatchObject({
        status: 400,
        description: 'Bad Request: not enough rights to manage chat invite link',
      });
    });
  });
});
