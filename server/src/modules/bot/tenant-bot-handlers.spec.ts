import { loadConfig } from '../../config/app-config';
import { type BotUpdate, membershipOf, TelegramBotApi } from './telegram-bot-api';
import { type BotMemberUpdate, TenantBotHandlers } from './tenant-bot-handlers';

const BOT_ID = 7000000001;

/** A my_chat_member update about the bot in a chat of this type, with the given new standing. */
function memberUpdate(chatType: 'channel' | 'supergroup' | 'private', member: Record<string, unknown>): BotUpdate {
  const chat =
    chatType === 'private'
      ? { id: 42, type: 'private', first_name: 'Ann' }
      : { id: -100123, type: chatType, title: 'News' };
  const bot = { id: BOT_ID, is_bot: true, first_name: 'Poster', username: 'poster_bot' };
  return {
    update_id: 1,
    my_chat_member: {
      chat,
      from: { id: 42, is_bot: false, first_name: 'Ann' },
      date: 1,
      old_chat_member: { status: 'left', user: bot },
      new_chat_member: { user: bot, ...member },
    },
  } as unknown as BotUpdate;
}

describe('Tenant bot member updates', () => {
  const api = new TelegramBotApi(loadConfig({ NODE_ENV: 'test', TELEGRAM_MODE: 'real' }));
  afterAll(() => api.onModuleDestroy());

  function botWith(handlers: TenantBotHandlers) {
    const bot = api.createBot(`${BOT_ID}:${'A'.repeat(35)}`, {
      id: BOT_ID,
      is_bot: true,
      first_name: 'Poster',
      username: 'poster_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    });
    handlers.install(bot, 'tenant-1');
    return bot;
  }

  it('hands the new standing to every registered listener, read for the chat type', async () => {
    const handlers = new TenantBotHandlers();
    const seen: [string, BotMemberUpdate][] = [];
    handlers.onMemberUpdate((tenantId, update) => {
      seen.push([tenantId, update]);
      return Promise.resolve();
    });
    const bot = botWith(handlers);
    await bot.handleUpdate(memberUpdate('channel', { status: 'administrator', can_post_messages: false }));
    await bot.handleUpdate(memberUpdate('supergroup', { status: 'member' }));
    expect(seen).toEqual([
      ['tenant-1', { chatId: -100123, membership: { status: 'administrator', admin: true, canPost: false } }],
      ['tenant-1', { chatId: -100123, membership: { status: 'member', admin: false, canPost: true } }],
    ]);
  });

  it('ignores private chats', async () => {
    const handlers = new TenantBotHandlers();
    const listener = jest.fn(() => Promise.resolve());
    handlers.onMemberUpdate(listener);
    await botWith(handlers).handleUpdate(memberUpdate('private', { status: 'kicked' }));
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('Bot membership', () => {
  const user = { id: BOT_ID, is_bot: true, first_name: 'Poster' };
  it('needs admin rights with "Post messages" to post in a channel, membership in a group', () => {
    expect(membershipOf({ status: 'creator', user, is_anonymous: false }, true)).toEqual({
      status: 'creator',
      admin: true,
      canPost: true,
    });
    const admin = { status: 'administrator', user, can_post_messages: true } as Parameters<typeof membershipOf>[0];
    expect(membershipOf(admin, true).canPost).toBe(true);
    expect(membershipOf({ status: 'member', user }, true)).toEqual({ status: 'member', admin: false, canPost: false });
    expect(membershipOf({ status: 'member', user }, false)).toEqual({ status: 'member', admin: false, canPost: true });
    expect(membershipOf({ status: 'left', user }, false)).toEqual({ status: 'left', admin: false, canPost: false });
  });
});
