import { Api } from 'telegram';
import { CustomFile } from 'telegram/client/uploads';
import { Input } from 'telegraf';
import { eventually } from '../helpers/eventually';
import { botChatOf, type ChatKind, sandboxForSuite } from './bot-chats';
import { addBotToChannel, channelPostsHeard, control, newBot, rawBotCall, telegramFor } from './bot-helpers';
import { mtcuteClient, signInMtcute } from './mtcute-kit';
import { newUser } from './mtproto-kit';

/** A 1×1 PNG: a real image, so the sandbox takes it as a photo. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
/** Stand-ins for media files: the sandbox reads no video or audio headers, only what the sender says. */
const CLIP = Buffer.from('not really an mp4, but bytes all the same');
const SONG = Buffer.from('ID3 an mp3 of sorts');
const NOTE = Buffer.from('OggS a voice note of sorts');

type Json = Record<string, any>;

/** The attributes of a document as a member's gramjs app reads them, by class name. */
function attributesOf(message: Api.Message): Record<string, Json> {
  const document = (message.media as Api.MessageMediaDocument).document as Api.Document;
  return Object.fromEntries(document.attributes.map((a) => [a.className, a]));
}

describe('sandbox: bots send videos, audio, voice notes and animations (real telegraf, raw HTTP and gramjs)', () => {
  const suite = sandboxForSuite();

  describe.each<ChatKind>(['channel', 'private'])('in a %s', (kind) => {
    it('sendVideo: the Message carries `video`, the member app sees a video document with its attributes', async () => {
      const chat = await botChatOf(suite.kit, kind);
      const sent = await chat.tg.sendVideo(chat.chatId, Input.fromBuffer(CLIP, 'clip.mp4'), {
        caption: '<b>Launch</b> day',
        parse_mode: 'HTML',
        duration: 42,
        width: 1280,
        height: 720,
        supports_streaming: true,
      });
      expect(sent.video).toEqual({
        file_id: expect.any(String),
        file_unique_id: expect.any(String),
        width: 1280,
        height: 720,
        duration: 42,
        file_name: 'clip.mp4',
        mime_type: 'video/mp4',
        file_size: CLIP.length,
      });
      expect(sent).toMatchObject({ caption: 'Launch day', caption_entities: [{ type: 'bold', offset: 0, length: 6 }] });
      expect((sent as Json).document).toBeUndefined();

      const seen = (await chat.history()).find((m) => m.id === sent.message_id) as Api.Message;
      expect(seen.media).toBeInstanceOf(Api.MessageMediaDocument);
      expect(seen.video).toBeDefined();
      expect(seen.gif).toBeUndefined();
      expect(seen.message).toBe('Launch day');
      expect((seen.media as Api.MessageMediaDocument).document).toMatchObject({ mimeType: 'video/mp4' });
      const attributes = attributesOf(seen);
      expect(attributes.DocumentAttributeVideo).toMatchObject({
        duration: 42,
        w: 1280,
        h: 720,
        supportsStreaming: true,
      });
      expect(attributes.DocumentAttributeFilename).toMatchObject({ fileName: 'clip.mp4' });

      const file = await chat.tg.getFile(sent.video.file_id);
      expect(file).toMatchObject({ file_id: sent.video.file_id, file_size: CLIP.length });
      expect(file.file_path).toMatch(/^videos\/file_\w+\.mp4$/);
      const downloaded = Buffer.from(await (await fetch(await chat.tg.getFileLink(sent.video.file_id))).arrayBuffer());
      expect(downloaded.equals(CLIP)).toBe(true);
    });

    it('sendAudio: the Message carries `audio` with performer and title; the member app sees an audio document', async () => {
      const chat = await botChatOf(suite.kit, kind);
      const sent = await chat.tg.sendAudio(chat.chatId, Input.fromBuffer(SONG, 'anthem.mp3'), {
        duration: 185,
        performer: 'The Band',
        title: 'Anthem',
      });
      expect(sent.audio).toEqual({
        file_id: expect.any(String),
        file_unique_id: expect.any(String),
        duration: 185,
        performer: 'The Band',
        title: 'Anthem',
        file_name: 'anthem.mp3',
        mime_type: 'audio/mpeg',
        file_size: SONG.length,
      });

      const seen = (await chat.history()).find((m) => m.id === sent.message_id) as Api.Message;
      expect(seen.audio).toBeDefined();
      expect(seen.voice).toBeUndefined();
      const attributes = attributesOf(seen);
      expect(attributes.DocumentAttributeAudio).toMatchObject({
        duration: 185,
        performer: 'The Band',
        title: 'Anthem',
      });
      expect(attributes.DocumentAttributeAudio?.voice).toBeFalsy();
      expect(attributes.DocumentAttributeFilename).toMatchObject({ fileName: 'anthem.mp3' });
      expect((await chat.tg.getFile(sent.audio.file_id)).file_path).toMatch(/^music\/file_\w+\.mp3$/);
    });

    it('sendVoice: the Message carries `voice` (audio/ogg when the name says nothing); the member app sees a voice note', async () => {
      const chat = await botChatOf(suite.kit, kind);
      const sent = await chat.tg.sendVoice(chat.chatId, Input.fromBuffer(NOTE, 'note'), { duration: 7 });
      expect(sent.voice).toEqual({
        file_id: expect.any(String),
        file_unique_id: expect.any(String),
        duration: 7,
        mime_type: 'audio/ogg',
        file_size: NOTE.length,
      });

      const seen = (await chat.history()).find((m) => m.id === sent.message_id) as Api.Message;
      expect(seen.voice).toBeDefined();
      expect(seen.audio).toBeUndefined();
      expect(attributesOf(seen).DocumentAttributeAudio).toMatchObject({ voice: true, duration: 7 });
      expect(attributesOf(seen).DocumentAttributeFilename).toBeUndefined();
      expect((await chat.tg.getFile(sent.voice.file_id)).file_path).toMatch(/^voice\/file_\w+\.oga$/);
    });

    it('sendAnimation: the Message carries `animation` and `document`; the member app sees a GIF', async () => {
      const chat = await botChatOf(suite.kit, kind);
      const sent = await chat.tg.sendAnimation(chat.chatId, Input.fromBuffer(CLIP, 'dance.mp4'), {
        caption: 'party',
        width: 320,
        height: 240,
      });
      expect(sent.animation).toEqual({
        file_id: expect.any(String),
        file_unique_id: expect.any(String),
        width: 320,
        height: 240,
        duration: 0,
        file_name: 'dance.mp4',
        mime_type: 'video/mp4',
        file_size: CLIP.length,
      });
      expect(sent.document).toEqual({
        file_id: sent.animation.file_id,
        file_unique_id: sent.animation.file_unique_id,
        file_name: 'dance.mp4',
        mime_type: 'video/mp4',
        file_size: CLIP.length,
      });

      const seen = (await chat.history()).find((m) => m.id === sent.message_id) as Api.Message;
      expect(seen.gif).toBeDefined();
      const attributes = attributesOf(seen);
      expect(attributes.DocumentAttributeAnimated).toBeDefined();
      expect(attributes.DocumentAttributeVideo).toMatchObject({ duration: 0, w: 320, h: 240 });
      expect(attributes.DocumentAttributeFilename).toMatchObject({ fileName: 'dance.mp4' });
      expect((await chat.tg.getFile(sent.animation.file_id)).file_path).toMatch(/^animations\/file_\w+\.mp4$/);
    });
  });

  it("gives the channel's other bots the same fields in their updates, and forwardMessage and copyMessage keep the kind", async () => {
    const { kit } = suite;
    const chat = await botChatOf(kit, 'channel');
    const listener = await newBot(kit.sandbox);
    await addBotToChannel(kit.sandbox, chat.chatId, listener.id);
    const video = await chat.tg.sendVideo(chat.chatId, Input.fromBuffer(CLIP, 'clip.mp4'), { duration: 3 });
    const voice = await chat.tg.sendVoice(chat.chatId, Input.fromBuffer(NOTE, 'note.ogg'), { duration: 2 });
    const audio = await chat.tg.sendAudio(chat.chatId, Input.fromBuffer(SONG, 'song.mp3'), { title: 'Song' });
    const animation = await chat.tg.sendAnimation(chat.chatId, Input.fromBuffer(CLIP, 'loop.mp4'));

    const posts = await channelPostsHeard(kit.sandbox, listener.token, 4);
    const byId = (id: number) => posts.find((p) => p.message_id === id);
    expect(byId(video.message_id)?.video).toEqual(video.video);
    expect(byId(voice.message_id)?.voice).toEqual(voice.voice);
    expect(byId(audio.message_id)?.audio).toEqual(audio.audio);
    expect(byId(animation.message_id)?.animation).toEqual(animation.animation);
    expect(byId(animation.message_id)?.document).toEqual(animation.document);

    const forwarded = (await chat.tg.forwardMessage(chat.chatId, chat.chatId, voice.message_id)) as Json;
    expect(forwarded.voice).toEqual(voice.voice);
    const copied = await chat.tg.copyMessage(chat.chatId, chat.chatId, video.message_id, { caption: 'again' });
    const seen = (await chat.history()).find((m) => m.id === copied.message_id) as Api.Message;
    expect(seen.video).toBeDefined();
    expect(attributesOf(seen).DocumentAttributeVideo).toMatchObject({ duration: 3 });
    expect(seen.message).toBe('again');
  });

  it("shows a member's mtcute app (layer 227) the four kinds with their attributes", async () => {
    const { kit } = suite;
    const username = `mk_member_${Date.now() % 100000}`;
    const member = await newUser(kit, { username });
    const bot = await newBot(kit.sandbox);
    await control(kit.sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, {
      from_phone: member.phone,
      text: '/start',
    });
    const tg = telegramFor(kit.sandbox, bot.token);
    await tg.sendVideo(member.id, Input.fromBuffer(CLIP, 'clip.mp4'), { duration: 30, width: 640, height: 480 });
    await tg.sendAudio(member.id, Input.fromBuffer(SONG, 'song.mp3'), {
      duration: 90,
      performer: 'Band',
      title: 'Hit',
    });
    await tg.sendVoice(member.id, Input.fromBuffer(NOTE, 'note.ogg'), { duration: 4 });
    await tg.sendAnimation(member.id, Input.fromBuffer(CLIP, 'loop.mp4'), { width: 200, height: 100 });

    const app = mtcuteClient(kit.sandbox);
    try {
      await signInMtcute(kit, app, member.phone);
      const [animation, voice, audio, video] = (await app.getHistory(`@${bot.username}`, { limit: 4 })).map(
        (m) => m.media,
      );
      expect(video).toMatchObject({ type: 'video', duration: 30, width: 640, height: 480, isAnimation: false });
      expect(audio).toMatchObject({ type: 'audio', duration: 90, performer: 'Band', title: 'Hit' });
      expect(voice).toMatchObject({ type: 'voice', duration: 4 });
      expect(animation).toMatchObject({ type: 'video', isAnimation: true, width: 200, height: 100 });
    } finally {
      await app.destroy();
    }
  });

  it.each<ChatKind>(['group', 'private'])(
    "a member's app sending a video and a voice note to a %s: the bot's update shows `video` and `voice`",
    async (kind) => {
      const chat = await botChatOf(suite.kit, kind);
      const video = await chat.app.sendFile(chat.peer, {
        file: new CustomFile('holiday.mp4', CLIP.length, '', CLIP),
        caption: 'our holiday',
        attributes: [new Api.DocumentAttributeVideo({ duration: 12, w: 640, h: 360, supportsStreaming: true })],
      });
      const voice = await chat.app.sendFile(chat.peer, {
        file: new CustomFile('note.ogg', NOTE.length, '', NOTE),
        voiceNote: true,
        attributes: [new Api.DocumentAttributeAudio({ voice: true, duration: 5 })],
      });
      expect(video.video).toBeDefined();
      expect(voice.voice).toBeDefined();

      const messages = await eventually(
        async () => {
          const updates = (await chat.tg.getUpdates(0, 100, 0, undefined)) as Json[];
          const found = updates
            .map((u) => u.message as Json | undefined)
            .filter((m): m is Json => m?.voice !== undefined || m?.video !== undefined);
          return found.length >= 2 ? found : undefined;
        },
        { what: "the member's video and voice note reaching the bot" },
      );
      const heardVideo = messages.find((m) => m.message_id === video.id);
      expect(heardVideo).toMatchObject({
        caption: 'our holiday',
        video: { width: 640, height: 360, duration: 12, file_name: 'holiday.mp4', mime_type: 'video/mp4' },
      });
      expect(heardVideo?.video.file_size).toBe(CLIP.length);
      const heardVoice = messages.find((m) => m.message_id === voice.id);
      expect(heardVoice?.voice).toMatchObject({ duration: 5, mime_type: 'audio/ogg', file_size: NOTE.length });
      expect(heardVoice?.audio).toBeUndefined();

      if (kind === 'private') {
        // The control API lists the member's messages with the media's kind and attributes.
        const { phone } = await chat.app.getMe();
        const listed = (await control(suite.kit.sandbox, 'GET', `/sandbox/users/${phone}/messages`)).body as Json[];
        expect(listed.find((m) => m.message_id === video.id)?.media).toMatchObject({
          kind: 'video',
          duration: 12,
          width: 640,
          height: 360,
          supports_streaming: true,
        });
        expect(listed.find((m) => m.message_id === voice.id)?.media).toMatchObject({ kind: 'voice', duration: 5 });
      }

      // The bot sends the member's video on by its file_id.
      const again = await chat.tg.sendVideo(chat.chatId, heardVideo?.video.file_id as string);
      expect(again.video).toMatchObject({ file_id: heardVideo?.video.file_id, duration: 12 });
    },
  );

  it('takes an album of a photo and a video; refuses audio mixed with a photo, in the words Telegram uses', async () => {
    const { kit } = suite;
    const chat = await botChatOf(kit, 'supergroup');
    const album = (await chat.tg.sendMediaGroup(chat.chatId, [
      { type: 'photo', media: { source: PNG, filename: 'view.png' }, caption: 'the view' },
      { type: 'video', media: { source: CLIP, filename: 'walk.mp4' }, duration: 9, width: 640, height: 480 },
    ])) as Json[];
    expect(album).toHaveLength(2);
    expect(album[0]?.photo).toBeDefined();
    expect(album[1]?.video).toMatchObject({ duration: 9, width: 640, height: 480, file_name: 'walk.mp4' });
    expect(album[1]?.media_group_id).toBe(album[0]?.media_group_id);
    const history = await chat.history();
    const grouped = history.filter((m) => album.some((a) => a.message_id === m.id));
    expect(grouped.map((m) => m.groupedId?.toString())).toEqual([album[0]?.media_group_id, album[0]?.media_group_id]);
    expect(grouped.find((m) => m.id === album[1]?.message_id)?.video).toBeDefined();

    const audio = await chat.tg.sendAudio(chat.chatId, Input.fromBuffer(SONG, 'a.mp3'));
    const second = await chat.tg.sendAudio(chat.chatId, Input.fromBuffer(SONG, 'b.mp3'));
    const photoId = (album[0]?.photo as Json[])[0]?.file_id as string;
    const refusal = async (media: unknown) => {
      const res = await rawBotCall(kit.sandbox, chat.bot.token, 'sendMediaGroup', { chat_id: chat.chatId, media });
      return { status: res.status, description: res.body.description as string };
    };
    expect(
      await refusal([
        { type: 'audio', media: audio.audio.file_id },
        { type: 'photo', media: photoId },
      ]),
    ).toEqual({ status: 400, description: "Bad Request: audio can't be mixed with other media types" });
    // Audio files group with audio files.
    const playlist = await rawBotCall(kit.sandbox, chat.bot.token, 'sendMediaGroup', {
      chat_id: chat.chatId,
      media: [
        { type: 'audio', media: audio.audio.file_id },
        { type: 'audio', media: second.audio.file_id },
      ],
    });
    expect(playlist.status).toBe(200);
    expect((playlist.body.result as Json[]).map((m) => m.audio?.file_name)).toEqual(['a.mp3', 'b.mp3']);
  });

  it("clamps a duration, width or height outside the Bot API server's bounds, as it does, rather than refusing it", async () => {
    const { kit } = suite;
    const chat = await botChatOf(kit, 'channel');
    // Multipart parameters arrive as text, as from any client.
    const asText = (v: string) => v as unknown as number;
    const video = await chat.tg.sendVideo(chat.chatId, Input.fromBuffer(CLIP, 'v.mp4'), {
      duration: -1,
      width: 20_000,
      height: asText('480px'),
    });
    expect(video.video).toMatchObject({ duration: 0, width: 10_000, height: 480 });
    const voice = await chat.tg.sendVoice(chat.chatId, Input.fromBuffer(NOTE, 'n.ogg'), { duration: asText('long') });
    expect(voice.voice.duration).toBe(0);
    const audio = await chat.tg.sendAudio(chat.chatId, Input.fromBuffer(NOTE, 'song.mp3'), { duration: 100_000 });
    expect(audio.audio.duration).toBe(86_400);
    // An album's InputMedia fields must be numbers (or numeric text); they are clamped too.
    const album = await chat.tg.sendMediaGroup(chat.chatId, [
      { type: 'video', media: Input.fromBuffer(CLIP, 'a.mp4'), duration: -3 },
      { type: 'video', media: Input.fromBuffer(CLIP, 'b.mp4'), duration: asText('12') },
    ]);
    expect(album.map((m) => ('video' in m ? m.video.duration : undefined))).toEqual([0, 12]);
    await expect(
      chat.tg.sendMediaGroup(chat.chatId, [
        { type: 'video', media: Input.fromBuffer(CLIP, 'c.mp4'), duration: asText('long') },
        { type: 'video', media: Input.fromBuffer(CLIP, 'd.mp4') },
      ]),
    ).rejects.toMatchObject({
      response: {
        error_code: 400,
        description: 'Bad Request: can\'t parse InputMedia: Field "duration" must be of type Number',
      },
    });
  });

  it("refuses a file_id of another kind and a send with no file, as Telegram's 400s", async () => {
    const { kit } = suite;
    const chat = await botChatOf(kit, 'channel');
    const photo = await chat.tg.sendPhoto(chat.chatId, Input.fromBuffer(PNG, 'p.png'));
    const photoId = photo.photo[0]?.file_id as string;
    const video = await chat.tg.sendVideo(chat.chatId, Input.fromBuffer(CLIP, 'v.mp4'));
    const voice = await chat.tg.sendVoice(chat.chatId, Input.fromBuffer(NOTE, 'n.ogg'));
    const before = (await chat.history()).length;
    const call = async (method: string, params: Json) => {
      const res = await rawBotCall(kit.sandbox, chat.bot.token, method, { chat_id: chat.chatId, ...params });
      return { status: res.status, description: res.body.description as string };
    };
    const cases: [string, Json, string][] = [
      ['sendVideo', { video: photoId }, "can't use file of type Photo as Video"],
      ['sendPhoto', { photo: video.video.file_id }, "can't use file of type Video as Photo"],
      ['sendAudio', { audio: voice.voice.file_id }, "can't use file of type VoiceNote as Audio"],
      ['sendAnimation', { animation: video.video.file_id }, "can't use file of type Video as Animation"],
      ['sendVoice', { voice: 'no-such-file' }, 'wrong file identifier/HTTP URL specified'],
      ['sendAudio', {}, 'there is no audio in the request'],
    ];
    for (const [method, params, description] of cases) {
      expect({ method, ...(await call(method, params)) }).toEqual({
        method,
        status: 400,
        description: `Bad Request: ${description}`,
      });
    }
    expect((await chat.history()).length).toBe(before);
  });
});
