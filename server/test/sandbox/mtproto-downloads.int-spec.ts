import { randomBytes } from 'node:crypto';
import { Api, type TelegramClient } from 'telegram';
import { CustomFile } from 'telegram/client/uploads';
import { returnBigInt } from 'telegram/Helpers';
import { botChatOf, type BotChat, sandboxForSuite } from './bot-chats';
import { addBotToChannel, control, newBot, newChannel, rawBotCall } from './bot-helpers';
import { errorOf, newUser, signedInClient } from './mtproto-kit';
import { mtcuteClient, signInMtcute } from './mtcute-kit';

jest.setTimeout(120000);

/**
 * A real PNG (1×1) followed by `extra` random bytes after its end: the sandbox takes it as a photo, and the bytes a
 * download gives back can only match if they are the very bytes that were sent.
 */
function photoBytes(extra: number): Buffer {
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
    'base64',
  );
  return Buffer.concat([png, randomBytes(extra)]);
}

const MIB = 1024 * 1024;

/** The first `limit` bytes of a photo's one size, as an app asks for them with upload.getFile. */
async function photoPart(app: TelegramClient, p: Api.Photo, limit: number): Promise<Api.upload.File> {
  const location = new Api.InputPhotoFileLocation({
    id: p.id,
    accessHash: p.accessHash,
    fileReference: p.fileReference,
    thumbSize: 'x',
  });
  return (await app.invoke(new Api.upload.GetFile({ location, offset: returnBigInt(0), limit }))) as Api.upload.File;
}

