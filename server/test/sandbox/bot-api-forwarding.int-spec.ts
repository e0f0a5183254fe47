import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import type { Telegram } from 'telegraf';
import type { Message } from 'telegraf/types';
import { startSandbox } from '../../src/sandbox';
import { eventually } from '../helpers/eventually';
import { addBotToChannel, control, newBot, newChannel, nextPhone, rawBotCall, telegramFor } from './bot-helpers';
import {
  channelPeer,
  type MtprotoKit,
  newUser,
  pushedMessage,
  startMtprotoKit,
  type WatchingApp,
  watchingApp,
} from './mtproto-kit';

/** A 1×1 PNG: a real image, so the sandbox takes it as a photo. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

type Bot = { id: number; token: string; username: string };

/** What telegraf's TelegramError carries of Telegram's answer. */
const refusal = (error_code: number, description: string) => ({ response: { ok: false, error_code, description } });

type App = WatchingApp;

describe('sandbox: bots forward and copy messages (real telegraf, raw HTTP and gramjs)', () => {
  let kit: MtprotoKit;

  beforeAll(async () => {
    // Several sends to one chat per test: Telegram's per-chat pace is not what these tests are about.
    kit = await startMtprotoKit({ limitsEnabled: false });
  });
  afterAll(async () => {
    await kit.close();
  });

  const appOf = (user: { phone: string }, peer?: Api.TypeInputPeer): Promise<App> => watchingApp(kit, user, peer);

  /** A user who wrote to the bot (a bot cannot start a conversation); the id of what they wrote. */
  async function writeToBot(bot: Bot, user: { phone: string }, text: string): Promise<number> {
    const res = await control(kit.sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, {
      from_phone: user.phone,
      text,
    });
    if (res.status !== 201 && res.status !== 200) throw new Error(`not written: ${JSON.stringify(res.body)}`);
    return res.body.message_id as number;
  }

  async function channelPost(channelId: number, text: string): Promise<number> {
    return (await control(kit.sandbox, 'POST', `/sandbox/channels/${channelId}/messages`, { text })).body
      .message_id as number;
  }

  async function historyOf(app: App, peer: Api.TypeInputPeer): Promise<Api.Message[]> {
    const res = (await app.client.invoke(new Api.messages.GetHistory({ peer, limit: 20 }))) as Api.messages.Messages;
    return res.messages as Api.Message[];
  }

  /** A channel with the bot as its administrator, and a reader who has written to the bot (so it may answer). */
  async function channelAndReader(): Promise<{
    bot: Bot;
    tg: Telegram;
    reader: { id: number; phone: string };
    channel: { id: number; channel_id: number; access_hash: string };
  }> {
    const owner = await newUser(kit, { firstName: 'Olga' });
    const reader = await newUser(kit, { firstName: 'Rita' });
    const bot = await newBot(kit.sandbox);
    const channel = await newChannel(kit.sandbox, owner.phone);
    await addBotToChannel(kit.sandbox, channel.id, bot.id);
    await writeToBot(bot, reader, '/start');
    return { bot, tg: telegramFor(kit.sandbox, bot.token), reader, channel };
  }

  /** A private channel of someone the bot never met, with a post: a chat the bot cannot see. */
  async function strangersChannel() {
    const other = await newUser(kit, { firstName: 'Otto' });
    const hidden = await newChannel(kit.sandbox, other.phone);
    const hiddenPost = await channelPost(hidden.id, 'members only');
    return { other, hidden, hiddenPost };
  }

  async function updatesOf(bot: Bot): Promise<Record<string, any>[]> {
    const res = await rawBotCall(kit.sandbox, bot.token, 'getUpdates', { timeout: 0 });
    return res.body.result as Record<string, any>[];
  }

  it("forwards a user's private message to a channel: the answer, the channel's other bots and the members' apps show who wrote it", async () => {
    const owner = await newUser(kit, { firstName: 'Olga' });
    const writer = await newUser(kit, { firstName: 'Wes' });
    const bot = await newBot(kit.sandbox);
    const listener = await newBot(kit.sandbox);
    const channel = await newChannel(kit.sandbox, owner.phone);
    await addBotToChannel(kit.sandbox, channel.id, bot.id);
    await addBotToChannel(kit.sandbox, channel.id, listener.id);
    const app = await appOf(owner, channelPeer(channel));
    const said = await writeToBot(bot, writer, 'the *bridge* is closed');

    const forwarded = (await telegramFor(kit.sandbox, bot.token).forwardMessage(
      channel.id,
      writer.id,
      said,
    )) as Message.TextMessage;

    expect(forwarded).toMatchObject({
      chat: { id: channel.id, type: 'channel' },
      sender_chat: { id: channel.id },
      text: 'the *bridge* is closed',
      forward_origin: {
        type: 'user',
        date: expect.any(Number),
        sender_user: { id: writer.id, is_bot: false, first_name: 'Wes' },
      },
    });
    const heard = await eventually(
      async () => (await updatesOf(listener)).find((u) => u.channel_post?.message_id === forwarded.message_id),
      { what: 'the forward reaching the other admin bot' },
    );
    expect(heard.channel_post.forward_origin).toEqual(forwarded.forward_origin);

    const seen = await pushedMessage(app, (m) => m.id === forwarded.message_id, 'the forward pushed to the owner');
    expect(seen.fwdFrom?.fromId).toEqual(new Api.PeerUser({ userId: returnBigInt(writer.id) }));
    expect(seen.fwdFrom?.date).toBe((forwarded.forward_origin as unknown as { date: number }).date);
    expect(seen.fwdFrom?.channelPost ?? null).toBeNull();
    // The update carries the first author, so the app names them.
    expect((seen.forward?.sender as Api.User | undefined)?.firstName).toBe('Wes');
  });

  it("forwards a channel post to a private chat with the channel and the post's id as origin; a forward of that forward keeps it", async () => {
    const { bot, tg, reader, channel } = await channelAndReader();
    const postId = await channelPost(channel.id, 'Timetable changes on Monday');
    const app = await appOf(reader);

    const forwarded = (await tg.forwardMessage(reader.id, channel.id, postId)) as Message.TextMessage;

    const origin = {
      type: 'channel',
      date: expect.any(Number),
      chat: { id: channel.id, title: 'News', type: 'channel' },
      message_id: postId,
    };
    expect(forwarded).toMatchObject({
      chat: { id: reader.id, type: 'private' },
      from: { id: bot.id, is_bot: true },
      text: 'Timetable changes on Monday',
      forward_origin: origin,
    });
    const seen = await pushedMessage(app, (m) => m.id === forwarded.message_id, 'the forward pushed to the reader');
    expect(seen.fwdFrom?.fromId).toEqual(new Api.PeerChannel({ channelId: returnBigInt(channel.channel_id) }));
    expect(seen.fwdFrom?.channelPost).toBe(postId);

    // The forward sent on again, back into the channel: still the first post's origin.
    const again = (await tg.forwardMessage(channel.id, reader.id, forwarded.message_id)) as Message.TextMessage;
    expect(again.forward_origin).toEqual(forwarded.forward_origin);

    // The control API lists both with where they came from.
    const stored = { kind: 'channel', channel_id: channel.channel_id, message_id: postId, date: expect.any(Number) };
    const inbox = await control(kit.sandbox, 'GET', `/sandbox/users/${reader.phone}/messages`);
    expect(inbox.body.find((m: { message_id: number }) => m.message_id === forwarded.message_id)).toMatchObject({
      text: 'Timetable changes on Monday',
      forward_origin: stored,
    });
    const posts = await control(kit.sandbox, 'GET', `/sandbox/channels/${channel.id}/messages`);
    expect(posts.body.find((m: { message_id: number }) => m.message_id === again.message_id)).toMatchObject({
      forward_origin: stored,
    });
    expect(posts.body.find((m: { message_id: number }) => m.message_id === postId)).not.toHaveProperty(
      'forward_origin',
    );
  });

  it('forwards a photo with its file and formatted caption; copies it with a new caption and answers only its message_id', async () => {
    const { bot, tg, reader, channel } = await channelAndReader();
    const app = await appOf(reader);
    const photo = await tg.sendPhoto(
      channel.id,
      { source: PNG, filename: 'map.png' },
      { caption: 'Route <b>B</b>', parse_mode: 'HTML' },
    );

    const forwarded = (await tg.forwardMessage(reader.id, channel.id, photo.message_id)) as Message.PhotoMessage;
    expect(forwarded.photo.map((p) => p.file_id)).toEqual(photo.photo.map((p) => p.file_id));
    expect(forwarded.caption).toBe('Route B');
    expect(forwarded.caption_entities).toEqual([{ type: 'bold', offset: 6, length: 1 }]);
    expect(forwarded.forward_origin).toMatchObject({ type: 'channel', message_id: photo.message_id });

    const copy = await tg.copyMessage(reader.id, channel.id, photo.message_id, {
      caption: 'Route <i>C</i> instead',
      parse_mode: 'HTML',
    });
    expect(copy).toEqual({ message_id: expect.any(Number) });
    const sent = await control(kit.sandbox, 'GET', `/sandbox/bots/${bot.id}/sent`);
    expect(sent.body.find((s: { message_id: number }) => s.message_id === copy.message_id)).toMatchObject({
      method: 'copyMessage',
      chat_id: reader.id,
      caption: 'Route C instead',
      file_id: photo.photo[0]?.file_id,
    });

    const seenCopy = await pushedMessage(app, (m) => m.id === copy.message_id, 'the copy pushed to the reader');
    expect(seenCopy.message).toBe('Route C instead');
    expect(seenCopy.entities?.map((e) => e.className)).toEqual(['MessageEntityItalic']);
    expect(seenCopy.media).toBeInstanceOf(Api.MessageMediaPhoto);
    expect(seenCopy.fwdFrom ?? null).toBeNull();
    const seenForward = await pushedMessage(app, (m) => m.id === forwarded.message_id, 'the forward pushed');
    expect(seenForward.media).toBeInstanceOf(Api.MessageMediaPhoto);
    expect(seenForward.message).toBe('Route B');
  });

  it("shows a forwarded channel post with fwd_from in a member's history, and a copy without it", async () => {
    const owner = await newUser(kit, { firstName: 'Olga' });
    const bot = await newBot(kit.sandbox);
    const source = await newChannel(kit.sandbox, owner.phone);
    const target = await newChannel(kit.sandbox, owner.phone);
    await addBotToChannel(kit.sandbox, source.id, bot.id);
    await addBotToChannel(kit.sandbox, target.id, bot.id);
    const postId = await channelPost(source.id, 'Election results at 9');
    const app = await appOf(owner, channelPeer(target));
    const tg = telegramFor(kit.sandbox, bot.token);

    const forwarded = await tg.forwardMessage(target.id, source.id, postId);
    const copy = await tg.copyMessage(target.id, source.id, postId);

    const history = await historyOf(app, channelPeer(target));
    const shownForward = history.find((m) => m.id === forwarded.message_id);
    const shownCopy = history.find((m) => m.id === copy.message_id);
    expect(shownForward?.fwdFrom?.fromId).toEqual(new Api.PeerChannel({ channelId: returnBigInt(source.channel_id) }));
    expect(shownForward?.fwdFrom?.channelPost).toBe(postId);
    expect(shownForward?.message).toBe('Election results at 9');
    expect(shownCopy?.message).toBe('Election results at 9');
    expect(shownCopy?.fwdFrom ?? null).toBeNull();
    // And pushed live the same way.
    const pushedForward = await pushedMessage(app, (m) => m.id === forwarded.message_id, 'the forward pushed');
    expect(pushedForward.fwdFrom?.channelPost).toBe(postId);
    const pushedCopy = await pushedMessage(app, (m) => m.id === copy.message_id, 'the copy pushed');
    expect(pushedCopy.fwdFrom ?? null).toBeNull();
  });

  it("forwards a basic group member's message to the private chat with its author as origin, and into the group with fwd_from", async () => {
    const member = await newUser(kit, { firstName: 'Gus' });
    const reader = await newUser(kit, { firstName: 'Rita' });
    const bot = await newBot(kit.sandbox);
    const created = await control(kit.sandbox, 'POST', '/sandbox/groups', {
      title: 'Book club',
      owner_phone: member.phone,
      bots: [{ id: bot.id, admin: true }],
    });
    const groupChatId: number = created.body.bot_api_id;
    const said = (
      await control(kit.sandbox, 'POST', `/sandbox/groups/${created.body.id}/messages`, {
        from_phone: member.phone,
        text: 'next book: Dune',
      })
    ).body.message_id as number;
    await writeToBot(bot, reader, '/start');
    const readerSaid = await writeToBot(bot, reader, 'I vote for Emma');
    const app = await appOf(member);
    const tg = telegramFor(kit.sandbox, bot.token);

    const toReader = (await tg.forwardMessage(reader.id, groupChatId, said)) as Message.TextMessage;
    expect(toReader.forward_origin).toMatchObject({ type: 'user', sender_user: { id: member.id } });
    expect(toReader.text).toBe('next book: Dune');

    const toGroup = (await tg.forwardMessage(groupChatId, reader.id, readerSaid)) as Message.TextMessage;
    expect(toGroup).toMatchObject({ chat: { id: groupChatId, type: 'group' }, text: 'I vote for Emma' });
    expect(toGroup.forward_origin).toMatchObject({ type: 'user', sender_user: { id: reader.id } });
    const seen = await pushedMessage(app, (m) => m.id === toGroup.message_id, 'the forward pushed to the member');
    expect(seen.fwdFrom?.fromId).toEqual(new Api.PeerUser({ userId: returnBigInt(reader.id) }));
    expect((seen.forward?.sender as Api.User | undefined)?.firstName).toBe('Rita');
  });

  it("copies a bot's own private message as it last edited it, as a reply to the user", async () => {
    const reader = await newUser(kit, { firstName: 'Rita' });
    const bot = await newBot(kit.sandbox);
    const question = await writeToBot(bot, reader, 'what is on?');
    const tg = telegramFor(kit.sandbox, bot.token);
    const first = await tg.sendMessage(reader.id, 'draft');
    await tg.editMessageText(reader.id, first.message_id, undefined, '<b>Jazz</b> tonight', { parse_mode: 'HTML' });

    const copy = await rawBotCall(kit.sandbox, bot.token, 'copyMessage', {
      chat_id: reader.id,
      from_chat_id: reader.id,
      message_id: first.message_id,
      reply_parameters: { message_id: question },
      reply_markup: { inline_keyboard: [[{ text: 'Tickets', url: 'https://example.com/t' }]] },
    });
    expect(copy).toEqual({ status: 200, body: { ok: true, result: { message_id: expect.any(Number) } } });
    const sent = await control(kit.sandbox, 'GET', `/sandbox/bots/${bot.id}/sent`);
    expect(sent.body.find((s: { message_id: number }) => s.message_id === copy.body.result.message_id)).toMatchObject({
      method: 'copyMessage',
      text: 'Jazz tonight',
      reply_to_message_id: question,
    });
    // The copy, forwarded, names the bot as its author: a copy is the bot's own new message.
    const forwarded = (await tg.forwardMessage(
      reader.id,
      reader.id,
      copy.body.result.message_id,
    )) as Message.TextMessage;
    expect(forwarded).toMatchObject({
      text: 'Jazz tonight',
      entities: [{ type: 'bold', offset: 0, length: 4 }],
      forward_origin: { type: 'user', sender_user: { id: bot.id, is_bot: true } },
    });
  });

  it('takes no reply and no keyboard for a forward, as Telegram reads forwardMessage', async () => {
    const { bot, reader, channel } = await channelAndReader();
    const question = await writeToBot(bot, reader, 'any news?');
    const postId = await channelPost(channel.id, 'Bridge reopened');
    const res = await rawBotCall(kit.sandbox, bot.token, 'forwardMessage', {
      chat_id: reader.id,
      from_chat_id: channel.id,
      message_id: postId,
      reply_parameters: { message_id: question },
      reply_markup: { inline_keyboard: [[{ text: 'More', callback_data: 'more' }]] },
      disable_notification: true,
      protect_content: false,
    });
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ text: 'Bridge reopened', forward_origin: { message_id: postId } });
    expect(res.body.result).not.toHaveProperty('reply_to_message');
    expect(res.body.result).not.toHaveProperty('reply_markup');
  });

  describe('refusals, as Telegram words them', () => {
    let bot: Bot;
    let tg: Telegram;
    let reader: { id: number; phone: string };
    let channel: { id: number; channel_id: number; access_hash: string };
    let postId: number;

    beforeAll(async () => {
      ({ bot, tg, reader, channel } = await channelAndReader());
      postId = await channelPost(channel.id, 'hello');
    });

    it('refuses a message that is not there, or was deleted', async () => {
      await expect(tg.forwardMessage(reader.id, channel.id, postId + 100)).rejects.toMatchObject(
        refusal(400, 'Bad Request: message to forward not found'),
      );
      await expect(tg.copyMessage(reader.id, channel.id, postId + 100)).rejects.toMatchObject(
        refusal(400, 'Bad Request: message to copy not found'),
      );
      const gone = await channelPost(channel.id, 'soon gone');
      await tg.deleteMessage(channel.id, gone);
      await expect(tg.forwardMessage(reader.id, channel.id, gone)).rejects.toMatchObject(
        refusal(400, 'Bad Request: message to forward not found'),
      );
    });

    it("refuses a source chat the bot can't see: a private channel it is not in, a user who never wrote to it", async () => {
      const { other, hidden, hiddenPost } = await strangersChannel();
      await expect(tg.forwardMessage(reader.id, hidden.id, hiddenPost)).rejects.toMatchObject(
        refusal(400, 'Bad Request: chat not found'),
      );
      await expect(tg.copyMessage(reader.id, hidden.id, hiddenPost)).rejects.toMatchObject(
        refusal(400, 'Bad Request: chat not found'),
      );
      await expect(tg.forwardMessage(reader.id, other.id, 1)).rejects.toMatchObject(
        refusal(400, 'Bad Request: chat not found'),
      );
      // A private chat's message of another user is not in this one.
      const elsewhere = await writeToBot(bot, other, 'hi');
      await expect(tg.forwardMessage(reader.id, reader.id, elsewhere)).rejects.toMatchObject(
        refusal(400, 'Bad Request: message to forward not found'),
      );
    });

    it('reads a public channel it is not in, as anyone may', async () => {
      const other = await newUser(kit, { firstName: 'Otto' });
      const open = await newChannel(kit.sandbox, other.phone, { username: `open${Date.now() % 1000000}` });
      const openPost = await channelPost(open.id, 'for everyone');
      const forwarded = (await tg.forwardMessage(reader.id, open.id, openPost)) as Message.TextMessage;
      expect(forwarded.forward_origin).toMatchObject({ type: 'channel', chat: { id: open.id }, message_id: openPost });
    });

    it('refuses a target it may not write to, and names missing parameters', async () => {
      const stranger = await newUser(kit, { firstName: 'Stan' });
      await expect(tg.forwardMessage(stranger.id, channel.id, postId)).rejects.toMatchObject(
        refusal(403, "Forbidden: bot can't initiate conversation with a user"),
      );
      const call = (params: Record<string, unknown>) => rawBotCall(kit.sandbox, bot.token, 'forwardMessage', params);
      // As the official server: a forward of no message_id is of a message not found.
      expect(await call({ chat_id: reader.id, from_chat_id: channel.id })).toEqual({
        status: 400,
        body: { ok: false, error_code: 400, description: 'Bad Request: message to forward not found' },
      });
      expect((await call({ chat_id: reader.id, message_id: postId })).body.description).toBe(
        'Bad Request: parameter "from_chat_id" is required',
      );
      expect((await call({ from_chat_id: channel.id, message_id: postId })).body.description).toBe(
        'Bad Request: chat_id is empty',
      );
    });
  });

  describe('forwardMessages and copyMessages: several messages at once', () => {
    async function forwardsOfPosts(channelId: number): Promise<Map<number, number>> {
      const posts = await control(kit.sandbox, 'GET', `/sandbox/channels/${channelId}/messages`);
      return new Map((posts.body as { message_id: number; forwards: number }[]).map((m) => [m.message_id, m.forwards]));
    }

    it("forwards channel posts in order, skipping one that is gone, each with the channel and its post's id as origin, and counts each forward", async () => {
      const { bot, tg, reader, channel } = await channelAndReader();
      const first = await channelPost(channel.id, 'Road works: north bridge');
      const gone = await channelPost(channel.id, 'retracted');
      const last = await channelPost(channel.id, 'Road works: ring road');
      await tg.deleteMessage(channel.id, gone);
      const before = await forwardsOfPosts(channel.id);
      const app = await appOf(reader);

      const sent = await tg.forwardMessages(reader.id, channel.id, [first, gone, last]);

      expect(sent).toEqual([{ message_id: expect.any(Number) }, { message_id: expect.any(Number) }]);
      const [toFirst, toLast] = sent.map((m) => m.message_id) as [number, number];
      expect(toLast).toBeGreaterThan(toFirst);
      const inbox = await control(kit.sandbox, 'GET', `/sandbox/users/${reader.phone}/messages`);
      const shown = (id: number) => inbox.body.find((m: { message_id: number }) => m.message_id === id);
      expect(shown(toFirst)).toMatchObject({
        text: 'Road works: north bridge',
        forward_origin: { kind: 'channel', channel_id: channel.channel_id, message_id: first },
      });
      expect(shown(toLast)).toMatchObject({
        text: 'Road works: ring road',
        forward_origin: { kind: 'channel', channel_id: channel.channel_id, message_id: last },
      });
      const pushed = await pushedMessage(app, (m) => m.id === toLast, 'the second forward pushed to the reader');
      expect(pushed.fwdFrom?.channelPost).toBe(last);
      expect(pushed.fwdFrom?.fromId).toEqual(new Api.PeerChannel({ channelId: returnBigInt(channel.channel_id) }));

      const after = await forwardsOfPosts(channel.id);
      expect(after.get(first)).toBe((before.get(first) ?? 0) + 1);
      expect(after.get(last)).toBe((before.get(last) ?? 0) + 1);
      const log = await control(kit.sandbox, 'GET', `/sandbox/bots/${bot.id}/sent`);
      expect(
        log.body
          .filter((s: { method: string }) => s.method === 'forwardMessages')
          .map((s: { message_id: number }) => s.message_id),
      ).toEqual([toFirst, toLast]);
    });

    it('copies a photo without its caption when remove_caption is set (raw HTTP), and a text post as it is, with no trace of the origin', async () => {
      const { bot, tg, reader, channel } = await channelAndReader();
      const photo = await tg.sendPhoto(
        channel.id,
        { source: PNG, filename: 'map.png' },
        { caption: 'Route <b>B</b>', parse_mode: 'HTML' },
      );
      const text = await channelPost(channel.id, 'Route B runs again');
      const app = await appOf(reader);

      const res = await rawBotCall(kit.sandbox, bot.token, 'copyMessages', {
        chat_id: reader.id,
        from_chat_id: channel.id,
        message_ids: [photo.message_id, text],
        remove_caption: true,
      });

      expect(res).toEqual({
        status: 200,
        body: { ok: true, result: [{ message_id: expect.any(Number) }, { message_id: expect.any(Number) }] },
      });
      const [photoCopy, textCopy] = (res.body.result as { message_id: number }[]).map((m) => m.message_id) as [
        number,
        number,
      ];
      const log = await control(kit.sandbox, 'GET', `/sandbox/bots/${bot.id}/sent`);
      const logged = (id: number) => log.body.find((s: { message_id: number }) => s.message_id === id);
      expect(logged(photoCopy)).toMatchObject({ method: 'copyMessages', file_id: photo.photo[0]?.file_id });
      expect(logged(photoCopy)).not.toHaveProperty('caption');
      expect(logged(textCopy)).toMatchObject({ method: 'copyMessages', text: 'Route B runs again' });

      const seenPhoto = await pushedMessage(app, (m) => m.id === photoCopy, 'the photo copy pushed to the reader');
      expect(seenPhoto.media).toBeInstanceOf(Api.MessageMediaPhoto);
      expect(seenPhoto.message).toBe('');
      expect(seenPhoto.fwdFrom ?? null).toBeNull();
      const seenText = await pushedMessage(app, (m) => m.id === textCopy, 'the text copy pushed to the reader');
      expect(seenText.message).toBe('Route B runs again');
      expect(seenText.fwdFrom ?? null).toBeNull();

      // Without remove_caption, a copy keeps the media's caption and its entities.
      const [kept] = await tg.copyMessages(reader.id, channel.id, [photo.message_id]);
      const keptShown = await pushedMessage(app, (m) => m.id === kept?.message_id, 'the captioned copy pushed');
      expect(keptShown.message).toBe('Route B');
      expect(keptShown.entities?.map((e) => e.className)).toEqual(['MessageEntityBold']);
    });

    describe('refusals, worded as the Bot API server words them', () => {
      let bot: Bot;
      let tg: Telegram;
      let reader: { id: number; phone: string };
      let channel: { id: number; channel_id: number; access_hash: string };
      let posts: [number, number];

      beforeAll(async () => {
        ({ bot, tg, reader, channel } = await channelAndReader());
        posts = [await channelPost(channel.id, 'one'), await channelPost(channel.id, 'two')];
      });

      const refused = (description: string) => ({
        status: 400,
        body: { ok: false, error_code: 400, description: `Bad Request: ${description}` },
      });
      const call = (method: string, params: Record<string, unknown>) =>
        rawBotCall(kit.sandbox, bot.token, method, { chat_id: reader.id, from_chat_id: channel.id, ...params });

      it('refuses message_ids that are missing, empty, not a JSON array, or more than 100', async () => {
        for (const method of ['forwardMessages', 'copyMessages']) {
          expect(await call(method, {})).toEqual(refused('message identifiers are not specified'));
          expect(await call(method, { message_ids: [] })).toEqual(refused('message identifiers are not specified'));
          expect(await call(method, { message_ids: '[1,' })).toEqual(refused("can't parse message_ids JSON object"));
          expect(await call(method, { message_ids: posts[0] })).toEqual(
            refused('expected an Array of message identifiers'),
          );
          expect(await call(method, { message_ids: [0] })).toEqual(refused('invalid message identifier specified'));
          const many = Array.from({ length: 101 }, (_, i) => i + 1);
          expect(await call(method, { message_ids: many })).toEqual(refused('too many message identifiers specified'));
        }
        // A hundred is allowed: those not there are skipped.
        const hundred = Array.from({ length: 100 }, (_, i) => posts[0] + i);
        expect((await call('forwardMessages', { message_ids: hundred })).body.result).toHaveLength(2);
      });

      it('refuses ids out of strictly increasing order, sending none of them', async () => {
        const sentBefore = (await control(kit.sandbox, 'GET', `/sandbox/bots/${bot.id}/sent`)).body.length as number;
        const reversed = [posts[1], posts[0]];
        await expect(tg.forwardMessages(reader.id, channel.id, reversed)).rejects.toMatchObject(
          refusal(400, 'Bad Request: message identifiers must be in a strictly increasing order'),
        );
        await expect(tg.copyMessages(reader.id, channel.id, [posts[0], posts[0]])).rejects.toMatchObject(
          refusal(400, 'Bad Request: message identifiers must be in a strictly increasing order'),
        );
        expect((await control(kit.sandbox, 'GET', `/sandbox/bots/${bot.id}/sent`)).body).toHaveLength(sentBefore);
      });

      it('refuses a call that finds none of the messages', async () => {
        const missing = [posts[1] + 50, posts[1] + 51];
        await expect(tg.forwardMessages(reader.id, channel.id, missing)).rejects.toMatchObject(
          refusal(400, 'Bad Request: there are no messages to forward'),
        );
        await expect(tg.copyMessages(reader.id, channel.id, missing)).rejects.toMatchObject(
          refusal(400, 'Bad Request: there are no messages to forward'),
        );
      });

      it("refuses a source chat the bot can't see and a target it may not write to, as the single methods do", async () => {
        const { other, hidden, hiddenPost } = await strangersChannel();
        await expect(tg.forwardMessages(reader.id, hidden.id, [hiddenPost])).rejects.toMatchObject(
          refusal(400, 'Bad Request: chat not found'),
        );
        await expect(tg.copyMessages(reader.id, other.id, [1])).rejects.toMatchObject(
          refusal(400, 'Bad Request: chat not found'),
        );
        await expect(tg.forwardMessages(other.id, channel.id, posts)).rejects.toMatchObject(
          refusal(403, "Forbidden: bot can't initiate conversation with a user"),
        );
        expect(await call('copyMessages', { from_chat_id: undefined, message_ids: posts })).toEqual(
          refused('parameter "from_chat_id" is required'),
        );
      });
    });
  });
});

