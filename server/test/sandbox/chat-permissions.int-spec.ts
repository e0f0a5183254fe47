import { Api, type TelegramClient } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import { CustomFile } from 'telegram/client/uploads';
import type { Telegram } from 'telegraf';
import { sandboxForSuite } from './bot-chats';
import { control, newBot, rawBotCall, telegramFor } from './bot-helpers';
import { errorOf, newUser, signedInClient } from './mtproto-kit';
import { type OwnedChat, ownedChat, promotedByOwner } from './owned-chats';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** Every Bot API permission, granted. */
const ALL = {
  can_send_messages: true,
  can_send_audios: true,
  can_send_documents: true,
  can_send_photos: true,
  can_send_videos: true,
  can_send_video_notes: true,
  can_send_voice_notes: true,
  can_send_polls: true,
  can_send_other_messages: true,
  can_add_web_page_previews: true,
  can_change_info: true,
  can_invite_users: true,
  can_pin_messages: true,
  can_manage_topics: true,
};
const NONE = Object.fromEntries(Object.keys(ALL).map((k) => [k, false])) as Record<keyof typeof ALL, boolean>;

/** A supergroup (or channel) with its owner's app, an administrator bot and a member with their app. */
interface Club extends OwnedChat {
  member: { id: number; app: TelegramClient; input: Api.InputPeerUser };
}

