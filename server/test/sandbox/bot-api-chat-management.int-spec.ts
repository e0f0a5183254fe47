import { Api } from 'telegram';
import { Raw } from 'telegram/events';
import { eventually } from '../helpers/eventually';
import { type BotChat, botChatOf, CHAT_KINDS, type ChatKind, sandboxForSuite } from './bot-chats';
import { rawBotCall } from './bot-helpers';
import type { MtprotoKit } from './mtproto-kit';

/** A 1×1 PNG: a real image, so the sandbox takes it as a photo. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** A chat of the bot's, with every update pushed to the member's app, as gramjs reads them. */
type Chat = BotChat & {
  pushed: Api.TypeUpdate[];
  /** A message of the chat as the app reads it now. */
  read(id: number): Promise<Api.Message | undefined>;
};

/** Telegram's answer to a raw call, as `{ status, description }`. */
async function refusalOf(
  kit: MtprotoKit,
  token: string,
  method: string,
  params: Record<string, unknown>,
): Promise<{ status: number; description: string }> {
  const { status, body } = await rawBotCall(kit.sandbox, token, method, params);
  return { status, description: body.description };
}

describe('sandbox: bots edit captions, pin messages and leave chats (real telegraf and gramjs)', () => {
  const suite = sandboxForSuite();

  async function chatOf(kind: ChatKind, botRights?: { admin?: boolean; can_post_messages?: boolean }): Promise<Chat> {
    const chat = await botChatOf(suite.kit, kind, botRights);
    const pushed: Api.TypeUpdate[] = [];
    chat.app.addEventHandler((u: Api.TypeUpdate) => pushed.push(u), new Raw({}));
    const read = async (id: number): Promise<Api.Message | undefined> =>
      (await chat.history()).find((m) => m.id === id);
    return { ...chat, pushed, read };
  }

  /** The message the app's pinned bar shows: the chat's full info's `pinned_msg_id`. */
  async function pinnedBarOf(chat: Chat): Promise<number | undefined> {
    if (chat.peer instanceof Api.InputPeerChannel) {
      const { channelId, accessHash } = chat.peer;
      const full = await chat.app.invoke(
        new Api.channels.GetFullChannel({ channel: new Api.InputChannel({ channelId, accessHash }) }),
      );
      return (full.fullChat as Api.ChannelFull).pinnedMsgId ?? undefined;
    }
    if (chat.peer instanceof Api.InputPeerUser) {
      const { userId, accessHash } = chat.peer;
      const full = await chat.app.invoke(new Api.users.GetFullUser({ id: new Api.InputUser({ userId, accessHash }) }));
      return full.fullUser.pinnedMsgId ?? undefined;
    }
    return undefined;
  }

  const sendPhoto = async (chat: Chat, caption: string): Promise<any> =>
    chat.tg.sendPhoto(chat.chatId, { source: PNG, filename: 'cover.png' }, { caption });

  describe('editMessageCaption', () => {
    describe.each(CHAT_KINDS)('in a %s', (kind) => {
      it("edits the caption of the bot's photo, and the member's app is pushed the edit and reads the new caption", async () => {
        const chat = await chatOf(kind);
        const sent = await sendPhoto(chat, 'old cover');
        const edited = (await chat.tg.editMessageCaption(chat.chatId, sent.message_id, undefined, '<b>New</b> cover', {
          parse_mode: 'HTML',
        })) as any;

        expect(edited).toMatchObject({
          message_id: sent.message_id,
          chat: { id: chat.chatId },
          caption: 'New cover',
          caption_entities: [{ type: 'bold', offset: 0, length: 3 }],
        });
        expect(edited.photo).toBeDefined();
        expect(edited.edit_date).toEqual(expect.any(Number));

        const push = await eventually(
          () =>
            chat.pushed.find(
              (u): u is Api.UpdateEditMessage | Api.UpdateEditChannelMessage =>
                (u instanceof Api.UpdateEditMessage || u instanceof Api.UpdateEditChannelMessage) &&
                u.message instanceof Api.Message &&
                u.message.id === sent.message_id,
            ),
          { what: 'the edit pushed to the app' },
        );
        expect((push.message as Api.Message).message).toBe('New cover');
        const read = await chat.read(sent.message_id);
        expect(read?.message).toBe('New cover');
        expect(read?.media).toBeInstanceOf(Api.MessageMediaPhoto);
        expect(read?.editDate).toBe(edited.edit_date);
        expect(read?.entities?.[0]).toBeInstanceOf(Api.MessageEntityBold);
      });

      it('takes the caption away when none is given, and answers "message is not modified" for the same caption', async () => {
        const chat = await chatOf(kind);
        const sent = await sendPhoto(chat, 'cover');
        const same = await refusalOf(suite.kit, chat.bot.token, 'editMessageCaption', {
          chat_id: chat.chatId,
          message_id: sent.message_id,
          caption: 'cover',
        });
        expect(same).toEqual({
          status: 400,
          description:
            'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
        });

        const bare = (await chat.tg.editMessageCaption(chat.chatId, sent.message_id, undefined, undefined)) as any;
        expect(bare.caption).toBeUndefined();
        expect(bare.photo).toBeDefined();
        expect((await chat.read(sent.message_id))?.message).toBe('');
      });

      it("refuses a missing message, a text message, and a message the bot did not send, in Telegram's words", async () => {
        const chat = await chatOf(kind);
        const text = (await chat.tg.sendMessage(chat.chatId, 'just text')) as any;
        const theirs = await chat.write('written by the member');
        const call = (message_id: number) =>
          refusalOf(suite.kit, chat.bot.token, 'editMessageCaption', {
            chat_id: chat.chatId,
            message_id,
            caption: 'x',
          });

        expect(await call(999_999)).toEqual({ status: 400, description: 'Bad Request: message to edit not found' });
        expect(await call(text.message_id)).toEqual({
          status: 400,
          description: 'Bad Request: there is no caption in the message to edit',
        });
        expect(await call(theirs)).toEqual({ status: 400, description: "Bad Request: message can't be edited" });
      });
    });

    it('refuses a caption over 1024 characters and an inline_message_id', async () => {
      const chat = await chatOf('channel');
      const sent = await sendPhoto(chat, 'cover');
      expect(
        await refusalOf(suite.kit, chat.bot.token, 'editMessageCaption', {
          chat_id: chat.chatId,
          message_id: sent.message_id,
          caption: 'a'.repeat(1025),
        }),
      ).toEqual({ status: 400, description: 'Bad Request: message caption is too long' });
      expect(
        await refusalOf(suite.kit, chat.bot.token, 'editMessageCaption', { inline_message_id: 'AAAA', caption: 'x' }),
      ).toEqual({ status: 400, description: 'Bad Request: MESSAGE_ID_INVALID' });
      // A caption of exactly 1024 characters is fine.
      const long = (await chat.tg.editMessageCaption(chat.chatId, sent.message_id, undefined, 'b'.repeat(1024))) as any;
      expect(long.caption).toHaveLength(1024);
    });
  });

  it("edits the bot's text in a private chat with editMessageText, and the user's app is pushed the edit", async () => {
    const chat = await chatOf('private');
    const sent = await chat.tg.sendMessage(chat.chatId, 'Order received');
    const edited = (await chat.tg.editMessageText(chat.chatId, sent.message_id, undefined, '<b>Order</b> shipped', {
      parse_mode: 'HTML',
    })) as any;
    expect(edited).toMatchObject({ message_id: sent.message_id, text: 'Order shipped' });

    const push = await eventually(
      () =>
        chat.pushed.find(
          (u): u is Api.UpdateEditMessage =>
            u instanceof Api.UpdateEditMessage && u.message instanceof Api.Message && u.message.id === sent.message_id,
        ),
      { what: 'the edit pushed to the app' },
    );
    expect((push.message as Api.Message).message).toBe('Order shipped');
    const read = await chat.read(sent.message_id);
    expect(read?.message).toBe('Order shipped');
    expect(read?.editDate).toBe(edited.edit_date);
    expect(read?.entities?.[0]).toBeInstanceOf(Api.MessageEntityBold);
  });

  describe('pinChatMessage, unpinChatMessage, unpinAllChatMessages', () => {
    describe.each(CHAT_KINDS)('in a %s', (kind) => {
      it("pins and unpins: getChat shows the most recent pinned message, and the member's app sees the pins", async () => {
        const chat = await chatOf(kind);
        const older = await chat.write('house rules');
        const newer = ((await chat.tg.sendMessage(chat.chatId, 'meeting on Friday')) as any).message_id as number;
        const pinnedOf = async (): Promise<any> => ((await chat.tg.getChat(chat.chatId)) as any).pinned_message;

        expect(await pinnedOf()).toBeUndefined();
        expect(await chat.tg.pinChatMessage(chat.chatId, newer, { disable_notification: true })).toBe(true);
        expect(await chat.tg.pinChatMessage(chat.chatId, older)).toBe(true);
        // The most recent by sending date, whatever the order of pinning.
        expect(await pinnedOf()).toMatchObject({ message_id: newer, text: 'meeting on Friday' });

        const pinUpdate = await eventually(
          () =>
            chat.pushed.find(
              (u) =>
                (u instanceof Api.UpdatePinnedMessages || u instanceof Api.UpdatePinnedChannelMessages) &&
                u.pinned === true &&
                u.messages.includes(older),
            ),
          { what: 'the pin pushed to the app' },
        );
        expect(pinUpdate).toBeInstanceOf(
          kind === 'channel' || kind === 'supergroup' ? Api.UpdatePinnedChannelMessages : Api.UpdatePinnedMessages,
        );
        expect((await chat.read(older))?.pinned).toBe(true);
        expect((await chat.read(newer))?.pinned).toBe(true);
        // The app's pinned bar shows the most recent one too (a basic group's full info is not served).
        if (chat.kind !== 'group') expect(await pinnedBarOf(chat)).toBe(newer);

        // Without a message_id, the most recent pinned message goes.
        expect(await chat.tg.unpinChatMessage(chat.chatId)).toBe(true);
        expect(await pinnedOf()).toMatchObject({ message_id: older, text: 'house rules' });
        await eventually(
          () =>
            chat.pushed.some(
              (u) =>
                (u instanceof Api.UpdatePinnedMessages || u instanceof Api.UpdatePinnedChannelMessages) &&
                !u.pinned &&
                u.messages.includes(newer),
            ),
          { what: 'the unpin pushed to the app' },
        );
        expect((await chat.read(newer))?.pinned).toBeFalsy();

        await chat.tg.pinChatMessage(chat.chatId, newer);
        expect(await chat.tg.unpinChatMessage(chat.chatId, older)).toBe(true);
        expect(await pinnedOf()).toMatchObject({ message_id: newer });
        await chat.tg.pinChatMessage(chat.chatId, older);
        expect(await chat.tg.unpinAllChatMessages(chat.chatId)).toBe(true);
        expect(await pinnedOf()).toBeUndefined();
        expect(await pinnedBarOf(chat)).toBeUndefined();
        expect((await chat.read(older))?.pinned).toBeFalsy();
        expect((await chat.read(newer))?.pinned).toBeFalsy();
      });

      it('refuses to pin a missing message, and to unpin when nothing is pinned', async () => {
        const chat = await chatOf(kind);
        expect(
          await refusalOf(suite.kit, chat.bot.token, 'pinChatMessage', { chat_id: chat.chatId, message_id: 999_999 }),
        ).toEqual({ status: 400, description: 'Bad Request: message to pin not found' });
        expect(await refusalOf(suite.kit, chat.bot.token, 'unpinChatMessage', { chat_id: chat.chatId })).toEqual({
          status: 400,
          description: 'Bad Request: message to unpin not found',
        });
      });
    });

    it.each([
      ['channel', 'an administrator that may not edit messages', { admin: true, can_post_messages: false }],
      ['channel', 'a plain member', { admin: false }],
      ['supergroup', 'a plain member', { admin: false }],
    ] as const)('refuses a bot in a %s that is %s', async (kind, _what, rights) => {
      const chat = await chatOf(kind, rights);
      const id = await chat.write('rules');
      const notEnough = {
        status: 400,
        description: 'Bad Request: not enough rights to manage pinned messages in the chat',
      };
      expect(
        await refusalOf(suite.kit, chat.bot.token, 'pinChatMessage', { chat_id: chat.chatId, message_id: id }),
      ).toEqual(notEnough);
      expect(await refusalOf(suite.kit, chat.bot.token, 'unpinChatMessage', { chat_id: chat.chatId })).toEqual(
        notEnough,
      );
      expect(await refusalOf(suite.kit, chat.bot.token, 'unpinAllChatMessages', { chat_id: chat.chatId })).toEqual(
        notEnough,
      );
    });
  });

  describe('leaveChat', () => {
    it.each(['channel', 'supergroup', 'group'] as const)(
      'leaves a %s: the bot hears my_chat_member "left" from itself, and can no longer send there',
      async (kind) => {
        const chat = await chatOf(kind);
        await chat.tg.getUpdates(0, 100, 0, undefined);
        expect(await chat.tg.leaveChat(chat.chatId)).toBe(true);

        const updates = (await chat.tg.getUpdates(0, 100, 0, undefined)) as any[];
        const left = updates.map((u) => u.my_chat_member).find((m) => m?.new_chat_member.status === 'left');
        expect(left).toMatchObject({
          chat: { id: chat.chatId },
          from: { id: chat.bot.id, is_bot: true },
          new_chat_member: { user: { id: chat.bot.id }, status: 'left' },
        });

        const send = await refusalOf(suite.kit, chat.bot.token, 'sendMessage', {
          chat_id: chat.chatId,
          text: 'still here?',
        });
        expect(send).toEqual({
          status: 403,
          description: `Forbidden: bot is not a member of the ${kind === 'group' ? 'group' : kind} chat`,
        });
        // The chat is private: once out, the bot cannot see it, nor leave it again.
        expect(await refusalOf(suite.kit, chat.bot.token, 'leaveChat', { chat_id: chat.chatId })).toEqual({
          status: 400,
          description: 'Bad Request: chat not found',
        });
      },
    );

    it("refuses a private chat and a chat that does not exist, in Telegram's words", async () => {
      const chat = await chatOf('private');
      expect(await refusalOf(suite.kit, chat.bot.token, 'leaveChat', { chat_id: chat.chatId })).toEqual({
        status: 400,
        description: "Bad Request: chat member status can't be changed in private chats",
      });
      expect(await refusalOf(suite.kit, chat.bot.token, 'leaveChat', { chat_id: -1009999999999 })).toEqual({
        status: 400,
        description: 'Bad Request: chat not found',
      });
    });
  });
});
