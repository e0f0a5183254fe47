import { Api } from 'telegram';
import { Input } from 'telegraf';
import { botChatOf, type ChatKind, sandboxForSuite } from './bot-chats';
import { control, newBot, rawBotCall, telegramFor } from './bot-helpers';

/** A stand-in for a round video: the sandbox reads no video headers, only what the sender says. */
const ROUND = Buffer.from('not really an mp4, but a round one');

type Json = Record<string, any>;

/** The video attribute of a document as a member's gramjs app reads it. */
function videoAttributeOf(message: Api.Message): Api.DocumentAttributeVideo | undefined {
  const document = (message.media as Api.MessageMediaDocument).document as Api.Document;
  return document.attributes.find((a): a is Api.DocumentAttributeVideo => a instanceof Api.DocumentAttributeVideo);
}

describe('sandbox: bots send video notes (real telegraf and gramjs)', () => {
  const suite = sandboxForSuite();

  describe.each<ChatKind>(['channel', 'private', 'supergroup'])('in a %s', (kind) => {
    it('sendVideoNote: the Message carries `video_note`, the member app sees a round video; a file_id sends it again', async () => {
      const chat = await botChatOf(suite.kit, kind);
      const sent = (await chat.tg.sendVideoNote(
        chat.chatId,
        { source: ROUND, filename: 'round.mp4' },
        {
          duration: 9,
          length: 360,
        },
      )) as Json;
      expect(sent.video_note).toEqual({
        file_id: expect.stringMatching(/^DQAC/),
        file_unique_id: expect.any(String),
        length: 360,
        duration: 9,
        file_size: ROUND.length,
      });
      expect(sent.video).toBeUndefined();
      expect(sent.document).toBeUndefined();

      const seen = (await chat.history()).find((m) => m.id === sent.message_id);
      if (!seen) throw new Error('the app did not see the video note');
      expect(seen.media).toBeInstanceOf(Api.MessageMediaDocument);
      expect(videoAttributeOf(seen)).toMatchObject({ roundMessage: true, duration: 9, w: 360, h: 360 });
      expect(seen.videoNote).toBeDefined();

      const again = (await chat.tg.sendVideoNote(chat.chatId, sent.video_note.file_id)) as Json;
      expect(again.video_note).toEqual(sent.video_note);
      const file = await chat.tg.getFile(sent.video_note.file_id);
      expect(file.file_path).toMatch(/^video_notes\/file_\w+\.mp4$/);
    });
  });

  it('keeps a video note a video note when forwarded or copied, and keeps its length within 640', async () => {
    const chat = await botChatOf(suite.kit, 'channel');
    const sent = (await chat.tg.sendVideoNote(
      chat.chatId,
      { source: ROUND, filename: 'round.mp4' },
      {
        duration: 3,
        length: 2000,
      },
    )) as Json;
    expect(sent.video_note).toMatchObject({ length: 640, duration: 3 });

    const forwarded = (await chat.tg.forwardMessage(chat.chatId, chat.chatId, sent.message_id)) as Json;
    expect(forwarded.video_note).toEqual(sent.video_note);
    const copied = await chat.tg.copyMessage(chat.chatId, chat.chatId, sent.message_id);
    const history = await chat.history();
    for (const id of [forwarded.message_id, copied.message_id]) {
      const seen = history.find((m) => m.id === id);
      if (!seen) throw new Error(`the app did not see message ${id}`);
      expect(videoAttributeOf(seen)).toMatchObject({ roundMessage: true, w: 640 });
    }
  });

  it('refuses what Telegram refuses: no video note, a URL, a file_id of another kind', async () => {
    const chat = await botChatOf(suite.kit, 'channel');
    const call = async (params: Record<string, unknown>): Promise<string> => {
      const { status, body } = await rawBotCall(suite.kit.sandbox, chat.bot.token, 'sendVideoNote', {
        chat_id: chat.chatId,
        ...params,
      });
      expect(status).toBe(400);
      return body.description;
    };
    expect(await call({})).toBe('Bad Request: there is no video note in the request');
    expect(await call({ video_note: 'https://example.com/round.mp4' })).toBe(
      'Bad Request: wrong file identifier/HTTP URL specified',
    );
    const clip = await chat.tg.sendVideo(chat.chatId, Input.fromBuffer(ROUND, 'clip.mp4'));
    expect(await call({ video_note: clip.video.file_id })).toBe(
      "Bad Request: can't use file of type Video as VideoNote",
    );
  });

  it("refuses a video note to a supergroup whose permissions forbid video notes, in TDLib's words", async () => {
    const chat = await botChatOf(suite.kit, 'supergroup');
    const other = await newBot(suite.kit.sandbox);
    const added = await control(suite.kit.sandbox, 'POST', `/sandbox/channels/${chat.chatId}/members`, {
      bot_id: other.id,
    });
    expect(added.status).toBe(200);
    await chat.tg.setChatPermissions(chat.chatId, { can_send_messages: true, can_send_videos: true });
    const tg = telegramFor(suite.kit.sandbox, other.token);
    const refused = await tg.sendVideoNote(chat.chatId, { source: ROUND, filename: 'round.mp4' }).then(
      () => 'sent',
      (err: { description?: string }) => err.description,
    );
    expect(refused).toBe('Bad Request: not enough rights to send video notes to the chat');
    await chat.tg.setChatPermissions(chat.chatId, { can_send_messages: true, can_send_video_notes: true });
    const sent = (await tg.sendVideoNote(chat.chatId, { source: ROUND, filename: 'round.mp4' })) as Json;
    expect(sent.video_note).toMatchObject({ length: 0, duration: 0 });
  });
});