describe('sandbox: downloading files over MTProto (upload.getFile) and chat photos (telegraf, gramjs, mtcute)', () => {
  const suite = sandboxForSuite();

  async function getFileCalls(): Promise<number> {
    const stats = await control<{ callsByMethod: Record<string, number> }>(
      suite.kit.sandbox,
      'GET',
      '/sandbox/mtproto/stats',
    );
    return stats.body.callsByMethod['upload.getFile'] ?? 0;
  }

  /** The chat's message `id` as the member's app reads it. */
  async function messageOf(chat: BotChat, id: number): Promise<Api.Message> {
    const message = (await chat.history()).find((m) => m.id === id);
    if (!message) throw new Error(`message ${id} not in the history`);
    return message;
  }

  const documentOf = (message: Api.Message): Api.Document =>
    (message.media as Api.MessageMediaDocument).document as Api.Document;

  const documentLocation = (doc: Api.Document, patch: Partial<Api.InputDocumentFileLocation> = {}) =>
    new Api.InputDocumentFileLocation({
      id: doc.id,
      accessHash: doc.accessHash,
      fileReference: doc.fileReference,
      thumbSize: '',
      ...patch,
    });

  describe('media a bot sent', () => {
    let chat: BotChat;
    const big = randomBytes(2 * MIB + 300 * 1024);
    const photo = photoBytes(150 * 1024);
    let docMessage: Api.Message;
    let photoMessage: Api.Message;

    beforeAll(async () => {
      chat = await botChatOf(suite.kit, 'supergroup');
      const sentDoc = await chat.tg.sendDocument(chat.chatId, { source: big, filename: 'report.bin' });
      const sentPhoto = await chat.tg.sendPhoto(chat.chatId, { source: photo, filename: 'cover.png' });
      docMessage = await messageOf(chat, sentDoc.message_id);
      photoMessage = await messageOf(chat, sentPhoto.message_id);
    });

    it('gives a member the exact bytes of a document larger than 1 MB, in several upload.getFile calls', async () => {
      const before = await getFileCalls();
      const downloaded = (await chat.app.downloadMedia(docMessage, {})) as Buffer;
      expect(Buffer.compare(downloaded, big)).toBe(0);
      // gramjs asks for 128 KB at a time for a file of this size: well over 1 MB takes many calls.
      expect((await getFileCalls()) - before).toBeGreaterThanOrEqual(3);
    });

    it('gives a member the exact bytes of a photo (its one size), typed storage.fileJpeg', async () => {
      const downloaded = (await chat.app.downloadMedia(photoMessage, {})) as Buffer;
      expect(Buffer.compare(downloaded, photo)).toBe(0);
      const p = (photoMessage.media as Api.MessageMediaPhoto).photo as Api.Photo;
      expect(p.sizes.map((s) => (s as Api.PhotoSize).type)).toEqual(['x']);
      const part = await photoPart(chat.app, p, 4096);
      expect(part.type).toBeInstanceOf(Api.storage.FileJpeg);
      expect(Buffer.compare(part.bytes, photo.subarray(0, 4096))).toBe(0);
    });

    it('serves [offset, offset + limit): a part is storage.filePartial, past the end nothing', async () => {
      const doc = documentOf(docMessage);
      expect(doc.fileReference.length).toBeGreaterThan(0);
      const part = (await chat.app.invoke(
        new Api.upload.GetFile({ location: documentLocation(doc), offset: returnBigInt(MIB), limit: 256 * 1024 }),
      )) as Api.upload.File;
      expect(part.type).toBeInstanceOf(Api.storage.FilePartial);
      expect(Buffer.compare(part.bytes, big.subarray(MIB, MIB + 256 * 1024))).toBe(0);
      const tail = (await chat.app.invoke(
        new Api.upload.GetFile({ location: documentLocation(doc), offset: returnBigInt(2 * MIB), limit: MIB }),
      )) as Api.upload.File;
      expect(Buffer.compare(tail.bytes, big.subarray(2 * MIB))).toBe(0);
      const past = (await chat.app.invoke(
        new Api.upload.GetFile({ location: documentLocation(doc), offset: returnBigInt(3 * MIB), limit: MIB }),
      )) as Api.upload.File;
      expect(past.bytes.length).toBe(0);
    });

    it('refuses offsets and limits Telegram refuses, unless precise relaxes them to 1 KB steps', async () => {
      const doc = documentOf(docMessage);
      const get = (offset: number, limit: number, precise?: boolean) =>
        chat.app.invoke(
          new Api.upload.GetFile({ location: documentLocation(doc), offset: returnBigInt(offset), limit, precise }),
        );
      expect(await errorOf(get(1024, 4096))).toBe('OFFSET_INVALID');
      expect(await errorOf(get(0, 1000))).toBe('LIMIT_INVALID');
      // 12 KB is a multiple of 4 KB that does not divide 1 MB.
      expect(await errorOf(get(0, 12 * 1024))).toBe('LIMIT_INVALID');
      expect(await errorOf(get(0, 2 * MIB))).toBe('LIMIT_INVALID');
      // A part across a 1 MB boundary, even a precise one.
      expect(await errorOf(get(MIB - 4096, 8192))).toBe('LIMIT_INVALID');
      expect(await errorOf(get(MIB - 1024, 2048, true))).toBe('LIMIT_INVALID');
      expect(await errorOf(get(512, 1024, true))).toBe('OFFSET_INVALID');
      const precise = (await get(1024, 3072, true)) as Api.upload.File;
      expect(Buffer.compare(precise.bytes, big.subarray(1024, 4096))).toBe(0);
    });

    it('refuses an unknown file, a wrong access hash, a wrong file reference and a size the file lacks', async () => {
      const doc = documentOf(docMessage);
      const get = (location: Api.TypeInputFileLocation) =>
        chat.app.invoke(new Api.upload.GetFile({ location, offset: returnBigInt(0), limit: 4096 }));
      expect(await errorOf(get(documentLocation(doc, { id: doc.id.add(1) })))).toBe('FILE_ID_INVALID');
      expect(await errorOf(get(documentLocation(doc, { accessHash: doc.accessHash.add(1) })))).toBe('FILE_ID_INVALID');
      expect(await errorOf(get(documentLocation(doc, { fileReference: Buffer.alloc(0) })))).toBe(
        'FILE_REFERENCE_EMPTY',
      );
      expect(await errorOf(get(documentLocation(doc, { fileReference: Buffer.from('stale') })))).toBe(
        'FILE_REFERENCE_EXPIRED',
      );
      // The sandbox gives documents no thumbnails.
      expect(await errorOf(get(documentLocation(doc, { thumbSize: 'm' })))).toBe('LOCATION_INVALID');
      const p = (photoMessage.media as Api.MessageMediaPhoto).photo as Api.Photo;
      const photoAt = (thumbSize: string) =>
        new Api.InputPhotoFileLocation({
          id: p.id,
          accessHash: p.accessHash,
          fileReference: p.fileReference,
          thumbSize,
        });
      expect(await errorOf(get(photoAt('w')))).toBe('LOCATION_INVALID');
      // A photo is not a document.
      expect(await errorOf(get(documentLocation(doc, { id: p.id, accessHash: p.accessHash })))).toBe('FILE_ID_INVALID');
      expect(
        await errorOf(
          get(new Api.InputStickerSetThumb({ stickerset: new Api.InputStickerSetEmpty(), thumbVersion: 0 })),
        ),
      ).toBe('LOCATION_INVALID');
    });

    it('does not give a file to an account that sees no message with it', async () => {
      const outsider = await signedInClient(suite.kit, await newUser(suite.kit, { firstName: 'Eve' }));
      const doc = documentOf(docMessage);
      expect(
        await errorOf(
          outsider.invoke(
            new Api.upload.GetFile({ location: documentLocation(doc), offset: returnBigInt(0), limit: 4096 }),
          ),
        ),
      ).toBe('FILE_REFERENCE_EXPIRED');
    });
  });

  it('gives back what an account uploaded over MTProto, whole file typed storage.fileUnknown', async () => {
    const chat = await botChatOf(suite.kit, 'supergroup');
    const data = randomBytes(700 * 1024);
    const sent = await chat.app.sendFile(chat.peer, {
      file: new CustomFile('notes.bin', data.length, '', data),
      forceDocument: true,
    });
    const downloaded = (await chat.app.downloadMedia(sent, {})) as Buffer;
    expect(Buffer.compare(downloaded, data)).toBe(0);
    const doc = documentOf(sent);
    const whole = (await chat.app.invoke(
      new Api.upload.GetFile({ location: documentLocation(doc), offset: returnBigInt(0), limit: MIB }),
    )) as Api.upload.File;
    expect(whole.type).toBeInstanceOf(Api.storage.FileUnknown);
    expect(Buffer.compare(whole.bytes, data)).toBe(0);
  });

  it("downloads with mtcute's downloadAsBuffer the bytes a bot sent", async () => {
    const member = await newUser(suite.kit, { firstName: 'Mia' });
    const bot = await newBot(suite.kit.sandbox);
    const channel = await newChannel(suite.kit.sandbox, member.phone, { megagroup: true });
    await addBotToChannel(suite.kit.sandbox, channel.id, bot.id);
    const data = randomBytes(1536 * 1024);
    const form = new FormData();
    form.set('chat_id', String(channel.id));
    form.set('document', new Blob([data]), 'data.bin');
    const res = await fetch(`${suite.kit.sandbox.httpUrl}/bot${bot.token}/sendDocument`, {
      method: 'POST',
      body: form,
    });
    const sent = (await res.json()) as { ok: boolean; result: { message_id: number } };
    expect(sent.ok).toBe(true);
    const client = mtcuteClient(suite.kit.sandbox);
    try {
      await signInMtcute(suite.kit, client, member.phone);
      // The app learns of its chats from its dialogs, as an app does at start.
      for await (const dialog of client.iterDialogs()) void dialog;
      const [message] = await client.getMessages(channel.id, [sent.result.message_id]);
      const media = message?.media;
      if (!media || media.type !== 'document') throw new Error('no document in the message');
      expect(Buffer.compare(Buffer.from(await client.downloadAsBuffer(media)), data)).toBe(0);
    } finally {
      await client.destroy();
    }
  });

  describe('chat photos', () => {
    it("a bot sets a supergroup's photo: getChat shows it, the member's app downloads it and reads the service message", async () => {
      const chat = await botChatOf(suite.kit, 'supergroup');
      const photo = photoBytes(20 * 1024);
      expect(await chat.tg.setChatPhoto(chat.chatId, { source: photo, filename: 'logo.png' })).toBe(true);
      const info = (await chat.tg.getChat(chat.chatId)) as { photo?: Record<string, string> };
      expect(info.photo).toEqual({
        small_file_id: expect.any(String),
        small_file_unique_id: expect.any(String),
        big_file_id: expect.any(String),
        big_file_unique_id: expect.any(String),
      });
      // A bot reads the photo back through getFile: the bytes it sent.
      const file = await chat.tg.getFile(info.photo?.big_file_id ?? '');
      const served = await fetch(`${suite.kit.sandbox.httpUrl}/file/bot${chat.bot.token}/${file.file_path}`);
      expect(Buffer.compare(Buffer.from(await served.arrayBuffer()), photo)).toBe(0);

      const [service] = await chat.history();
      expect((service as unknown as Api.MessageService).action).toBeInstanceOf(Api.MessageActionChatEditPhoto);
      const channel = (await chat.app.getEntity(chat.peer)) as Api.Channel;
      expect(channel.photo).toBeInstanceOf(Api.ChatPhoto);
      const downloaded = (await chat.app.downloadProfilePhoto(channel, { isBig: true })) as Buffer;
      expect(Buffer.compare(downloaded, photo)).toBe(0);
      // The photo of the service message downloads too.
      const edited = (service as unknown as Api.MessageService).action as Api.MessageActionChatEditPhoto;
      const p = edited.photo as Api.Photo;
      const part = await photoPart(chat.app, p, 64 * 1024);
      expect(Buffer.compare(part.bytes, photo)).toBe(0);

      const updates = (await rawBotCall(suite.kit.sandbox, chat.bot.token, 'getUpdates', { timeout: 0 })).body
        .result as { message?: { new_chat_photo?: { file_id: string }[] } }[];
      const heard = updates.find((u) => u.message?.new_chat_photo)?.message?.new_chat_photo;
      expect(heard?.[0]?.file_id).toBe(info.photo?.big_file_id);

      // Taken away: the chat says so, getChat has no photo, and the app finds none to download.
      expect(await chat.tg.deleteChatPhoto(chat.chatId)).toBe(true);
      const [deleted] = await chat.history();
      expect((deleted as unknown as Api.MessageService).action).toBeInstanceOf(Api.MessageActionChatDeletePhoto);
      expect(((await chat.tg.getChat(chat.chatId)) as { photo?: unknown }).photo).toBeUndefined();
      const stale = new Api.InputPeerPhotoFileLocation({
        peer: chat.peer,
        photoId: (channel.photo as Api.ChatPhoto).photoId,
        big: true,
      });
      expect(
        await errorOf(
          chat.app.invoke(new Api.upload.GetFile({ location: stale, offset: returnBigInt(0), limit: 4096 })),
        ),
      ).toBe('LOCATION_INVALID');
      const again = await rawBotCall(suite.kit.sandbox, chat.bot.token, 'deleteChatPhoto', { chat_id: chat.chatId });
      expect(again.body).toEqual({ ok: false, error_code: 400, description: 'Bad Request: CHAT_NOT_MODIFIED' });
    });

    it('setChatPhoto takes an upload only, and needs the right to change the chat info', async () => {
      const chat = await botChatOf(suite.kit, 'group');
      const refused = async (params: Record<string, unknown>) =>
        (await rawBotCall(suite.kit.sandbox, chat.bot.token, 'setChatPhoto', params)).body.description;
      expect(await refused({ chat_id: chat.chatId })).toBe('Bad Request: there is no photo in the request');
      expect(await refused({ chat_id: chat.chatId, photo: 'AgACAgIAAxkBAAIBfake' })).toBe(
        'Bad Request: photo must be uploaded as an InputFile',
      );
      expect(await refused({ chat_id: chat.chatId, photo: 'https://example.com/a.png' })).toBe(
        'Bad Request: photo must be uploaded as an InputFile',
      );
      const plain = await botChatOf(suite.kit, 'supergroup', { admin: false });
      await expect(plain.tg.setChatPhoto(plain.chatId, { source: photoBytes(10) })).rejects.toMatchObject({
        description: 'Bad Request: not enough rights to change chat photo',
      });

      // A basic group: the member downloads the photo through inputPeerPhotoFileLocation.
      const photo = photoBytes(5000);
      expect(await chat.tg.setChatPhoto(chat.chatId, { source: photo })).toBe(true);
      const [service] = await chat.history();
      expect((service as unknown as Api.MessageService).action).toBeInstanceOf(Api.MessageActionChatEditPhoto);
      const group = (await chat.app.getEntity(chat.peer)) as Api.Chat;
      expect(group.photo).toBeInstanceOf(Api.ChatPhoto);
      const downloaded = (await chat.app.downloadProfilePhoto(group, { isBig: false })) as Buffer;
      expect(Buffer.compare(downloaded, photo)).toBe(0);
      expect(((await chat.tg.getChat(chat.chatId)) as { photo?: unknown }).photo).toBeDefined();

      // A member takes it away with messages.editChatPhoto: the group says so, and the bot sees no photo.
      const chatId = (chat.peer as Api.InputPeerChat).chatId;
      await chat.app.invoke(new Api.messages.EditChatPhoto({ chatId, photo: new Api.InputChatPhotoEmpty() }));
      const [deleted] = await chat.history();
      expect((deleted as unknown as Api.MessageService).action).toBeInstanceOf(Api.MessageActionChatDeletePhoto);
      expect(((await chat.tg.getChat(chat.chatId)) as { photo?: unknown }).photo).toBeUndefined();
      expect(
        await errorOf(
          chat.app.invoke(new Api.messages.EditChatPhoto({ chatId, photo: new Api.InputChatPhotoEmpty() })),
        ),
      ).toBe('CHAT_NOT_MODIFIED');
    });

    it("an admin account sets a channel's photo with channels.editPhoto; members download it", async () => {
      const owner = await newUser(suite.kit, { firstName: 'Olga' });
      const channel = await newChannel(suite.kit.sandbox, owner.phone, { megagroup: false });
      const ownerApp = await signedInClient(suite.kit, owner);
      const peer = new Api.InputChannel({
        channelId: returnBigInt(channel.channel_id),
        accessHash: returnBigInt(channel.access_hash),
      });
      const photo = photoBytes(40 * 1024);
      const file = await ownerApp.uploadFile({ file: new CustomFile('c.png', photo.length, '', photo), workers: 1 });
      const answer = (await ownerApp.invoke(
        new Api.channels.EditPhoto({ channel: peer, photo: new Api.InputChatUploadedPhoto({ file }) }),
      )) as Api.Updates;
      const written = answer.updates.find(
        (u): u is Api.UpdateNewChannelMessage => u instanceof Api.UpdateNewChannelMessage,
      );
      expect((written?.message as Api.MessageService | undefined)?.action).toBeInstanceOf(
        Api.MessageActionChatEditPhoto,
      );
      const bot = await newBot(suite.kit.sandbox);
      await addBotToChannel(suite.kit.sandbox, channel.id, bot.id, {});
      const info = await rawBotCall(suite.kit.sandbox, bot.token, 'getChat', { chat_id: channel.id });
      expect(info.body.result.photo.big_file_id).toEqual(expect.any(String));

      const entity = (await ownerApp.getEntity(peer)) as Api.Channel;
      const downloaded = (await ownerApp.downloadProfilePhoto(entity, { isBig: true })) as Buffer;
      expect(Buffer.compare(downloaded, photo)).toBe(0);

      // A member who is no admin may not; nor may an empty photo be taken from a chat that has none twice.
      const reader = await newUser(suite.kit, { firstName: 'Rita' });
      await control(suite.kit.sandbox, 'POST', `/sandbox/channels/${channel.id}/members`, { phone: reader.phone });
      const readerApp = await signedInClient(suite.kit, reader);
      expect(
        await errorOf(
          readerApp.invoke(new Api.channels.EditPhoto({ channel: peer, photo: new Api.InputChatPhotoEmpty() })),
        ),
      ).toBe('CHAT_ADMIN_REQUIRED');
      await ownerApp.invoke(new Api.channels.EditPhoto({ channel: peer, photo: new Api.InputChatPhotoEmpty() }));
      expect(
        await errorOf(
          ownerApp.invoke(new Api.channels.EditPhoto({ channel: peer, photo: new Api.InputChatPhotoEmpty() })),
        ),
      ).toBe('CHAT_NOT_MODIFIED');
    });
  });
});
