import { Api, type TelegramClient } from 'telegram';
import { Raw } from 'telegram/events/Raw';
import { eventually } from '../helpers/eventually';
import { addBotToChannel, newBot, rawBotCall, telegramError } from './bot-helpers';
import { botChatOf, CHAT_KINDS, sandboxForSuite } from './bot-chats';

jest.setTimeout(60000);

/** A 1×1 PNG: a real image, so the sandbox takes it as a photo. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** The edited messages a member's app is pushed (updateEditMessage, updateEditChannelMessage), as they come. */
function editsPushedTo(app: TelegramClient): Api.Message[] {
  const edits: Api.Message[] = [];
  app.addEventHandler((u: object) => {
    const edited =
      u instanceof Api.UpdateEditChannelMessage || u instanceof Api.UpdateEditMessage ? u.message : undefined;
    if (edited instanceof Api.Message) edits.push(edited);
  }, new Raw({}));
  return edits;
}

describe('sandbox Bot API: deleteMessages (telegraf, and the member sees it with gramjs)', () => {
  const suite = sandboxForSuite();

  it('deletes the messages found, skips the others, and the member is pushed the deletion', async () => {
    const chat = await botChatOf(suite.kit, 'channel');
    const deleted: number[] = [];
    chat.app.addEventHandler((u: object) => {
      if (u instanceof Api.UpdateDeleteChannelMessages) deleted.push(...u.messages);
    }, new Raw({}));
    const posts = [];
    for (const text of ['one', 'two', 'three']) posts.push((await chat.tg.sendMessage(chat.chatId, text)).message_id);
    // The channel's own post: the bot, an administrator, may delete it too.
    const ownerPost = await chat.write('from the owner');
    const [one, two, three] = posts as [number, number, number];

    expect(await chat.tg.deleteMessages(chat.chatId, [three, one, ownerPost, 999999, one])).toBe(true);
    await eventually(() => deleted.length >= 3, { what: 'the deletions pushed to the member' });
    expect([...deleted].sort((a, b) => a - b)).toEqual([one, three, ownerPost].sort((a, b) => a - b));
    expect((await chat.history()).map((m) => m.message)).toEqual(['two']);

    // None of them is there any more: skipped, and still true, as the official server answers.
    expect(await chat.tg.deleteMessages(chat.chatId, [one, three])).toBe(true);
    expect(await chat.tg.deleteMessages(chat.chatId, [two])).toBe(true);
    expect(await chat.history()).toEqual([]);
  });

  it('refuses the whole call when one message may not be deleted by the bot, and deletes nothing', async () => {
    const chat = await botChatOf(suite.kit, 'supergroup', { admin: false });
    const mine = (await chat.tg.sendMessage(chat.chatId, 'by the bot')).message_id;
    const theirs = await chat.write('by the member');

    const refused = await telegramError(chat.tg.deleteMessages(chat.chatId, [mine, theirs]));
    expect(refused.description).toBe("Bad Request: message can't be deleted");
    expect((await chat.history()).map((m) => m.id).sort((a, b) => a - b)).toEqual([mine, theirs]);

    expect(await chat.tg.deleteMessages(chat.chatId, [mine])).toBe(true);
    expect((await chat.history()).map((m) => m.id)).toEqual([theirs]);
  });

  it('deletes in a private chat what deleteMessage deletes there', async () => {
    const chat = await botChatOf(suite.kit, 'private');
    const sent = (await chat.tg.sendMessage(chat.chatId, 'hello')).message_id;
    expect(await chat.tg.deleteMessages(chat.chatId, [sent])).toBe(true);
    const gone = await telegramError(chat.tg.deleteMessage(chat.chatId, sent));
    expect(gone.description).toBe('Bad Request: message to delete not found');
  });

  it('reads message_ids as the official server does, before the chat', async () => {
    const chat = await botChatOf(suite.kit, 'channel');
    const { sandbox } = suite.kit;
    const call = async (params: Record<string, unknown>) =>
      (await rawBotCall(sandbox, chat.bot.token, 'deleteMessages', params)).body.description;
    expect(await call({ chat_id: chat.chatId })).toBe('Bad Request: message identifiers are not specified');
    expect(await call({ chat_id: chat.chatId, message_ids: [] })).toBe(
      'Bad Request: message identifiers are not specified',
    );
    expect(await call({ chat_id: chat.chatId, message_ids: '{"a":1}' })).toBe(
      'Bad Request: expected an Array of message identifiers',
    );
    expect(await call({ chat_id: chat.chatId, message_ids: 'not json' })).toBe(
      "Bad Request: can't parse message_ids JSON object",
    );
    const many = Array.from({ length: 101 }, (_, i) => i + 1);
    expect(await call({ chat_id: chat.chatId, message_ids: many })).toBe(
      'Bad Request: too many message identifiers specified',
    );
    expect(await call({ chat_id: chat.chatId, message_ids: [true] })).toBe(
      'Bad Request: message identifier must be a Number',
    );
    expect(await call({ chat_id: chat.chatId, message_ids: ['x1'] })).toBe(
      "Bad Request: can't parse message identifier as a Number",
    );
    expect(await call({ chat_id: chat.chatId, message_ids: [0] })).toBe(
      'Bad Request: invalid message identifier specified',
    );
    // message_ids first: a bad list is refused even with no chat.
    expect(await call({ message_ids: [] })).toBe('Bad Request: message identifiers are not specified');
    expect(await call({ message_ids: [1] })).toBe('Bad Request: chat_id is empty');
    expect(await call({ chat_id: -1009999999999, message_ids: [1] })).toBe('Bad Request: chat not found');
    // An id may be given as its digits; none found is still true.
    expect(
      (await rawBotCall(sandbox, chat.bot.token, 'deleteMessages', { chat_id: chat.chatId, message_ids: ['5'] })).body,
    ).toEqual({ ok: true, result: true });
  });
});

