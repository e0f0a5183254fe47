import { Api } from 'telegram';
import { Raw } from 'telegram/events/Raw';
import { TelegramError } from 'telegraf';
import { eventually } from '../helpers/eventually';
import { rawBotCall } from './bot-helpers';
import { botChatOf, sandboxForSuite } from './bot-chats';

jest.setTimeout(60000);

async function telegramError(p: Promise<unknown>): Promise<TelegramError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TelegramError) return e;
    throw e;
  }
  throw new Error('expected a Telegram error');
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
