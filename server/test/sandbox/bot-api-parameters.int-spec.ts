import { startSandbox, type SandboxHandle } from '../../src/sandbox';
import { eventually } from '../helpers/eventually';
import { addBotToChannel, control, newBot, newChannel, newUser, rawBotCall, telegramFor } from './bot-helpers';

/**
 * How the Bot API door reads parameters and words its refusals, as the official Bot API server
 * (tdlib/telegram-bot-api) does: integers are clamped rather than refused and junk counts as 0, booleans are
 * "true", "yes" or "1", and refusals read as that server words them.
 */
describe('sandbox Bot API: parameters read and refusals worded as the official server (raw HTTP and telegraf)', () => {
  let sandbox: SandboxHandle;

  beforeAll(async () => {
    sandbox = await startSandbox({ httpPort: 0, mtprotoPort: 0 });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const refused = (status: number, description: string) => ({
    status,
    body: { ok: false, error_code: status, description },
  });

  /** A bot a user has written `count` messages to (so it has updates waiting and may write back). */
  async function botWithUpdates(count: number) {
    const user = await newUser(sandbox, 'Paula');
    const bot = await newBot(sandbox);
    for (let i = 1; i <= count; i += 1) {
      await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: `m${i}` });
    }
    return { user, bot };
  }

  describe('getUpdates', () => {
    it('reads a junk timeout as 0 and a junk limit by its leading digits', async () => {
      const { bot } = await botWithUpdates(3);
      const res = await rawBotCall(sandbox, bot.token, 'getUpdates', { timeout: 'soon', limit: '2 please' });
      expect(res.status).toBe(200);
      expect(res.body.result.map((u: any) => u.message.text)).toEqual(['m1', 'm2']);
      // A junk timeout with nothing waiting answers at once with nothing, as a timeout of 0 does.
      const offset = (res.body.result[1].update_id as number) + 2;
      expect(await rawBotCall(sandbox, bot.token, 'getUpdates', { offset, timeout: 'abc' })).toEqual({
        status: 200,
        body: { ok: true, result: [] },
      });
    });
  });

  describe('setWebhook', () => {
    it('clamps max_connections to 1-100 instead of refusing it', async () => {
      const bot = await newBot(sandbox);
      const tg = telegramFor(sandbox, bot.token);
      expect(
        await rawBotCall(sandbox, bot.token, 'setWebhook', { url: 'http://127.0.0.1:9/hook', max_connections: 1000 }),
      ).toEqual({ status: 200, body: { ok: true, result: true, description: 'Webhook was set' } });
      expect((await tg.getWebhookInfo()).max_connections).toBe(100);
      await rawBotCall(sandbox, bot.token, 'setWebhook', { url: 'http://127.0.0.1:9/hook', max_connections: 0 });
      expect((await tg.getWebhookInfo()).max_connections).toBe(1);
    });

    it('answers "Webhook was set" when only max_connections changes', async () => {
      const bot = await newBot(sandbox);
      const url = 'http://127.0.0.1:9/hook';
      await rawBotCall(sandbox, bot.token, 'setWebhook', { url, max_connections: 10 });
      expect((await rawBotCall(sandbox, bot.token, 'setWebhook', { url, max_connections: 10 })).body.description).toBe(
        'Webhook is already set',
      );
      expect((await rawBotCall(sandbox, bot.token, 'setWebhook', { url, max_connections: 20 })).body.description).toBe(
        'Webhook was set',
      );
    });

    it('words a secret token that is too long, and does not read one when the webhook is removed', async () => {
      const bot = await newBot(sandbox);
      expect(
        await rawBotCall(sandbox, bot.token, 'setWebhook', {
          url: 'http://127.0.0.1:9/hook',
          secret_token: 'a'.repeat(257),
        }),
      ).toEqual(refused(400, 'Bad Request: secret token is too long'));
      expect(await rawBotCall(sandbox, bot.token, 'setWebhook', { url: '', secret_token: 'no spaces!' })).toEqual({
        status: 200,
        body: { ok: true, result: true, description: 'Webhook is already deleted' },
      });
    });

    it('reads a URL without a scheme as an HTTPS one', async () => {
      const bot = await newBot(sandbox);
      expect(await rawBotCall(sandbox, bot.token, 'setWebhook', { url: 'example.com/hook' })).toEqual({
        status: 200,
        body: { ok: true, result: true, description: 'Webhook was set' },
      });
      expect((await telegramFor(sandbox, bot.token).getWebhookInfo()).url).toBe('example.com/hook');
      expect(await rawBotCall(sandbox, bot.token, 'setWebhook', { url: 'nowhere' })).toEqual(
        refused(400, 'Bad Request: bad webhook: Failed to resolve host: Name or service not known'),
      );
    });

    it('refuses a URL of another scheme as an invalid webhook URL', async () => {
      const bot = await newBot(sandbox);
      expect(await rawBotCall(sandbox, bot.token, 'setWebhook', { url: 'ftp://127.0.0.1/hook' })).toEqual(
        refused(400, 'Bad Request: invalid webhook URL specified'),
      );
    });
  });

  describe('a parameter given twice', () => {
    it('takes the first value: the query string before the body, the first of a repeated name', async () => {
      const { user, bot } = await botWithUpdates(1);
      const res = await fetch(`${sandbox.httpUrl}/bot${bot.token}/sendMessage?text=from%20the%20query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: user.id, text: 'from the body' }),
      });
      expect(((await res.json()) as any).result.text).toBe('from the query');
      const form = await fetch(`${sandbox.httpUrl}/bot${bot.token}/sendMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `chat_id=${user.id}&text=first&text=second`,
      });
      expect(((await form.json()) as any).result.text).toBe('first');
    });
  });

  describe('allowed_updates', () => {
    it('ignores a value that is no JSON array of names, and reads names in any case', async () => {
      const bot = await newBot(sandbox);
      expect(await rawBotCall(sandbox, bot.token, 'getUpdates', { allowed_updates: 'not json' })).toEqual({
        status: 200,
        body: { ok: true, result: [] },
      });
      await rawBotCall(sandbox, bot.token, 'setWebhook', {
        url: 'http://127.0.0.1:9/hook',
        allowed_updates: ['CHAT_MEMBER', 'Message'],
      });
      const tg = telegramFor(sandbox, bot.token);
      expect((await tg.getWebhookInfo()).allowed_updates).toEqual(['chat_member', 'message']);
      // A list with an item that is not a name is ignored: the list given before stays.
      await rawBotCall(sandbox, bot.token, 'setWebhook', { url: 'http://127.0.0.1:9/hook', allowed_updates: [1] });
      expect((await tg.getWebhookInfo()).allowed_updates).toEqual(['chat_member', 'message']);
    });
  });

  describe('booleans', () => {
    it('reads "yes" as true and "on" as false, as the official server does', async () => {
      const { bot } = await botWithUpdates(2);
      await rawBotCall(sandbox, bot.token, 'deleteWebhook', { drop_pending_updates: 'on' });
      expect((await rawBotCall(sandbox, bot.token, 'getUpdates', {})).body.result).toHaveLength(2);
      await rawBotCall(sandbox, bot.token, 'deleteWebhook', { drop_pending_updates: ' YES ' });
      expect((await rawBotCall(sandbox, bot.token, 'getUpdates', {})).body.result).toHaveLength(0);
    });
  });

  describe('refusals', () => {
    it('answers an unknown method "Not Found: method not found"', async () => {
      const bot = await newBot(sandbox);
      expect(await rawBotCall(sandbox, bot.token, 'noSuchMethod')).toEqual(refused(404, 'Not Found: method not found'));
    });

    it('answers a token that cannot be a bot\'s "Unauthorized: invalid token specified"', async () => {
      expect(await rawBotCall(sandbox, 'not-a-token', 'getMe')).toEqual(
        refused(401, 'Unauthorized: invalid token specified'),
      );
      expect(await rawBotCall(sandbox, '0123:abc', 'getMe')).toEqual(
        refused(401, 'Unauthorized: invalid token specified'),
      );
    });

    it('names a missing required parameter as the official server does', async () => {
      const { user, bot } = await botWithUpdates(1);
      expect(await rawBotCall(sandbox, bot.token, 'forwardMessage', { chat_id: user.id, message_id: 1 })).toEqual(
        refused(400, 'Bad Request: parameter "from_chat_id" is required'),
      );
      expect(await rawBotCall(sandbox, bot.token, 'copyMessages', { chat_id: user.id, message_ids: [1] })).toEqual(
        refused(400, 'Bad Request: parameter "from_chat_id" is required'),
      );
    });

    it('lowercases the first letter of a refusal, as in "there is no photo in the request", before the chat', async () => {
      const bot = await newBot(sandbox);
      // No chat either: the file is looked at first.
      expect(await rawBotCall(sandbox, bot.token, 'sendPhoto', {})).toEqual(
        refused(400, 'Bad Request: there is no photo in the request'),
      );
      expect(await rawBotCall(sandbox, bot.token, 'sendDocument', { document: 'attach://nothing' })).toEqual(
        refused(400, 'Bad Request: there is no document in the request'),
      );
    });

    it('words a text over 32 KB as "text is too long", its first letter lowercased', async () => {
      const { user, bot } = await botWithUpdates(1);
      expect(
        await rawBotCall(sandbox, bot.token, 'sendMessage', { chat_id: user.id, text: 'x'.repeat(33_000) }),
      ).toEqual(refused(400, 'Bad Request: text is too long'));
    });

    it('takes parse_mode "None" as no parse mode', async () => {
      const { user, bot } = await botWithUpdates(1);
      const res = await telegramFor(sandbox, bot.token).sendMessage(user.id, '<b>as is</b>', {
        parse_mode: 'None' as 'HTML',
      });
      expect(res.text).toBe('<b>as is</b>');
    });

    it('reads the media of an album before it looks at the chat', async () => {
      const bot = await newBot(sandbox);
      expect(await rawBotCall(sandbox, bot.token, 'sendMediaGroup', {})).toEqual(
        refused(400, 'Bad Request: parameter "media" is required'),
      );
      expect(await rawBotCall(sandbox, bot.token, 'sendMediaGroup', { media: '[1,' })).toEqual(
        refused(400, "Bad Request: can't parse media JSON object"),
      );
    });

    it('refuses an empty text before it looks at the chat', async () => {
      const bot = await newBot(sandbox);
      expect(await rawBotCall(sandbox, bot.token, 'sendMessage', { chat_id: 777 })).toEqual(
        refused(400, 'Bad Request: message text is empty'),
      );
    });

    it('words the missing chat and message of deleteMessage as the official server does', async () => {
      const { user, bot } = await botWithUpdates(1);
      expect(await rawBotCall(sandbox, bot.token, 'deleteMessage', { message_id: 1 })).toEqual(
        refused(400, 'Bad Request: chat identifier is not specified'),
      );
      expect(await rawBotCall(sandbox, bot.token, 'deleteMessage', { chat_id: user.id, message_id: 'x' })).toEqual(
        refused(400, 'Bad Request: message identifier is not specified'),
      );
    });

    it('reads an edit with a chat and no message as a message not found, and with neither as no identifier', async () => {
      const { user, bot } = await botWithUpdates(1);
      expect(await rawBotCall(sandbox, bot.token, 'editMessageText', { chat_id: user.id, text: 'new' })).toEqual(
        refused(400, 'Bad Request: message to edit not found'),
      );
      expect(await rawBotCall(sandbox, bot.token, 'editMessageReplyMarkup', {})).toEqual(
        refused(400, 'Bad Request: message identifier is not specified'),
      );
    });

    it('reads an absent or junk message_id of a forward or copy as a message not found', async () => {
      const { user, bot } = await botWithUpdates(1);
      expect(
        await rawBotCall(sandbox, bot.token, 'forwardMessage', { chat_id: user.id, from_chat_id: user.id }),
      ).toEqual(refused(400, 'Bad Request: message to forward not found'));
      expect(
        await rawBotCall(sandbox, bot.token, 'copyMessage', {
          chat_id: user.id,
          from_chat_id: user.id,
          message_id: 'x',
        }),
      ).toEqual(refused(400, 'Bad Request: message to copy not found'));
    });

    it('sends a reply to a junk reply_to_message_id as a plain message', async () => {
      const { user, bot } = await botWithUpdates(1);
      const res = await rawBotCall(sandbox, bot.token, 'sendMessage', {
        chat_id: user.id,
        text: 'plain',
        reply_to_message_id: 'none',
      });
      expect(res.status).toBe(200);
      expect(res.body.result.reply_to_message).toBeUndefined();
    });

    it('refuses a user_id that is not a positive number before the chat, as "invalid user_id specified"', async () => {
      const bot = await newBot(sandbox);
      expect(await rawBotCall(sandbox, bot.token, 'getChatMember', { chat_id: -1009999999999, user_id: 'me' })).toEqual(
        refused(400, 'Bad Request: invalid user_id specified'),
      );
    });

    it('refuses a chat action the Bot API does not know, and takes one in any case', async () => {
      const { user, bot } = await botWithUpdates(1);
      expect(await rawBotCall(sandbox, bot.token, 'sendChatAction', { chat_id: user.id, action: 'dancing' })).toEqual(
        refused(400, 'Bad Request: wrong parameter action in request'),
      );
      expect(await rawBotCall(sandbox, bot.token, 'sendChatAction', { chat_id: user.id, action: 'TYPING' })).toEqual({
        status: 200,
        body: { ok: true, result: true },
      });
    });

    it('refuses commands that are not a list or not BotCommands in the official words, and takes none as a clearing', async () => {
      const bot = await newBot(sandbox);
      const tg = telegramFor(sandbox, bot.token);
      expect(await rawBotCall(sandbox, bot.token, 'setMyCommands', { commands: { command: 'a' } })).toEqual(
        refused(400, 'Bad Request: expected an Array of BotCommand'),
      );
      expect(await rawBotCall(sandbox, bot.token, 'setMyCommands', { commands: [{ command: 'start' }] })).toEqual(
        refused(400, 'Bad Request: can\'t parse BotCommand: Can\'t find field "description"'),
      );
      await tg.setMyCommands([{ command: 'start', description: 'Start' }]);
      expect(await rawBotCall(sandbox, bot.token, 'setMyCommands', {})).toEqual({
        status: 200,
        body: { ok: true, result: true },
      });
      expect(await tg.getMyCommands()).toEqual([]);
    });
  });

  describe('answerCallbackQuery', () => {
    it('clamps a negative cache_time to 0, and words an empty query id as an expired one', async () => {
      const user = await newUser(sandbox, 'Cleo');
      const bot = await newBot(sandbox);
      await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/messages`, { from_phone: user.phone, text: '/start' });
      const asked = await telegramFor(sandbox, bot.token).sendMessage(user.id, 'Ready?', {
        reply_markup: { inline_keyboard: [[{ text: 'Yes', callback_data: 'yes' }]] },
      });
      const press = await control(sandbox, 'POST', `/sandbox/bots/${bot.id}/callback`, {
        from_phone: user.phone,
        message_id: asked.message_id,
        callback_data: 'yes',
      });
      const queryId = press.body.callback_query_id as string;
      expect(
        await rawBotCall(sandbox, bot.token, 'answerCallbackQuery', { callback_query_id: queryId, cache_time: -5 }),
      ).toEqual({ status: 200, body: { ok: true, result: true } });
      const seen = await eventually(async () => {
        const q = await control(sandbox, 'GET', `/sandbox/bots/${bot.id}/callbacks/${queryId}`);
        return q.body.answered ? q.body : undefined;
      });
      expect(seen.answer).toMatchObject({ cache_time: 0 });
      expect(await rawBotCall(sandbox, bot.token, 'answerCallbackQuery', {})).toEqual(
        refused(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid'),
      );
    });
  });

  describe('pinChatMessage', () => {
    it('reads an absent message_id as a message not found', async () => {
      const owner = await newUser(sandbox, 'Olga');
      const bot = await newBot(sandbox);
      const channel = await newChannel(sandbox, owner.phone);
      await addBotToChannel(sandbox, channel.id, bot.id);
      expect(await rawBotCall(sandbox, bot.token, 'pinChatMessage', { chat_id: channel.id })).toEqual(
        refused(400, 'Bad Request: message to pin not found'),
      );
    });
  });
});