describe('sandbox: a forward keeps its origin across a restart of a stored world', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sandbox-forward-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers a forward of a forward made before the restart with the first origin', async () => {
    const before = await startSandbox({ dataDir, saveDelayMs: 0 });
    let bot: Bot;
    let reader: { id: number; phone: string };
    let channel: { id: number };
    let forwarded: Message.TextMessage;
    try {
      await control(before, 'POST', '/sandbox/limits', { enabled: false });
      reader = (await control(before, 'POST', '/sandbox/users', { phone: nextPhone(), first_name: 'Rita' })).body;
      bot = await newBot(before);
      channel = await newChannel(before, reader.phone);
      await addBotToChannel(before, channel.id, bot.id);
      const postId = (await control(before, 'POST', `/sandbox/channels/${channel.id}/messages`, { text: 'kept' })).body
        .message_id as number;
      await control(before, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: reader.phone, text: '/start' });
      forwarded = (await telegramFor(before, bot.token).forwardMessage(
        reader.id,
        channel.id,
        postId,
      )) as Message.TextMessage;
    } finally {
      await before.close();
    }

    const after = await startSandbox({ dataDir });
    try {
      expect(after.storage?.loaded).toEqual({ state: 'loaded' });
      const again = (await telegramFor(after, bot.token).forwardMessage(
        channel.id,
        reader.id,
        forwarded.message_id,
      )) as Message.TextMessage;
      expect(again.forward_origin).toEqual(forwarded.forward_origin);
      expect(again.text).toBe('kept');
    } finally {
      await after.close();
    }
  });
});
