import { Api } from 'telegram';
import { NewMessage, type NewMessageEvent } from 'telegram/events';
import { Telegraf } from 'telegraf';
import { eventually } from '../helpers/eventually';
import { addBotToChannel, control, newBot, rawBotCall, telegramFor } from './bot-helpers';
import { type BotChat, botChatOf, CHAT_KINDS, type ChatKind, sandboxForSuite } from './bot-chats';

/** A 1×1 PNG: a real image, so the sandbox takes it as a photo. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** What telegraf's TelegramError carries of Telegram's answer. */
const refusal = (error_code: number, description: string) => ({ response: { ok: false, error_code, description } });

/** A chat of the bot's, with the messages of it pushed to the member's app, as gramjs reads them. */
type Chat = BotChat & { pushed: Api.Message[] };

describe('sandbox: bots reply to messages and keep their formatting (real telegraf and gramjs)', () => {
  const suite = sandboxForSuite();

  async function chatOf(kind: ChatKind): Promise<Chat> {
    const chat = await botChatOf(suite.kit, kind);
    const pushed: Api.Message[] = [];
    chat.app.addEventHandler((e: NewMessageEvent) => pushed.push(e.message), new NewMessage({}));
    return { ...chat, pushed };
  }

  /** The pushed message with this id, once it has arrived. */
  const pushedMessage = (chat: Chat, id: number): Promise<Api.Message> =>
    eventually(() => chat.pushed.find((m) => m.id === id), { what: `message ${id} pushed to the app` });

  const replyToOf = (m: Api.Message | undefined): number | undefined => m?.replyTo?.replyToMsgId;

  describe.each(CHAT_KINDS)('in a %s', (kind) => {
    it('answers a message with reply_parameters: the answer nests it, and the app shows the reply', async () => {
      const chat = await chatOf(kind);
      const questionId = await chat.write('which chapter?');
      const earlier = (await chat.tg.sendMessage(chat.chatId, 'chapter 3', {
        reply_parameters: { message_id: questionId },
      })) as any;

      expect(earlier.reply_to_message).toMatchObject({
        message_id: questionId,
        chat: { id: chat.chatId },
        text: 'which chapter?',
      });
      expect(earlier.reply_to_message.reply_to_message).toBeUndefined();

      // A reply to the bot's own reply nests that message, one level deep only.
      const again = (await chat.tg.sendMessage(chat.chatId, 'and 4', {
        reply_parameters: { message_id: earlier.message_id, chat_id: chat.chatId },
      })) as any;
      expect(again.reply_to_message).toMatchObject({ message_id: earlier.message_id, text: 'chapter 3' });
      expect(again.reply_to_message.reply_to_message).toBeUndefined();

      expect(replyToOf(await pushedMessage(chat, earlier.message_id))).toBe(questionId);
      expect(replyToOf(await pushedMessage(chat, again.message_id))).toBe(earlier.message_id);
      const history = await chat.history();
      expect(replyToOf(history.find((m) => m.id === earlier.message_id))).toBe(questionId);
      expect(replyToOf(history.find((m) => m.id === again.message_id))).toBe(earlier.message_id);

      // The member answers the bot's reply from the app: the bot hears it with the bot's message nested in full.
      const thanks = await chat.app.sendMessage(chat.peer, { message: 'thanks', replyTo: earlier.message_id });
      const heard = await eventually(async () =>
        (await chat.tg.getUpdates(0, 100, 0, undefined))
          .map((u: any) => u.message ?? u.channel_post)
          .find((m: any) => m?.message_id === thanks.id),
      );
      expect(heard.reply_to_message).toMatchObject({ message_id: earlier.message_id, text: 'chapter 3' });
      expect(heard.reply_to_message.reply_to_message).toBeUndefined();
    });

    it('refuses a reply to a message the chat does not have, unless allow_sending_without_reply', async () => {
      const chat = await chatOf(kind);
      const notFound = refusal(400, 'Bad Request: message to be replied not found');
      await expect(
        chat.tg.sendMessage(chat.chatId, 'to nothing', { reply_parameters: { message_id: 999_999 } }),
      ).rejects.toMatchObject(notFound);
      // A message of another chat is not this chat's.
      const elsewhere = await chatOf(kind);
      const theirs = await elsewhere.write('somewhere else');
      await expect(
        chat.tg.sendMessage(chat.chatId, 'to elsewhere', {
          reply_parameters: { message_id: theirs, chat_id: elsewhere.chatId },
        }),
      ).rejects.toMatchObject(notFound);

      const plain = (await chat.tg.sendMessage(chat.chatId, 'anyway', {
        reply_parameters: { message_id: 999_999, allow_sending_without_reply: true },
      })) as any;
      expect(plain).toMatchObject({ chat: { id: chat.chatId }, text: 'anyway' });
      expect(plain.reply_to_message).toBeUndefined();
      expect((await pushedMessage(chat, plain.message_id)).replyTo).toBeFalsy();
    });

    it("keeps a photo's and a document's caption formatting, in the answer and in the member's app", async () => {
      const chat = await chatOf(kind);
      const questionId = await chat.write('the cover?');
      const photo = (await chat.tg.sendPhoto(
        chat.chatId,
        { source: PNG, filename: 'cover.png' },
        { caption: 'the <b>new</b> cover', parse_mode: 'HTML' },
      )) as any;
      expect(photo).toMatchObject({
        caption: 'the new cover',
        caption_entities: [{ type: 'bold', offset: 4, length: 3 }],
      });
      // The same photo again by its file_id, answering a question (telegraf then sends a JSON body).
      const answer = (await chat.tg.sendPhoto(chat.chatId, photo.photo[0].file_id, {
        caption: 'this <i>one</i>',
        parse_mode: 'HTML',
        reply_parameters: { message_id: questionId },
      })) as any;
      expect(answer).toMatchObject({
        caption: 'this one',
        caption_entities: [{ type: 'italic', offset: 5, length: 3 }],
        reply_to_message: { message_id: questionId, text: 'the cover?' },
      });
      const document = (await chat.tg.sendDocument(
        chat.chatId,
        { source: Buffer.from('chapter 3'), filename: 'notes.txt' },
        {
          caption: 'my notes, see example.com',
          caption_entities: [
            { type: 'italic', offset: 0, length: 8 },
            { type: 'text_link', offset: 14, length: 11, url: 'https://example.com/' },
          ],
          // telegraf leaves an object out of an upload's form: JSON text goes through as Telegram reads it.
          reply_parameters: JSON.stringify({ message_id: questionId }) as never,
        },
      )) as any;
      expect(document.reply_to_message).toMatchObject({ message_id: questionId });
      expect(document.caption_entities).toEqual([
        { type: 'italic', offset: 0, length: 8 },
        { type: 'text_link', offset: 14, length: 11, url: 'https://example.com/' },
      ]);

      const view = (m: Api.Message | undefined) => ({
        caption: m?.message,
        media: m?.media?.className,
        replyTo: replyToOf(m),
        entities: m?.entities?.map((e) => ({
          kind: e.className,
          offset: e.offset,
          length: e.length,
          ...(e instanceof Api.MessageEntityTextUrl ? { url: e.url } : {}),
        })),
      });
      const expectedPhoto = {
        caption: 'the new cover',
        media: 'MessageMediaPhoto',
        replyTo: undefined,
        entities: [{ kind: 'MessageEntityBold', offset: 4, length: 3 }],
      };
      const expectedAnswer = {
        caption: 'this one',
        media: 'MessageMediaPhoto',
        replyTo: questionId,
        entities: [{ kind: 'MessageEntityItalic', offset: 5, length: 3 }],
      };
      const expectedDocument = {
        caption: 'my notes, see example.com',
        media: 'MessageMediaDocument',
        replyTo: questionId,
        entities: [
          { kind: 'MessageEntityItalic', offset: 0, length: 8 },
          { kind: 'MessageEntityTextUrl', offset: 14, length: 11, url: 'https://example.com/' },
        ],
      };
      expect(view(await pushedMessage(chat, photo.message_id))).toEqual(expectedPhoto);
      expect(view(await pushedMessage(chat, document.message_id))).toEqual(expectedDocument);
      expect(view(await pushedMessage(chat, answer.message_id))).toEqual(expectedAnswer);
      const history = await chat.history();
      expect(view(history.find((m) => m.id === photo.message_id))).toEqual(expectedPhoto);
      expect(view(history.find((m) => m.id === document.message_id))).toEqual(expectedDocument);
      expect(view(history.find((m) => m.id === answer.message_id))).toEqual(expectedAnswer);
    });
  });

  it("answers with ctx.reply in a Telegraf bot's handler, and the user's reply to it nests the bot's message", async () => {
    const chat = await chatOf('private');
    const bot = new Telegraf(chat.bot.token, { telegram: { apiRoot: suite.kit.sandbox.httpUrl, webhookReply: false } });
    const answers: any[] = [];
    bot.on('message', async (ctx) => {
      answers.push(await ctx.reply('got it', { reply_parameters: { message_id: ctx.message.message_id } }));
    });
    const askedId = await chat.write('hello bot');
    const updates = await chat.tg.getUpdates(0, 100, 0, undefined);
    const asked = updates.find((u) => 'message' in u && u.message.message_id === askedId);
    if (!asked) throw new Error('the bot heard no message');
    await bot.handleUpdate(asked);

    expect(answers).toEqual([
      expect.objectContaining({
        text: 'got it',
        reply_to_message: expect.objectContaining({ message_id: askedId, text: 'hello bot' }),
      }),
    ]);
    expect(replyToOf(await pushedMessage(chat, answers[0].message_id))).toBe(askedId);

    // The user answers the bot's reply from the app: the bot's update nests the bot's message in full.
    const sent = await chat.app.sendMessage(chat.bot.username, { message: 'thanks', replyTo: answers[0].message_id });
    const heard = await eventually(async () =>
      (await chat.tg.getUpdates(0, 100, 0, undefined)).find((u) => 'message' in u && u.message.message_id === sent.id),
    );
    expect((heard as any).message.reply_to_message).toEqual({
      message_id: answers[0].message_id,
      from: expect.objectContaining({ id: chat.bot.id, is_bot: true }),
      chat: expect.objectContaining({ id: chat.chatId, type: 'private' }),
      date: answers[0].date,
      text: 'got it',
    });
  });

  it("tells another administrator bot of a channel the post the bot's post answers", async () => {
    const chat = await chatOf('channel');
    const other = await newBot(suite.kit.sandbox);
    await addBotToChannel(suite.kit.sandbox, chat.chatId, other.id);
    const firstId = await chat.write('first post');
    const reply = (await chat.tg.sendMessage(chat.chatId, 'a follow-up', {
      reply_parameters: { message_id: firstId },
    })) as any;

    const posts = await telegramFor(suite.kit.sandbox, other.token).getUpdates(0, 100, 0, ['channel_post']);
    const heard = posts.find((u) => 'channel_post' in u && u.channel_post.message_id === reply.message_id) as any;
    expect(heard?.channel_post.reply_to_message).toMatchObject({ message_id: firstId, text: 'first post' });
  });

  it("answers Telegram's errors for a reply_parameters that is not an object", async () => {
    const chat = await chatOf('channel');
    const call = (reply_parameters: unknown) =>
      rawBotCall(suite.kit.sandbox, chat.bot.token, 'sendMessage', {
        chat_id: chat.chatId,
        text: 'hi',
        reply_parameters,
      });
    expect((await call('{not json')).body).toEqual({
      ok: false,
      error_code: 400,
      description: "Bad Request: can't parse reply parameters JSON object",
    });
    expect((await call(5)).body).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: object expected as reply parameters',
    });
    // As JSON text in a JSON body, as a form field would carry it, it works.
    const first = await chat.write('first post');
    const asText = await call(JSON.stringify({ message_id: first }));
    expect(asText.body.result.reply_to_message).toMatchObject({ message_id: first });
  });

  it('takes reply_to_message_id and allow_sending_without_reply as an older client sends them, form or JSON', async () => {
    const chat = await chatOf('supergroup');
    const askedId = await chat.write('anyone there?');
    const url = `${suite.kit.sandbox.httpUrl}/bot${chat.bot.token}/sendMessage`;
    const form = (fields: Record<string, string>) =>
      fetch(url, { method: 'POST', body: new URLSearchParams(fields) }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as any,
      }));
    const json = (fields: Record<string, unknown>) =>
      rawBotCall(suite.kit.sandbox, chat.bot.token, 'sendMessage', fields);
    const chatId = String(chat.chatId);

    const byForm = await form({ chat_id: chatId, text: 'here', reply_to_message_id: String(askedId) });
    expect(byForm.body.result.reply_to_message).toMatchObject({ message_id: askedId, text: 'anyone there?' });
    const byJson = await json({ chat_id: chat.chatId, text: 'me too', reply_to_message_id: askedId });
    expect(byJson.body.result.reply_to_message).toMatchObject({ message_id: askedId });
    expect(replyToOf(await pushedMessage(chat, byJson.body.result.message_id))).toBe(askedId);
    // The control API's record of what the bot sent names the message it answered.
    const sent = await control(suite.kit.sandbox, 'GET', `/sandbox/bots/${chat.bot.id}/sent`);
    expect(sent.body).toEqual([
      expect.objectContaining({ message_id: byForm.body.result.message_id, reply_to_message_id: askedId }),
      expect.objectContaining({ message_id: byJson.body.result.message_id, reply_to_message_id: askedId }),
    ]);

    const notFound = { ok: false, error_code: 400, description: 'Bad Request: message to be replied not found' };
    expect(await form({ chat_id: chatId, text: 'lost', reply_to_message_id: '999999' })).toEqual({
      status: 400,
      body: notFound,
    });
    expect(await json({ chat_id: chat.chatId, text: 'lost', reply_to_message_id: 999999 })).toEqual({
      status: 400,
      body: notFound,
    });
    const formPlain = await form({
      chat_id: chatId,
      text: 'plain',
      reply_to_message_id: '999999',
      allow_sending_without_reply: 'true',
    });
    const jsonPlain = await json({
      chat_id: chat.chatId,
      text: 'plain too',
      reply_to_message_id: 999999,
      allow_sending_without_reply: true,
    });
    for (const sent of [formPlain, jsonPlain]) {
      expect(sent.status).toBe(200);
      expect(sent.body.result.reply_to_message).toBeUndefined();
    }
  });
});