describe('sandbox: member restrictions and chat permissions (real telegraf and gramjs)', () => {
  const suite = sandboxForSuite();

  async function club(opts: { megagroup?: boolean; banUsers?: boolean } = {}): Promise<Club> {
    const { kit } = suite;
    const chat = await ownedChat(kit, { megagroup: opts.megagroup ?? true });
    await promotedByOwner(chat, chat.bot.username, { banUsers: opts.banUsers ?? true, inviteUsers: true, other: true });
    const user = await newUser(kit, { firstName: 'Mona' });
    const res = await control(kit.sandbox, 'POST', `/sandbox/channels/${chat.chatId}/members`, { phone: user.phone });
    if (res.status !== 200) throw new Error(`member not added: ${JSON.stringify(res.body)}`);
    const app = await signedInClient(kit, user);
    // The sandbox gives a user one access hash, the same to every app.
    const me = await app.getMe();
    const input = new Api.InputPeerUser({ userId: me.id, accessHash: returnBigInt(me.accessHash ?? 0) });
    return { ...chat, member: { id: user.id, app, input } };
  }

  const say = (app: TelegramClient, c: Club, text: string) => app.sendMessage(c.peer, { message: text });
  const photo = (app: TelegramClient, c: Club) =>
    app.sendFile(c.peer, { file: new CustomFile('dot.png', PNG.length, '', PNG) });

  const call = async (token: string, method: string, params: Record<string, unknown>) => {
    const { status, body } = await rawBotCall(suite.kit.sandbox, token, method, params);
    return { status, ok: body.ok, description: body.description };
  };

  /** The chat as an app reads it now (the channel object with its rights). */
  async function chatSeenBy(app: TelegramClient, c: Club): Promise<Api.Channel> {
    const res = await app.invoke(new Api.channels.GetChannels({ id: [c.channel] }));
    return res.chats[0] as Api.Channel;
  }

  /** The world's time now (moving it a second forward). */
  const worldNow = async (): Promise<number> =>
    (await control<{ now: number }>(suite.kit.sandbox, 'POST', '/sandbox/clock', { advance_seconds: 1 })).body.now;

  describe('restrictChatMember', () => {
    it("restricts a member to text: getChatMember shows it, the member's app reads it and is refused media, then lifted", async () => {
      const c = await club();
      await c.tg.getUpdates(0, 100, 0, ['chat_member']);
      const textOnly = { ...NONE, can_send_messages: true };
      expect(
        await call(c.bot.token, 'restrictChatMember', {
          chat_id: c.chatId,
          user_id: c.member.id,
          permissions: JSON.stringify(textOnly),
          use_independent_chat_permissions: true,
        }),
      ).toMatchObject({ status: 200, ok: true });

      const shown = (await c.tg.getChatMember(c.chatId, c.member.id)) as any;
      expect(shown).toMatchObject({
        user: { id: c.member.id },
        status: 'restricted',
        until_date: 0,
        can_send_messages: true,
        can_send_media_messages: false,
        can_send_photos: false,
        can_send_polls: false,
        can_change_info: false,
        is_member: true,
      });
      const updates = ((await c.tg.getUpdates(0, 100, 0, ['chat_member'])) as any[]).flatMap((u) =>
        u.chat_member ? [u.chat_member] : [],
      );
      expect(updates.at(-1)).toMatchObject({
        old_chat_member: { status: 'member' },
        new_chat_member: { status: 'restricted', can_send_messages: true, can_send_photos: false },
      });

      const seen = await chatSeenBy(c.member.app, c);
      expect(seen.bannedRights).toMatchObject({ sendMedia: true, sendPhotos: true, untilDate: 0 });
      expect(seen.bannedRights?.sendPlain).toBeFalsy();
      expect((await say(c.member.app, c, 'words are fine')).message).toBe('words are fine');
      expect(await errorOf(photo(c.member.app, c))).toBe('CHAT_SEND_MEDIA_FORBIDDEN');
      // The owner is never restricted.
      const ownersPhoto = await photo(c.ownerApp, c);
      expect(ownersPhoto.media).toBeInstanceOf(Api.MessageMediaPhoto);
      // Nor may the member forward a photo in.
      expect(
        await errorOf(c.member.app.forwardMessages(c.peer, { messages: [ownersPhoto.id], fromPeer: c.peer })),
      ).toBe('CHAT_SEND_MEDIA_FORBIDDEN');

      // Everything granted: a member again.
      await c.tg.restrictChatMember(c.chatId, c.member.id, { permissions: ALL });
      expect(await c.tg.getChatMember(c.chatId, c.member.id)).toMatchObject({ status: 'member' });
      expect((await chatSeenBy(c.member.app, c)).bannedRights).toBeFalsy();
      expect((await photo(c.member.app, c)).media).toBeInstanceOf(Api.MessageMediaPhoto);
    });

    it('implies messages from polls and media unless use_independent_chat_permissions, and refuses plain text then', async () => {
      const c = await club();
      await c.tg.restrictChatMember(c.chatId, c.member.id, { permissions: { can_send_polls: true } });
      expect(await c.tg.getChatMember(c.chatId, c.member.id)).toMatchObject({
        status: 'restricted',
        can_send_messages: true,
        can_send_polls: true,
        can_send_photos: false,
      });
      await c.tg.restrictChatMember(c.chatId, c.member.id, {
        permissions: { can_send_polls: true, can_send_photos: true },
        use_independent_chat_permissions: true,
      });
      expect(await c.tg.getChatMember(c.chatId, c.member.id)).toMatchObject({
        can_send_messages: false,
        can_send_polls: true,
        can_send_photos: true,
        can_send_media_messages: true,
      });
      expect(await errorOf(say(c.member.app, c, 'hello'))).toBe('CHAT_SEND_PLAIN_FORBIDDEN');
      expect((await photo(c.member.app, c)).media).toBeInstanceOf(Api.MessageMediaPhoto);
      // Other messages imply media and messages.
      await c.tg.restrictChatMember(c.chatId, c.member.id, { permissions: { can_send_other_messages: true } });
      expect(await c.tg.getChatMember(c.chatId, c.member.id)).toMatchObject({
        can_send_messages: true,
        can_send_videos: true,
        can_send_other_messages: true,
        can_send_polls: false,
      });
    });

    it("ends when until_date passes by the world's clock: the member writes again", async () => {
      const c = await club();
      const until = (await worldNow()) + 120;
      await c.tg.restrictChatMember(c.chatId, c.member.id, { permissions: NONE, until_date: until });
      expect(await c.tg.getChatMember(c.chatId, c.member.id)).toMatchObject({
        status: 'restricted',
        until_date: until,
      });
      expect(await errorOf(say(c.member.app, c, 'let me in'))).toBe('CHAT_WRITE_FORBIDDEN');
      const res = await control(suite.kit.sandbox, 'POST', '/sandbox/clock', { advance_seconds: 121 });
      expect(res.status).toBe(200);
      expect((await say(c.member.app, c, 'free again')).message).toBe('free again');
      expect(await c.tg.getChatMember(c.chatId, c.member.id)).toMatchObject({ status: 'member' });
    });

    it('refuses as the official server does: rights, self, owner, broadcast channels, bad permissions, unknown chats', async () => {
      const c = await club();
      const params = { chat_id: c.chatId, user_id: c.member.id, permissions: JSON.stringify(NONE) };
      expect(await call(c.bot.token, 'restrictChatMember', { ...params, user_id: c.bot.id })).toMatchObject({
        status: 400,
        description: "Bad Request: can't restrict self",
      });
      expect(await call(c.bot.token, 'restrictChatMember', { ...params, user_id: c.owner.id })).toMatchObject({
        status: 400,
        description: 'Bad Request: user is an administrator of the chat',
      });
      expect(await call(c.bot.token, 'restrictChatMember', { ...params, permissions: '{oops' })).toMatchObject({
        status: 400,
        description: "Bad Request: can't parse permissions JSON object",
      });
      expect(await call(c.bot.token, 'restrictChatMember', { ...params, permissions: '[1]' })).toMatchObject({
        status: 400,
        description: 'Bad Request: object expected as permissions',
      });
      expect(
        await call(c.bot.token, 'restrictChatMember', { ...params, permissions: '{"can_send_messages":"yes"}' }),
      ).toMatchObject({
        status: 400,
        description: 'Bad Request: can\'t parse chat permissions: Field "can_send_messages" must be of type Boolean',
      });
      expect(await call(c.bot.token, 'restrictChatMember', { ...params, user_id: 'x' })).toMatchObject({
        status: 400,
        description: 'Bad Request: invalid user_id specified',
      });
      expect(await call(c.bot.token, 'restrictChatMember', { ...params, chat_id: -1009999999999 })).toMatchObject({
        status: 400,
        description: 'Bad Request: chat not found',
      });

      const weak = await club({ banUsers: false });
      expect(
        await call(weak.bot.token, 'restrictChatMember', { ...params, chat_id: weak.chatId, user_id: weak.member.id }),
      ).toMatchObject({
        status: 400,
        description: 'Bad Request: not enough rights to restrict/unrestrict chat member',
      });
      expect(
        await call(weak.bot.token, 'setChatPermissions', { chat_id: weak.chatId, permissions: JSON.stringify(NONE) }),
      ).toMatchObject({ status: 400, description: 'Bad Request: not enough rights to change chat permissions' });

      const news = await club({ megagroup: false });
      expect(
        await call(news.bot.token, 'restrictChatMember', { ...params, chat_id: news.chatId, user_id: news.member.id }),
      ).toMatchObject({ status: 400, description: 'Bad Request: method is available only for supergroups' });
      // Nothing was restricted by the refused calls.
      expect((await say(c.member.app, c, 'still here')).message).toBe('still here');
    });
  });

  describe("a restricted bot's own messages", () => {
    /** A second bot, a plain member of the club's supergroup, and its telegraf client. */
    async function plainBot(c: Club): Promise<{ id: number; token: string; tg: Telegram }> {
      const bot = await newBot(suite.kit.sandbox);
      const res = await control(suite.kit.sandbox, 'POST', `/sandbox/channels/${c.chatId}/members`, { bot_id: bot.id });
      if (res.status !== 200) throw new Error(`bot not added: ${JSON.stringify(res.body)}`);
      return { id: bot.id, token: bot.token, tg: telegramFor(suite.kit.sandbox, bot.token) };
    }

    it("refuses what the chat's default permissions forbid, in the words of each kind, and sends the rest", async () => {
      const c = await club();
      const other = await plainBot(c);
      await c.tg.setChatPermissions(c.chatId, { can_send_messages: true, can_send_polls: true });
      expect((await other.tg.sendMessage(c.chatId, 'words are fine')).text).toBe('words are fine');
      // A contact needs only can_send_messages: it goes; the photo (files are read first) and the dice do not.
      const contact = { chat_id: c.chatId, phone_number: '15550001111', first_name: 'Ann' };
      expect(await call(other.token, 'sendContact', contact)).toMatchObject({ status: 200, ok: true });
      expect(await call(other.token, 'sendDice', { chat_id: c.chatId })).toMatchObject({
        status: 400,
        description: 'Bad Request: not enough rights to send dice to the chat',
      });
      const upload = await other.tg.sendPhoto(c.chatId, { source: PNG, filename: 'dot.png' }).then(
        () => 'sent',
        (err: { description?: string }) => err.description,
      );
      expect(upload).toBe('Bad Request: not enough rights to send photos to the chat');
      expect((await other.tg.sendPoll(c.chatId, 'Lunch?', ['yes', 'no'])).poll?.question).toBe('Lunch?');
      // The administrator bot is not held by the defaults.
      expect((await c.tg.sendPhoto(c.chatId, { source: PNG, filename: 'dot.png' })).photo?.length).toBeGreaterThan(0);
    });

    it('refuses every message of a bot restricted from sending anything, and a whole album it may not send', async () => {
      const c = await club();
      const other = await plainBot(c);
      await c.tg.restrictChatMember(c.chatId, other.id, { permissions: { ...NONE, can_send_photos: true } });
      const album = await other.tg
        .sendMediaGroup(c.chatId, [
          { type: 'photo', media: { source: PNG, filename: 'a.png' } },
          { type: 'video', media: { source: PNG, filename: 'b.mp4' } },
        ])
        .then(
          () => 'sent',
          (err: { description?: string }) => err.description,
        );
      expect(album).toBe('Bad Request: not enough rights to send videos to the chat');
      await c.tg.restrictChatMember(c.chatId, other.id, { permissions: NONE });
      const text = await other.tg.sendMessage(c.chatId, 'hello?').then(
        () => 'sent',
        (err: { description?: string }) => err.description,
      );
      expect(text).toBe('Bad Request: have no rights to send a message');
      // Nothing of either reached the chat: the members' history holds no message of that bot.
      const history = (await c.ownerApp.invoke(
        new Api.messages.GetHistory({ peer: c.peer, limit: 50 }),
      )) as Api.messages.ChannelMessages;
      const fromOther = history.messages.filter(
        (m) => m instanceof Api.Message && m.fromId instanceof Api.PeerUser && Number(m.fromId.userId) === other.id,
      );
      expect(fromOther).toEqual([]);
    });
  });

  describe('setChatPermissions', () => {
    it("sets the chat's defaults: getChat shows them, members' apps read and obey them, admins are not bound", async () => {
      const c = await club();
      expect((await c.tg.getChat(c.chatId)) as any).toMatchObject({ permissions: { can_send_photos: true } });
      const noPhotos = { ...ALL, can_send_photos: false, can_pin_messages: false, can_manage_topics: false };
      expect(
        await c.tg.setChatPermissions(c.chatId, noPhotos as any, { use_independent_chat_permissions: true } as any),
      ).toBe(true);
      expect(((await c.tg.getChat(c.chatId)) as any).permissions).toMatchObject({
        can_send_messages: true,
        can_send_photos: false,
        can_send_videos: true,
        can_pin_messages: false,
        can_send_media_messages: true,
      });
      const seen = await chatSeenBy(c.member.app, c);
      expect(seen.defaultBannedRights).toMatchObject({ sendPhotos: true, pinMessages: true });
      expect(seen.defaultBannedRights?.sendMedia).toBeFalsy();
      expect(await errorOf(photo(c.member.app, c))).toBe('CHAT_SEND_PHOTOS_FORBIDDEN');
      expect((await say(c.member.app, c, 'text still goes')).message).toBe('text still goes');
      expect((await photo(c.ownerApp, c)).media).toBeInstanceOf(Api.MessageMediaPhoto);
      // The member, not restricted themself, is still a plain member.
      expect(await c.tg.getChatMember(c.chatId, c.member.id)).toMatchObject({ status: 'member' });
    });
  });

  describe('MTProto', () => {
    it('channels.editBanned by the owner restricts a member (the bot reads it), and no flag lifts it', async () => {
      const c = await club();
      await c.ownerApp.invoke(
        new Api.channels.EditBanned({
          channel: c.channel,
          participant: c.member.input,
          bannedRights: new Api.ChatBannedRights({ sendMessages: true, sendMedia: true, untilDate: 0 }),
        }),
      );
      expect(await c.tg.getChatMember(c.chatId, c.member.id)).toMatchObject({
        status: 'restricted',
        can_send_messages: false,
        can_send_media_messages: false,
        can_send_polls: false,
        can_invite_users: true,
        is_member: true,
      });
      expect(await errorOf(say(c.member.app, c, 'hello?'))).toBe('CHAT_WRITE_FORBIDDEN');
      // A plain member may restrict no one.
      expect(
        await errorOf(
          c.member.app.invoke(
            new Api.channels.EditBanned({
              channel: c.channel,
              participant: new Api.InputPeerSelf(),
              bannedRights: new Api.ChatBannedRights({ untilDate: 0 }),
            }),
          ),
        ),
      ).toBe('CHAT_ADMIN_REQUIRED');
      await c.ownerApp.invoke(
        new Api.channels.EditBanned({
          channel: c.channel,
          participant: c.member.input,
          bannedRights: new Api.ChatBannedRights({ untilDate: 0 }),
        }),
      );
      expect(await c.tg.getChatMember(c.chatId, c.member.id)).toMatchObject({ status: 'member' });
      expect((await say(c.member.app, c, 'back')).message).toBe('back');
    });

    it("messages.editChatDefaultBannedRights sets the chat's defaults, read by the bot; the same again is not modified", async () => {
      const c = await club();
      const rights = new Api.ChatBannedRights({ sendPlain: true, untilDate: 0 });
      await c.ownerApp.invoke(new Api.messages.EditChatDefaultBannedRights({ peer: c.peer, bannedRights: rights }));
      expect(((await c.tg.getChat(c.chatId)) as any).permissions).toMatchObject({
        can_send_messages: false,
        can_send_photos: true,
      });
      expect(await errorOf(say(c.member.app, c, 'hi'))).toBe('CHAT_SEND_PLAIN_FORBIDDEN');
      expect(
        await errorOf(
          c.ownerApp.invoke(new Api.messages.EditChatDefaultBannedRights({ peer: c.peer, bannedRights: rights })),
        ),
      ).toBe('CHAT_NOT_MODIFIED');
      expect(
        await errorOf(
          c.member.app.invoke(new Api.messages.EditChatDefaultBannedRights({ peer: c.peer, bannedRights: rights })),
        ),
      ).toBe('CHAT_ADMIN_REQUIRED');
    });
  });
});