describe('sandbox Bot API: editMessageMedia (telegraf, and the member sees it with gramjs)', () => {
  const suite = sandboxForSuite();

  it.each(CHAT_KINDS)('replaces a photo with a document in a %s, and the member is pushed the edit', async (kind) => {
    const chat = await botChatOf(suite.kit, kind);
    const edits = editsPushedTo(chat.app);
    const sent = await chat.tg.sendPhoto(chat.chatId, { source: PNG, filename: 'view.png' }, { caption: 'a view' });

    const edited = (await chat.tg.editMessageMedia(chat.chatId, sent.message_id, undefined, {
      type: 'document',
      media: { source: Buffer.from('quarterly numbers'), filename: 'q3.txt' },
      caption: '<b>Q3</b> report',
      parse_mode: 'HTML',
    })) as any;
    expect(edited).toMatchObject({
      message_id: sent.message_id,
      document: { file_name: 'q3.txt' },
      caption: 'Q3 report',
      caption_entities: [{ type: 'bold', offset: 0, length: 2 }],
      edit_date: expect.any(Number),
    });
    expect(edited.photo).toBeUndefined();

    const pushed = await eventually(() => edits.find((m) => m.id === sent.message_id), { what: 'the edit pushed' });
    expect(pushed.media).toBeInstanceOf(Api.MessageMediaDocument);
    expect(pushed.message).toBe('Q3 report');
    expect(pushed.editDate).toBe(edited.edit_date);
    const inHistory = (await chat.history()).find((m) => m.id === sent.message_id);
    expect(inHistory?.media).toBeInstanceOf(Api.MessageMediaDocument);
    const attributes = ((inHistory?.media as Api.MessageMediaDocument).document as Api.Document).attributes;
    expect(attributes.find((a) => a instanceof Api.DocumentAttributeFilename)).toMatchObject({ fileName: 'q3.txt' });
  });

  it('takes a file_id, refuses the same media again, and keeps or changes the keyboard', async () => {
    const chat = await botChatOf(suite.kit, 'channel');
    const { sandbox } = suite.kit;
    // Another bot of the channel reads the edit as an edited_channel_post.
    const listener = await newBot(sandbox);
    await addBotToChannel(sandbox, chat.chatId, listener.id);
    const keyboard = { inline_keyboard: [[{ text: 'Open', callback_data: 'open' }]] };
    const first = await chat.tg.sendPhoto(chat.chatId, { source: PNG, filename: 'a.png' }, { reply_markup: keyboard });
    const other = await chat.tg.sendDocument(chat.chatId, { source: Buffer.from('notes'), filename: 'notes.txt' });
    const fileId = other.document.file_id;

    const edited = (await chat.tg.editMessageMedia(chat.chatId, first.message_id, undefined, {
      type: 'document',
      media: fileId,
    })) as any;
    expect(edited).toMatchObject({ document: { file_id: fileId }, reply_markup: keyboard });
    expect(edited.caption).toBeUndefined();
    const heard = await eventually(
      async () =>
        ((await rawBotCall(sandbox, listener.token, 'getUpdates', { timeout: 0 })).body.result as any[])
          .map((u) => u.edited_channel_post)
          .find((p) => p?.message_id === first.message_id),
      { what: 'the edit reaching the other bot' },
    );
    expect(heard).toMatchObject({ document: { file_id: fileId }, edit_date: edited.edit_date });
    expect(heard.photo).toBeUndefined();
    const same = await telegramError(
      chat.tg.editMessageMedia(chat.chatId, first.message_id, undefined, { type: 'document', media: fileId }),
    );
    expect(same.description).toMatch(/^Bad Request: message is not modified/);
    // The same file with a new keyboard is a change.
    const rekeyed = (await chat.tg.editMessageMedia(
      chat.chatId,
      first.message_id,
      undefined,
      { type: 'document', media: fileId },
      { reply_markup: { inline_keyboard: [[{ text: 'Close', callback_data: 'close' }]] } },
    )) as any;
    expect(rekeyed.reply_markup.inline_keyboard[0][0].text).toBe('Close');
    // A file_id of another kind is refused as the other send methods refuse it.
    const wrongKind = await telegramError(
      chat.tg.editMessageMedia(chat.chatId, first.message_id, undefined, { type: 'photo', media: fileId }),
    );
    expect(wrongKind.description).toBe("Bad Request: can't use file of type Document as Photo");
  });

  it("refuses a message without media, someone else's message, and an inline message", async () => {
    const chat = await botChatOf(suite.kit, 'supergroup');
    const text = await chat.tg.sendMessage(chat.chatId, 'just words');
    const theirs = await chat.write('mine');
    const photo = { type: 'photo' as const, media: { source: PNG, filename: 'p.png' } };
    const noMedia = await telegramError(chat.tg.editMessageMedia(chat.chatId, text.message_id, undefined, photo));
    expect(noMedia.description).toBe('Bad Request: there is no media in the message to edit');
    const notOurs = await telegramError(chat.tg.editMessageMedia(chat.chatId, theirs, undefined, photo));
    expect(notOurs.description).toBe("Bad Request: message can't be edited");
    const missing = await telegramError(chat.tg.editMessageMedia(chat.chatId, 999999, undefined, photo));
    expect(missing.description).toBe('Bad Request: message to edit not found');

    const { sandbox } = suite.kit;
    const call = async (params: Record<string, unknown>) =>
      (await rawBotCall(sandbox, chat.bot.token, 'editMessageMedia', params)).body.description;
    const named = { chat_id: chat.chatId, message_id: text.message_id };
    expect(await call({ inline_message_id: 'AAAA', media: { type: 'photo', media: 'x' } })).toBe(
      'Bad Request: MESSAGE_ID_INVALID',
    );
    expect(await call(named)).toBe('Bad Request: parameter "media" is required');
    expect(await call({ ...named, media: '{oops' })).toBe("Bad Request: can't parse input media JSON object");
    expect(await call({ ...named, media: [] })).toBe("Bad Request: can't parse InputMedia: expected an Object");
    expect(await call({ ...named, media: { type: 'sticker', media: 'x' } })).toBe(
      'Bad Request: can\'t parse InputMedia: type "sticker" is unsupported',
    );
    expect(await call({ ...named, media: { type: 'photo', media: 'attach://nothing' } })).toBe(
      "Bad Request: can't parse InputMedia: media not found",
    );
  });

  it('keeps an album an album: no animation in it, and documents stay documents', async () => {
    const chat = await botChatOf(suite.kit, 'channel');
    const pictures = await chat.tg.sendMediaGroup(chat.chatId, [
      { type: 'photo', media: { source: PNG, filename: 'a.png' } },
      { type: 'photo', media: { source: PNG, filename: 'b.png' } },
    ]);
    const papers = await chat.tg.sendMediaGroup(chat.chatId, [
      { type: 'document', media: { source: Buffer.from('one'), filename: '1.txt' } },
      { type: 'document', media: { source: Buffer.from('two'), filename: '2.txt' } },
    ]);
    const picture = pictures[0]!.message_id;
    const animation = await telegramError(
      chat.tg.editMessageMedia(chat.chatId, picture, undefined, {
        type: 'animation',
        media: { source: Buffer.from('GIF89a'), filename: 'a.gif' },
      }),
    );
    expect(animation.description).toBe("Bad Request: message content type can't be used in an album");
    const toDocument = await telegramError(
      chat.tg.editMessageMedia(chat.chatId, picture, undefined, {
        type: 'document',
        media: { source: Buffer.from('x'), filename: 'x.txt' },
      }),
    );
    expect(toDocument.description).toBe("Bad Request: can't change media type in the album");
    const toPhoto = await telegramError(
      chat.tg.editMessageMedia(chat.chatId, papers[0]!.message_id, undefined, {
        type: 'photo',
        media: { source: PNG, filename: 'c.png' },
      }),
    );
    expect(toPhoto.description).toBe("Bad Request: can't change media type in the album");

    // A video may take a photo's place, and a document another document's.
    const video = (await chat.tg.editMessageMedia(chat.chatId, picture, undefined, {
      type: 'video',
      media: { source: Buffer.from('not really a video'), filename: 'v.mp4' },
      duration: 3,
    })) as any;
    expect(video).toMatchObject({ video: { duration: 3 }, media_group_id: (pictures[0] as any).media_group_id });
    const paper = (await chat.tg.editMessageMedia(chat.chatId, papers[1]!.message_id, undefined, {
      type: 'document',
      media: { source: Buffer.from('three'), filename: '3.txt' },
    })) as any;
    expect(paper.document.file_name).toBe('3.txt');
  });
});

