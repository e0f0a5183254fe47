import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import type { Message } from 'telegraf/types';
import { eventually } from '../helpers/eventually';
import { botChatOf, sandboxForSuite } from './bot-chats';
import { addBotToChannel, control, newBot, rawBotCall } from './bot-helpers';

/** A 1×1 PNG: a real image, so the sandbox takes it as a photo. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

const photo = (caption: string, filename = 'view.png') =>
  ({ type: 'photo', media: { source: PNG, filename }, caption }) as const;

describe('sandbox: bots send albums with sendMediaGroup (real telegraf, raw HTTP and gramjs)', () => {
  const suite = sandboxForSuite();

  it("sends two photos to a channel as two messages of one album, each with its own caption; the channel's other bots and members' apps see the grouping", async () => {
    const { kit } = suite;
    const chat = await botChatOf(kit, 'channel');
    const listener = await newBot(kit.sandbox);
    await addBotToChannel(kit.sandbox, chat.chatId, listener.id);

    const sent = (await chat.tg.sendMediaGroup(chat.chatId, [
      photo('Morning', 'morning.png'),
      photo('Evening', 'evening.png'),
    ])) as Message.PhotoMessage[];

    expect(sent).toHaveLength(2);
    const [first, second] = sent as [Message.PhotoMessage, Message.PhotoMessage];
    expect(typeof first.media_group_id).toBe('string');
    expect(first.media_group_id).toMatch(/^\d+$/);
    expect(second.media_group_id).toBe(first.media_group_id);
    expect(first).toMatchObject({ chat: { id: chat.chatId, type: 'channel' }, caption: 'Morning' });
    expect(second).toMatchObject({ chat: { id: chat.chatId, type: 'channel' }, caption: 'Evening' });
    expect(second.message_id).toBe(first.message_id + 1);
    expect(first.photo[0]?.file_id).not.toBe(second.photo[0]?.file_id);

    // The channel's other admin bot gets both posts with the album's id.
    const heard = await eventually(
      async () => {
        const updates = (await rawBotCall(kit.sandbox, listener.token, 'getUpdates', { timeout: 0 })).body
          .result as Record<string, any>[];
        const posts = updates.map((u) => u.channel_post).filter((p) => p?.media_group_id === first.media_group_id);
        return posts.length === 2 ? posts : undefined;
      },
      { what: "the album reaching the channel's other bot" },
    );
    expect(heard.map((p) => p.caption)).toEqual(['Morning', 'Evening']);

    // The member's app reads both messages with one grouped_id, the album's id.
    const history = await chat.history();
    const album = history.filter((m) => m.id === first.message_id || m.id === second.message_id);
    expect(album).toHaveLength(2);
    expect(album.map((m) => m.groupedId?.toString())).toEqual([first.media_group_id, first.media_group_id]);
    expect(album.every((m) => m.media instanceof Api.MessageMediaPhoto)).toBe(true);
    expect(album.map((m) => m.message).sort()).toEqual(['Evening', 'Morning']);

    // The control API lists both with the album's id.
    const listed = (await control(kit.sandbox, 'GET', `/sandbox/channels/${chat.chatId}/messages`)).body as {
      message_id: number;
      media_group_id?: string;
    }[];
    expect(listed.filter((m) => m.media_group_id === first.media_group_id).map((m) => m.message_id)).toEqual([
      first.message_id,
      second.message_id,
    ]);
  });

  it('sends two documents to a private chat as one album; the user reads them grouped in their app', async () => {
    const chat = await botChatOf(suite.kit, 'private');

    const sent = (await chat.tg.sendMediaGroup(chat.chatId, [
      { type: 'document', media: { source: Buffer.from('first report'), filename: 'q1.txt' }, caption: 'Q1' },
      { type: 'document', media: { source: Buffer.from('second report'), filename: 'q2.txt' } },
    ])) as Message.DocumentMessage[];

    expect(sent).toHaveLength(2);
    const [first, second] = sent as [Message.DocumentMessage, Message.DocumentMessage];
    expect(first).toMatchObject({
      chat: { id: chat.chatId, type: 'private' },
      document: { file_name: 'q1.txt' },
      caption: 'Q1',
    });
    expect(second).toMatchObject({ chat: { id: chat.chatId, type: 'private' }, document: { file_name: 'q2.txt' } });
    expect(second.caption).toBeUndefined();
    expect(second.media_group_id).toBe(first.media_group_id);

    const album = (await chat.history()).filter((m) => m.id === first.message_id || m.id === second.message_id);
    expect(album).toHaveLength(2);
    expect(album.map((m) => m.groupedId?.toString())).toEqual([first.media_group_id, first.media_group_id]);
    expect(album.every((m) => m.media instanceof Api.MessageMediaDocument)).toBe(true);
  });

  it('keeps albums apart: a second album has its own media_group_id, and a photo sent alone has none', async () => {
    const chat = await botChatOf(suite.kit, 'supergroup');
    const a = (await chat.tg.sendMediaGroup(chat.chatId, [photo('a1'), photo('a2')])) as Message.PhotoMessage[];
    const b = (await chat.tg.sendMediaGroup(chat.chatId, [photo('b1'), photo('b2')])) as Message.PhotoMessage[];
    const alone = await chat.tg.sendPhoto(chat.chatId, { source: PNG, filename: 'x.png' });

    expect(a[0]?.media_group_id).not.toBe(b[0]?.media_group_id);
    expect(alone.media_group_id).toBeUndefined();
    const history = await chat.history();
    expect(history.find((m) => m.id === alone.message_id)?.groupedId ?? null).toBeNull();
    expect(history.find((m) => m.id === b[1]?.message_id)?.groupedId?.toString()).toBe(b[0]?.media_group_id);
  });

  it('reuses file_ids in an album sent to a basic group, every message of it answering the message reply_parameters names', async () => {
    const chat = await botChatOf(suite.kit, 'group');
    const asked = await chat.write('photos please');
    const first = (await chat.tg.sendMediaGroup(chat.chatId, [photo('x'), photo('y')])) as Message.PhotoMessage[];
    const ids = first.map((m) => m.photo[0]?.file_id);

    const res = await rawBotCall(suite.kit.sandbox, chat.bot.token, 'sendMediaGroup', {
      chat_id: chat.chatId,
      media: ids.map((id, i) => ({ type: 'photo', media: id, caption: `<b>again ${i}</b>`, parse_mode: 'HTML' })),
      reply_parameters: { message_id: asked },
      disable_notification: true,
      protect_content: true,
    });

    expect(res.status).toBe(200);
    const again = res.body.result as Record<string, any>[];
    expect(again.map((m) => m.photo[0].file_id)).toEqual(ids);
    expect(again.map((m) => m.caption)).toEqual(['again 0', 'again 1']);
    expect(again[0]?.caption_entities).toEqual([{ type: 'bold', offset: 0, length: 7 }]);
    expect(again.every((m) => m.reply_to_message?.message_id === asked)).toBe(true);
    expect(new Set(again.map((m) => m.media_group_id)).size).toBe(1);
    const history = await chat.history();
    expect(history.find((m) => m.id === again[1]?.message_id)?.groupedId).toEqual(
      returnBigInt(again[0]?.media_group_id as string),
    );
  });

  it('refuses an album of one item or of eleven, an unknown type, photos mixed with documents, a missing part and unparsable JSON', async () => {
    const { kit } = suite;
    const chat = await botChatOf(kit, 'channel');
    const [sentPhoto] = (await chat.tg.sendMediaGroup(chat.chatId, [photo('p'), photo('q')])) as Message.PhotoMessage[];
    const photoId = sentPhoto?.photo[0]?.file_id as string;
    const documentId = (
      await chat.tg.sendDocument(chat.chatId, {
        source: Buffer.from('notes'),
        filename: 'notes.txt',
      })
    ).document.file_id;
    const before = (await chat.history()).length;

    const refusal = async (media: unknown) => {
      const res = await rawBotCall(kit.sandbox, chat.bot.token, 'sendMediaGroup', { chat_id: chat.chatId, media });
      return { status: res.status, description: res.body.description as string };
    };
    const photos = (n: number) => Array.from({ length: n }, () => ({ type: 'photo', media: photoId }));

    const withPhoto = (second: Record<string, string>) => [{ type: 'photo', media: photoId }, second];
    const cases: [unknown, string][] = [
      [photos(1), 'an album must have at least 2 media'],
      [photos(11), 'too many messages to send as an album'],
      [withPhoto({ type: 'document', media: documentId }), "document can't be mixed with other media types"],
      [withPhoto({ type: 'sticker', media: photoId }), `can't parse InputMedia: type "sticker" is unsupported`],
      [withPhoto({ type: 'photo', media: 'attach://nothing' }), "can't parse InputMedia: media not found"],
      ['[{"type": "photo", "media": ', "can't parse media JSON object"],
      [{ type: 'photo', media: photoId }, 'expected an Array of InputMedia'],
    ];
    for (const [media, description] of cases) {
      expect(await refusal(media)).toEqual({ status: 400, description: `Bad Request: ${description}` });
    }
    // Nothing of a refused album was sent.
    expect((await chat.history()).length).toBe(before);
  });
});
