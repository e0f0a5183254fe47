import { Api, type TelegramClient } from 'telegram';
import { sandboxForSuite } from './bot-chats';
import { control, rawBotCall } from './bot-helpers';
import { errorOf, newUser, signedInClient } from './mtproto-kit';
import { inputUserOf, type OwnedChat, ownedChat, promotedByOwner, SUPERGROUP_ADMIN_RIGHTS } from './owned-chats';

type TitleChat = OwnedChat;

describe("sandbox: administrators' custom titles (real telegraf and gramjs)", () => {
  const suite = sandboxForSuite();

  /** A new supergroup (or channel) whose owner makes a new bot an administrator with `rights`. */
  async function titleChat(opts: { megagroup?: boolean; rights?: Record<string, boolean> } = {}): Promise<TitleChat> {
    const chat = await ownedChat(suite.kit, { megagroup: opts.megagroup ?? true });
    await promotedByOwner(chat, chat.bot.username, opts.rights ?? SUPERGROUP_ADMIN_RIGHTS);
    return chat;
  }

  /** A new user in the chat (added by its owner), with their signed-in app. */
  async function memberOf(
    chat: TitleChat,
    firstName: string,
  ): Promise<{ id: number; app: TelegramClient; username: string }> {
    const username = `${firstName.toLowerCase()}_${Date.now() % 1_000_000}`;
    const user = await newUser(suite.kit, { firstName, username });
    const res = await control(suite.kit.sandbox, 'POST', `/sandbox/channels/${chat.chatId}/members`, {
      phone: user.phone,
    });
    if (res.status !== 200) throw new Error(`member not added: ${JSON.stringify(res.body)}`);
    return { id: user.id, app: await signedInClient(suite.kit, user), username };
  }

  const refusal = async (chat: TitleChat, params: Record<string, unknown>): Promise<string> => {
    const { status, body } = await rawBotCall(suite.kit.sandbox, chat.bot.token, 'setChatAdministratorCustomTitle', {
      chat_id: chat.chatId,
      ...params,
    });
    expect(status).toBe(400);
    return body.description;
  };

  /** The member as an app in the chat reads them with channels.getParticipant. */
  async function participant(
    app: TelegramClient,
    chat: TitleChat,
    who: Api.InputUser | Api.InputPeerSelf,
  ): Promise<Api.TypeChannelParticipant> {
    const peer =
      who instanceof Api.InputUser ? new Api.InputPeerUser({ userId: who.userId, accessHash: who.accessHash }) : who;
    return (await app.invoke(new Api.channels.GetParticipant({ channel: chat.channel, participant: peer })))
      .participant;
  }

  it("gives an administrator the bot promoted a title: getChatMember and getChatAdministrators show custom_title, the member's app reads it as rank", async () => {
    const chat = await titleChat();
    const mona = await memberOf(chat, 'Mona');
    await chat.tg.promoteChatMember(chat.chatId, mona.id, { can_delete_messages: true, can_pin_messages: true });

    expect(await chat.tg.setChatAdministratorCustomTitle(chat.chatId, mona.id, 'Night shift')).toBe(true);

    const shown = (await chat.tg.getChatMember(chat.chatId, mona.id)) as any;
    expect(shown).toMatchObject({ status: 'administrator', custom_title: 'Night shift', can_delete_messages: true });
    const admins = (await chat.tg.getChatAdministrators(chat.chatId)) as any[];
    expect(admins.find((a) => a.user.id === mona.id)).toEqual(shown);

    const self = await participant(mona.app, chat, new Api.InputPeerSelf());
    expect(self).toBeInstanceOf(Api.ChannelParticipantAdmin);
    expect(self).toMatchObject({ rank: 'Night shift', self: true });
    expect((self as Api.ChannelParticipantAdmin).promotedBy.toJSNumber()).toBe(chat.bot.id);
    expect((self as Api.ChannelParticipantAdmin).adminRights).toMatchObject({ deleteMessages: true });

    // Promoted again, the administrator keeps the title; an empty title removes it.
    await chat.tg.promoteChatMember(chat.chatId, mona.id, { can_delete_messages: true, can_invite_users: true });
    expect(await chat.tg.getChatMember(chat.chatId, mona.id)).toMatchObject({ custom_title: 'Night shift' });
    expect(await chat.tg.setChatAdministratorCustomTitle(chat.chatId, mona.id, '')).toBe(true);
    const cleared = (await chat.tg.getChatMember(chat.chatId, mona.id)) as any;
    expect(cleared.status).toBe('administrator');
    expect(cleared).not.toHaveProperty('custom_title');
    const seen = await participant(mona.app, chat, new Api.InputPeerSelf());
    expect((seen as Api.ChannelParticipantAdmin).rank ?? undefined).toBeUndefined();
  });

  it('loses the title with the rights: a demoted member is a plain member again and the bot may not title them', async () => {
    const chat = await titleChat();
    const mona = await memberOf(chat, 'Mona');
    await chat.tg.promoteChatMember(chat.chatId, mona.id, { can_invite_users: true });
    await chat.tg.setChatAdministratorCustomTitle(chat.chatId, mona.id, 'Greeter');
    await chat.tg.promoteChatMember(chat.chatId, mona.id, {});
    const shown = (await chat.tg.getChatMember(chat.chatId, mona.id)) as any;
    expect(shown.status).toBe('member');
    expect(shown).not.toHaveProperty('custom_title');
    expect(await refusal(chat, { user_id: mona.id, custom_title: 'Greeter' })).toBe(
      'Bad Request: user is not an administrator',
    );
    // Promoted again, they start with no title.
    await chat.tg.promoteChatMember(chat.chatId, mona.id, { can_invite_users: true });
    expect(await chat.tg.getChatMember(chat.chatId, mona.id)).not.toHaveProperty('custom_title');
  });

  it("refuses what Telegram refuses: a channel, the owner, someone else's administrator, emoji, a title over 16 characters, a bot that may no longer promote", async () => {
    const chat = await titleChat();
    const mona = await memberOf(chat, 'Mona');
    const pavel = await memberOf(chat, 'Pavel');
    await chat.tg.promoteChatMember(chat.chatId, mona.id, { can_invite_users: true });
    const owner = (await chat.tg.getChatAdministrators(chat.chatId)).find((a) => a.status === 'creator');
    if (!owner) throw new Error('no owner');

    expect(await refusal(chat, { user_id: owner.user.id, custom_title: 'Boss' })).toBe(
      'Bad Request: only the owner can edit their custom title',
    );
    // Pavel is made an administrator by the owner, in the app: out of the bot's reach.
    await chat.ownerApp.invoke(
      new Api.channels.EditAdmin({
        channel: chat.channel,
        userId: await inputUserOf(chat.ownerApp, pavel.username),
        adminRights: new Api.ChatAdminRights({ inviteUsers: true }),
        rank: 'Doorman',
      }),
    );
    expect(await refusal(chat, { user_id: pavel.id, custom_title: 'Other' })).toBe(
      'Bad Request: not enough rights to change custom title of the user',
    );
    expect(await chat.tg.getChatMember(chat.chatId, pavel.id)).toMatchObject({ custom_title: 'Doorman' });
    expect(await refusal(chat, { user_id: mona.id, custom_title: 'Star ⭐' })).toBe(
      'Bad Request: ADMIN_RANK_EMOJI_NOT_ALLOWED',
    );
    expect(await refusal(chat, { user_id: mona.id, custom_title: 'x'.repeat(17) })).toBe(
      'Bad Request: ADMIN_RANK_INVALID',
    );
    expect(await chat.tg.setChatAdministratorCustomTitle(chat.chatId, mona.id, 'x'.repeat(16))).toBe(true);

    const channel = await titleChat({ megagroup: false, rights: { postMessages: true, addAdmins: true } });
    const carl = await memberOf(channel, 'Carl');
    expect(await refusal(channel, { user_id: carl.id, custom_title: 'Editor' })).toBe(
      'Bad Request: method is available only for groups and supergroups',
    );

    // A bot that may no longer promote members may no longer title those it promoted.
    await chat.ownerApp.invoke(
      new Api.channels.EditAdmin({
        channel: chat.channel,
        userId: await inputUserOf(chat.ownerApp, chat.bot.username),
        adminRights: new Api.ChatAdminRights({ inviteUsers: true }),
        rank: '',
      }),
    );
    expect(await refusal(chat, { user_id: mona.id, custom_title: 'Helper' })).toBe(
      'Bad Request: not enough rights to change custom title of the user',
    );
  });

  it("shows an owner's title from the app to the bot, and refuses one over 16 characters with RANK_TOO_LONG", async () => {
    const chat = await titleChat();
    const mona = await memberOf(chat, 'Mona');
    const monaUser = await inputUserOf(chat.ownerApp, mona.username);
    await chat.ownerApp.invoke(
      new Api.channels.EditAdmin({
        channel: chat.channel,
        userId: monaUser,
        adminRights: new Api.ChatAdminRights({ pinMessages: true }),
        rank: 'Archivist',
      }),
    );
    expect(await chat.tg.getChatMember(chat.chatId, mona.id)).toMatchObject({
      status: 'administrator',
      custom_title: 'Archivist',
      can_pin_messages: true,
    });
    expect(await participant(chat.ownerApp, chat, monaUser)).toMatchObject({ rank: 'Archivist', canEdit: true });

    const tooLong = await errorOf(
      chat.ownerApp.invoke(
        new Api.channels.EditAdmin({
          channel: chat.channel,
          userId: monaUser,
          adminRights: new Api.ChatAdminRights({ pinMessages: true }),
          rank: 'y'.repeat(17),
        }),
      ),
    );
    expect(tooLong).toBe('RANK_TOO_LONG');
    expect(await chat.tg.getChatMember(chat.chatId, mona.id)).toMatchObject({ custom_title: 'Archivist' });
  });
});