describe('sandbox Bot API: live locations (telegraf, and the member sees them with gramjs)', () => {
  const suite = sandboxForSuite();

  it.each(['channel', 'private'] as const)(
    'sends, moves and stops a live location in a %s, each step pushed to the member',
    async (kind) => {
      const chat = await botChatOf(suite.kit, kind);
      const edits = editsPushedTo(chat.app);
      const sent = await chat.tg.sendLocation(chat.chatId, 59.9386, 30.3141, {
        live_period: 60,
        heading: 90,
        proximity_alert_radius: 100,
      });
      expect(sent.location).toMatchObject({ live_period: 60, heading: 90, proximity_alert_radius: 100 });
      const live = (await chat.history()).find((m) => m.id === sent.message_id)?.media as Api.MessageMediaGeoLive;
      expect(live).toBeInstanceOf(Api.MessageMediaGeoLive);
      expect(live).toMatchObject({ period: 60, heading: 90, proximityNotificationRadius: 100 });

      const moved = (await chat.tg.editMessageLiveLocation(chat.chatId, sent.message_id, undefined, 59.94, 30.32, {
        heading: 180,
      })) as any;
      expect(moved).toMatchObject({
        location: { latitude: 59.94, longitude: 30.32, live_period: 60, heading: 180 },
        edit_date: expect.any(Number),
      });
      expect(moved.location.proximity_alert_radius).toBeUndefined();
      const pushed = await eventually(() => edits.find((m) => m.id === sent.message_id), { what: 'the move pushed' });
      expect(pushed.media).toBeInstanceOf(Api.MessageMediaGeoLive);
      expect(((pushed.media as Api.MessageMediaGeoLive).geo as Api.GeoPoint).lat).toBe(59.94);
      const again = await telegramError(
        chat.tg.editMessageLiveLocation(chat.chatId, sent.message_id, undefined, 59.94, 30.32, { heading: 180 }),
      );
      expect(again.description).toMatch(/^Bad Request: message is not modified/);

      const stopped = (await chat.tg.stopMessageLiveLocation(chat.chatId, sent.message_id, undefined)) as any;
      expect(stopped.location).toEqual({ latitude: 59.94, longitude: 30.32 });
      await eventually(() => edits.filter((m) => m.id === sent.message_id).length >= 2, { what: 'the stop pushed' });
      const after = (await chat.history()).find((m) => m.id === sent.message_id)?.media as Api.MessageMediaGeoLive;
      expect(after.period).toBeLessThan(60);
      const moveStopped = await telegramError(
        chat.tg.editMessageLiveLocation(chat.chatId, sent.message_id, undefined, 1, 1),
      );
      expect(moveStopped.description).toBe("Bad Request: message can't be edited");
      const stopAgain = await telegramError(chat.tg.stopMessageLiveLocation(chat.chatId, sent.message_id, undefined));
      expect(stopAgain.description).toBe("Bad Request: message can't be edited");
    },
  );

  it('reads the period, heading and alert radius, and refuses what is not a live location', async () => {
    const chat = await botChatOf(suite.kit, 'supergroup');
    const { sandbox } = suite.kit;
    const send = async (params: Record<string, unknown>) =>
      (
        await rawBotCall(sandbox, chat.bot.token, 'sendLocation', {
          chat_id: chat.chatId,
          latitude: 1,
          longitude: 2,
          ...params,
        })
      ).body;
    expect((await send({ live_period: 59 })).description).toBe('Bad Request: wrong live location period specified');
    expect((await send({ live_period: 86401 })).description).toBe('Bad Request: wrong live location period specified');
    expect((await send({ live_period: 60, heading: 361 })).description).toBe(
      'Bad Request: wrong live location heading specified',
    );
    expect((await send({ live_period: 60, proximity_alert_radius: -1 })).description).toBe(
      'Bad Request: wrong live location proximity alert radius specified',
    );
    const forever = await send({ live_period: 0x7fffffff });
    expect(forever.result.location).toMatchObject({ live_period: 0x7fffffff });
    // A still location has no live fields, and cannot be moved.
    const still = await send({ heading: 45 });
    expect(still.result.location).toEqual({ latitude: 1, longitude: 2 });
    const moveStill = await telegramError(
      chat.tg.editMessageLiveLocation(chat.chatId, still.result.message_id, undefined, 3, 4),
    );
    expect(moveStill.description).toBe("Bad Request: message can't be edited");
    const text = await chat.tg.sendMessage(chat.chatId, 'words');
    const moveText = await telegramError(
      chat.tg.editMessageLiveLocation(chat.chatId, text.message_id, undefined, 3, 4),
    );
    expect(moveText.description).toBe('Bad Request: there is no live location in the message to edit');

    // The period may be lengthened by up to a day from the message's date.
    const sent = (await send({ live_period: 60 })).result;
    // telegraf's typings predate live_period on an edit: the raw call sends it.
    const extend = async (livePeriod: number) =>
      (
        await rawBotCall(sandbox, chat.bot.token, 'editMessageLiveLocation', {
          chat_id: chat.chatId,
          message_id: sent.message_id,
          latitude: 1,
          longitude: 2,
          live_period: livePeriod,
        })
      ).body;
    expect((await extend(120)).result.location.live_period).toBe(120);
    const tooLong = await extend(120 + 86401);
    expect(tooLong.description).toBe('Bad Request: wrong live location period specified');
    const inline = await rawBotCall(sandbox, chat.bot.token, 'stopMessageLiveLocation', { inline_message_id: 'AAAA' });
    expect(inline.body.description).toBe('Bad Request: MESSAGE_ID_INVALID');
  });
});
