import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Api } from 'telegram';
import { CustomFile } from 'telegram/client/uploads';
import { Input } from 'telegraf';
import { eventually } from '../helpers/eventually';
import { botChatOf, sandboxForSuite } from './bot-chats';
import { control, newBot, telegramError, telegramFor } from './bot-helpers';
import { errorOf } from './mtproto-kit';

/**
 * A valid lossless WebP picture of the given size, one colour: the VP8L header (after its 0x2f signature, 14 bits of
 * width - 1, 14 of height - 1, the alpha bit, 3 of version) followed by the image data of the 1×1 picture it was
 * taken from, whose single-symbol prefix codes spend no bits per pixel, so any size reads the same.
 */
function webp(width: number, height: number): Buffer {
  const base = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');
  base.writeUInt32LE(((width - 1) | ((height - 1) << 14) | (1 << 28)) >>> 0, 21);
  return base;
}

/** A .TGS: gzipped Lottie JSON. */
const TGS = gzipSync(Buffer.from(JSON.stringify({ v: '5.5.2', fr: 60, ip: 0, op: 60, w: 512, h: 512, layers: [] })));

describe('sandbox: stickers (real telegraf and gramjs)', () => {
  const suite = sandboxForSuite();

  it('sendSticker: an uploaded WebP is a static sticker of its size, sent again by file_id; a .TGS is animated', async () => {
    const chat = await botChatOf(suite.kit, 'private');
    const sent = await chat.tg.sendSticker(chat.chatId, Input.fromBuffer(webp(512, 384), 'wave.webp'), {
      emoji: '👋',
    });
    expect(sent.sticker).toEqual({
      file_id: expect.stringMatching(/^CAAC/),
      file_unique_id: expect.any(String),
      type: 'regular',
      width: 512,
      height: 384,
      is_animated: false,
      is_video: false,
      emoji: '👋',
      file_size: webp(512, 384).length,
    });
    const again = await chat.tg.sendSticker(chat.chatId, sent.sticker.file_id);
    expect(again.sticker).toEqual(sent.sticker);

    const animated = await chat.tg.sendSticker(chat.chatId, Input.fromBuffer(TGS, 'dance.tgs'));
    expect(animated.sticker).toMatchObject({ width: 512, height: 512, is_animated: true, is_video: false });
    expect((await chat.tg.getFile(animated.sticker.file_id)).file_path).toMatch(/^stickers\/file_\w+\.tgs$/);
  });

  it('sendSticker fetches a WebP from an HTTP URL, as Telegram does', async () => {
    const picture = webp(200, 100);
    const server = createServer((_req, res) => res.end(picture));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const chat = await botChatOf(suite.kit, 'private');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/smile.webp`;
      const sent = await chat.tg.sendSticker(chat.chatId, url);
      expect(sent.sticker).toMatchObject({ width: 200, height: 100, is_animated: false, file_size: picture.length });
    } finally {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    }
  });

  it('sendSticker refuses a file that is no sticker, and a file_id of another kind', async () => {
    const chat = await botChatOf(suite.kit, 'private');
    const junk = await telegramError(chat.tg.sendSticker(chat.chatId, Input.fromBuffer(Buffer.from('hello'), 'a.txt')));
    expect(junk.description).toBe('Bad Request: STICKER_FILE_INVALID');
    const doc = await chat.tg.sendDocument(chat.chatId, Input.fromBuffer(Buffer.from('hello'), 'a.txt'));
    const wrong = await telegramError(chat.tg.sendSticker(chat.chatId, doc.document.file_id));
    expect(wrong.description).toBe("Bad Request: can't use file of type Document as Sticker");
    const none = await telegramError(chat.tg.sendSticker(chat.chatId, ''));
    expect(none.description).toBe('Bad Request: there is no sticker in the request');
  });

  it("refuses a sticker to a supergroup whose permissions forbid other messages, in TDLib's words", async () => {
    const chat = await botChatOf(suite.kit, 'supergroup');
    const other = await newBot(suite.kit.sandbox);
    const added = await control(suite.kit.sandbox, 'POST', `/sandbox/channels/${chat.chatId}/members`, {
      bot_id: other.id,
    });
    expect(added.status).toBe(200);
    await chat.tg.setChatPermissions(chat.chatId, { can_send_messages: true, can_send_photos: true });
    const tg = telegramFor(suite.kit.sandbox, other.token);
    const refused = await telegramError(tg.sendSticker(chat.chatId, Input.fromBuffer(webp(512, 512), 's.webp')));
    expect(refused.description).toBe('Bad Request: not enough rights to send stickers to the chat');
    await chat.tg.setChatPermissions(chat.chatId, { can_send_messages: true, can_send_other_messages: true });
    const sent = await tg.sendSticker(chat.chatId, Input.fromBuffer(webp(512, 512), 's.webp'));
    expect(sent.sticker.width).toBe(512);
  });

  it('sticker sets: uploadStickerFile, createNewStickerSet, getStickerSet, add, move, retitle, re-emoji, delete', async () => {
    const chat = await botChatOf(suite.kit, 'private');
    const { tg, bot } = chat;
    const uploaded = await tg.uploadStickerFile(chat.chatId, Input.fromBuffer(webp(512, 512), 'a.webp'), 'static');
    expect(uploaded).toEqual({ file_id: expect.any(String), file_unique_id: expect.any(String), file_size: 34 });
    const notWebm = await telegramError(
      tg.uploadStickerFile(chat.chatId, Input.fromBuffer(webp(512, 512), 'a.webm'), 'video'),
    );
    expect(notWebm.description).toBe('Bad Request: STICKER_VIDEO_NOWEBM');

    const name = `cats_by_${bot.username}`;
    const stickers = [{ sticker: uploaded.file_id, format: 'static', emoji_list: ['😺', '😸'] }];
    const badName = await telegramError(
      tg.createNewStickerSet(chat.chatId, 'cats', 'Cats', { stickers, sticker_format: 'static' } as never),
    );
    expect(badName.description).toBe('Bad Request: invalid sticker set name is specified');
    expect(await tg.createNewStickerSet(chat.chatId, name, 'Cats', { stickers } as never)).toBe(true);
    const taken = await telegramError(tg.createNewStickerSet(chat.chatId, name, 'Cats', { stickers } as never));
    expect(taken.description).toBe('Bad Request: sticker set name is already occupied');

    const second = await tg.uploadStickerFile(chat.chatId, Input.fromBuffer(TGS, 'b.tgs'), 'animated');
    expect(
      await tg.addStickerToSet(chat.chatId, name, {
        sticker: { sticker: second.file_id, format: 'animated', emoji_list: ['🐈'] },
      } as never),
    ).toBe(true);

    let set = await tg.getStickerSet(name);
    expect(set).toMatchObject({ name, title: 'Cats', sticker_type: 'regular', contains_masks: false });
    expect(set.stickers).toEqual([
      expect.objectContaining({ emoji: '😺', set_name: name, is_animated: false, width: 512, height: 512 }),
      expect.objectContaining({ emoji: '🐈', set_name: name, is_animated: true }),
    ]);
    // A sticker of the set is a file of its own, not the uploaded one.
    expect(set.stickers[0]?.file_id).not.toBe(uploaded.file_id);

    const [first, cat] = set.stickers.map((s) => s.file_id);
    await tg.setStickerPositionInSet(cat!, 0);
    await tg.setStickerSetTitle(name, 'Cats & co');
    await tg.setStickerEmojiList(first!, ['😻']);
    set = await tg.getStickerSet(name);
    expect(set.title).toBe('Cats & co');
    expect(set.stickers.map((s) => [s.file_id, s.emoji])).toEqual([
      [cat, '🐈'],
      [first, '😻'],
    ]);

    // A sticker of the set sent to a chat names its set.
    const sent = await tg.sendSticker(chat.chatId, cat!);
    expect(sent.sticker).toMatchObject({ set_name: name, emoji: '🐈', is_animated: true });

    await tg.deleteStickerFromSet(cat!);
    expect((await tg.getStickerSet(name)).stickers.map((s) => s.file_id)).toEqual([first]);
    await tg.deleteStickerSet(name);
    expect((await telegramError(tg.getStickerSet(name))).description).toBe('Bad Request: STICKERSET_INVALID');
  });

  it("sticker sets refuse an unknown user, a bad emoji list, and another bot's changes, in TDLib's words", async () => {
    const chat = await botChatOf(suite.kit, 'private');
    const { tg, bot } = chat;
    const uploaded = await tg.uploadStickerFile(chat.chatId, Input.fromBuffer(webp(512, 512), 'a.webp'), 'static');
    const name = `owls_by_${bot.username}`;
    const sticker = (emoji_list: string[]) => ({
      stickers: [{ sticker: uploaded.file_id, format: 'static', emoji_list }],
    });
    const nobody = await telegramError(tg.createNewStickerSet(999_999_999, name, 'Owls', sticker(['🦉']) as never));
    expect(nobody.description).toBe('Bad Request: user not found');
    const notEmoji = await telegramError(tg.createNewStickerSet(chat.chatId, name, 'Owls', sticker(['owl']) as never));
    expect(notEmoji.description).toBe("Bad Request: can't parse InputSticker: expected a Unicode emoji");
    await tg.createNewStickerSet(chat.chatId, name, 'Owls', sticker(['🦉']) as never);

    const other = telegramFor(suite.kit.sandbox, (await newBot(suite.kit.sandbox)).token);
    expect((await telegramError(other.deleteStickerSet(name))).description).toBe('Bad Request: STICKERSET_INVALID');
    // Any bot reads a set.
    expect((await other.getStickerSet(name)).title).toBe('Owls');
  });

  it("a member's app sees a set's sticker with its attributes, reads the set and sends a sticker of it back", async () => {
    const chat = await botChatOf(suite.kit, 'private');
    const { tg, bot, app } = chat;
    const uploaded = await tg.uploadStickerFile(chat.chatId, Input.fromBuffer(webp(512, 512), 'a.webp'), 'static');
    const name = `dogs_by_${bot.username}`;
    await tg.createNewStickerSet(chat.chatId, name, 'Dogs', {
      stickers: [{ sticker: uploaded.file_id, format: 'static', emoji_list: ['🐶'] }],
    } as never);
    const [sticker] = (await tg.getStickerSet(name)).stickers;
    const sent = await tg.sendSticker(chat.chatId, sticker!.file_id);

    const seen = (await chat.history()).find((m) => m.id === sent.message_id)!;
    expect(seen.sticker).toBeDefined();
    const document = (seen.media as Api.MessageMediaDocument).document as Api.Document;
    expect(document.mimeType).toBe('image/webp');
    const attributes = Object.fromEntries(document.attributes.map((a) => [a.className, a]));
    expect(attributes.DocumentAttributeImageSize).toMatchObject({ w: 512, h: 512 });
    const attribute = attributes.DocumentAttributeSticker as Api.DocumentAttributeSticker;
    expect(attribute.alt).toBe('🐶');
    expect(attribute.stickerset).toBeInstanceOf(Api.InputStickerSetID);
    expect(Buffer.from((await app.downloadMedia(seen)) as Buffer).equals(webp(512, 512))).toBe(true);

    const read = (await app.invoke(
      new Api.messages.GetStickerSet({ stickerset: attribute.stickerset, hash: 0 }),
    )) as Api.messages.StickerSet;
    expect(read.set).toMatchObject({ title: 'Dogs', shortName: name, count: 1, creator: true });
    expect(read.packs.map((p) => p.emoticon)).toEqual(['🐶']);
    expect(read.documents.map((d) => String(d.id))).toEqual([String(document.id)]);
    expect(
      await errorOf(
        app.invoke(
          new Api.messages.GetStickerSet({
            stickerset: new Api.InputStickerSetShortName({ shortName: `cows_by_${bot.username}` }),
            hash: 0,
          }),
        ),
      ),
    ).toContain('STICKERSET_INVALID');

    // The member sends the set's sticker back; the bot hears it as a sticker of the set.
    const setDocument = read.documents[0] as Api.Document;
    await app.invoke(
      new Api.messages.SendMedia({
        peer: chat.peer,
        media: new Api.InputMediaDocument({
          id: new Api.InputDocument({
            id: setDocument.id,
            accessHash: setDocument.accessHash,
            fileReference: setDocument.fileReference,
          }),
        }),
        message: '',
      }),
    );
    const heard = await eventually(
      async () => {
        const updates = (await tg.getUpdates(0, 100, 0, ['message'])) as any[];
        return updates.map((u) => u.message).find((m) => m?.sticker);
      },
      { what: 'the sticker reaching the bot' },
    );
    expect(heard.sticker).toMatchObject({ file_id: sticker!.file_id, set_name: name, emoji: '🐶', type: 'regular' });
  });

  it("a sticker a member's app uploads (documentAttributeSticker) reaches the bot as a sticker, its format from its bytes", async () => {
    const chat = await botChatOf(suite.kit, 'private');
    const picture = webp(512, 320);
    await chat.app.sendFile(chat.peer, {
      file: new CustomFile('sticker.webp', picture.length, '', picture),
      forceDocument: true,
      attributes: [
        new Api.DocumentAttributeImageSize({ w: 512, h: 320 }),
        new Api.DocumentAttributeSticker({ alt: '🐱', stickerset: new Api.InputStickerSetEmpty() }),
      ],
    });
    const heard = await eventually(
      async () => {
        const updates = (await chat.tg.getUpdates(0, 100, 0, ['message'])) as any[];
        return updates.map((u) => u.message).find((m) => m?.sticker);
      },
      { what: 'the sticker reaching the bot' },
    );
    expect(heard.sticker).toMatchObject({ width: 512, height: 320, emoji: '🐱', is_animated: false, is_video: false });
    expect(heard.sticker.set_name).toBeUndefined();
    expect(heard.document).toBeUndefined();
  });
});
