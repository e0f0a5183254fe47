import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import { type BotChat, botChatOf, sandboxForSuite } from './bot-chats';
import { control, newBot, rawBotCall, telegramError, telegramFor } from './bot-helpers';
import { errorOf, newUser, signedInClient } from './mtproto-kit';

jest.setTimeout(60000);

type Json = Record<string, any>;

const refused = (description: string): Json => ({
  status: 400,
  body: { ok: false, error_code: 400, description },
});

/** The bot as the member's app sees it on its profile: the user and the full user. */
async function profileSeen(chat: BotChat): Promise<{ user: Api.User; full: Api.UserFull }> {
  const { userId, accessHash } = chat.peer as Api.InputPeerUser;
  const answer = await chat.app.invoke(new Api.users.GetFullUser({ id: new Api.InputUser({ userId, accessHash }) }));
  return { user: answer.users[0] as Api.User, full: answer.fullUser };
}

describe("sandbox: a bot's own profile and settings (real telegraf and gramjs)", () => {
  const suite = sandboxForSuite();
  const privateChat = (): Promise<BotChat> => botChatOf(suite.kit, 'private');

  describe('setMyName and getMyName', () => {
    it("renames the bot for getMe and for the member's app, and keeps a name per language", async () => {
      const chat = await privateChat();
      const versionBefore = (await profileSeen(chat)).user.botInfoVersion ?? 0;

      expect(await chat.tg.setMyName('  Helper  ')).toBe(true);
      expect((await chat.tg.getMe()).first_name).toBe('Helper');
      expect(await chat.tg.getMyName()).toEqual({ name: 'Helper' });

      expect(await chat.tg.setMyName('Помощник', 'ru')).toBe(true);
      expect(await chat.tg.getMyName('ru')).toEqual({ name: 'Помощник' });
      // A language with no name of its own gets the name for everybody.
      expect(await chat.tg.getMyName('de')).toEqual({ name: 'Helper' });
      expect((await chat.tg.getMe()).first_name).toBe('Helper');

      // An empty name removes the language's own.
      expect(await chat.tg.setMyName('', 'ru')).toBe(true);
      expect(await chat.tg.getMyName('ru')).toEqual({ name: 'Helper' });

      const { user } = await profileSeen(chat);
      expect(user.firstName).toBe('Helper');
      expect(user.bot).toBe(true);
      expect(user.botInfoVersion ?? 0).toBeGreaterThan(versionBefore);
      const resolved = await chat.app.invoke(new Api.contacts.ResolveUsername({ username: chat.bot.username }));
      expect((resolved.users[0] as Api.User).firstName).toBe('Helper');
    });

    it('refuses a name past 64 characters, an empty name for everybody and a language code that is not two letters', async () => {
      const bot = await newBot(suite.kit.sandbox);
      const call = (method: string, params: Json) => rawBotCall(suite.kit.sandbox, bot.token, method, params);
      expect(await call('setMyName', { name: 'n'.repeat(65) })).toEqual(refused('Bad Request: FIRSTNAME_INVALID'));
      expect(await call('setMyName', { name: '' })).toEqual(refused('Bad Request: FIRSTNAME_INVALID'));
      expect(await call('setMyName', { name: '   ' })).toEqual(refused('Bad Request: FIRSTNAME_INVALID'));
      for (const code of ['EN', 'eng', 'e', 'en-US', 'r1']) {
        expect(await call('setMyName', { name: 'Fine', language_code: code })).toEqual(
          refused('Bad Request: invalid language code specified'),
        );
        expect(await call('getMyName', { language_code: code })).toEqual(
          refused('Bad Request: invalid language code specified'),
        );
      }
      expect((await call('setMyName', { name: 'ñ'.repeat(64) })).body).toEqual({ ok: true, result: true });
      expect((await call('getMe', {})).body.result.first_name).toBe('ñ'.repeat(64));
    });
  });

  describe('setMyDescription and setMyShortDescription', () => {
    it('keeps each per language; the app reads the description in bot_info and the short one as about', async () => {
      const chat = await privateChat();
      expect(await chat.tg.getMyDescription()).toEqual({ description: '' });
      expect(await chat.tg.getMyShortDescription()).toEqual({ short_description: '' });
      expect((await profileSeen(chat)).full.about ?? undefined).toBeUndefined();

      expect(await chat.tg.setMyDescription('What this bot can do')).toBe(true);
      expect(await chat.tg.setMyDescription('Что умеет бот', 'ru')).toBe(true);
      expect(await chat.tg.setMyShortDescription('Helps with things')).toBe(true);

      expect(await chat.tg.getMyDescription()).toEqual({ description: 'What this bot can do' });
      expect(await chat.tg.getMyDescription('ru')).toEqual({ description: 'Что умеет бот' });
      expect(await chat.tg.getMyDescription('fr')).toEqual({ description: 'What this bot can do' });
      expect(await chat.tg.getMyShortDescription('ru')).toEqual({ short_description: 'Helps with things' });

      const { full } = await profileSeen(chat);
      expect(full.botInfo?.description).toBe('What this bot can do');
      expect(full.botInfo?.userId?.toString()).toBe(String(chat.bot.id));
      expect(full.about).toBe('Helps with things');

      // An empty text takes the description away.
      expect(await chat.tg.setMyDescription('')).toBe(true);
      expect(await chat.tg.getMyDescription()).toEqual({ description: '' });
      expect(await chat.tg.getMyDescription('ru')).toEqual({ description: 'Что умеет бот' });
      expect((await profileSeen(chat)).full.botInfo?.description ?? '').toBe('');
    });

    it('refuses a description past 512 characters and a short description past 120', async () => {
      const bot = await newBot(suite.kit.sandbox);
      const call = (method: string, params: Json) => rawBotCall(suite.kit.sandbox, bot.token, method, params);
      expect(await call('setMyDescription', { description: 'd'.repeat(513) })).toEqual(
        refused('Bad Request: BOT_DESCRIPTION_INVALID'),
      );
      expect(await call('setMyShortDescription', { short_description: 's'.repeat(121) })).toEqual(
        refused('Bad Request: ABOUT_TOO_LONG'),
      );
      expect(await call('setMyDescription', { description: 'x', language_code: 'english' })).toEqual(
        refused('Bad Request: invalid language code specified'),
      );
      expect(await call('getMyShortDescription', { language_code: 'Ru' })).toEqual(
        refused('Bad Request: invalid language code specified'),
      );
      expect((await call('setMyDescription', { description: 'd'.repeat(512) })).body.result).toBe(true);
      expect((await call('setMyShortDescription', { short_description: 's'.repeat(120) })).body.result).toBe(true);
      expect((await call('getMyDescription', {})).body.result).toEqual({ description: 'd'.repeat(512) });
      expect((await call('getMyShortDescription', {})).body.result).toEqual({ short_description: 's'.repeat(120) });
    });
  });

  it("bots.getBotInfo: the bot's owner reads its name, about and description for a language; no one else may", async () => {
    const owner = await newUser(suite.kit, { firstName: 'Owner' });
    const bot = await newBot(suite.kit.sandbox, owner.phone);
    const tg = telegramFor(suite.kit.sandbox, bot.token);
    await tg.setMyName('Shop');
    await tg.setMyName('Магазин', 'ru');
    await tg.setMyDescription('Buy things');
    await tg.setMyShortDescription('A shop');
    await tg.setMyShortDescription('Магазин вещей', 'ru');

    const app = await signedInClient(suite.kit, owner);
    const botUser = (await app.invoke(new Api.contacts.ResolveUsername({ username: bot.username })))
      .users[0] as Api.User;
    const input = new Api.InputUser({ userId: botUser.id, accessHash: botUser.accessHash ?? returnBigInt(0) });
    const info = (lang: string) => app.invoke(new Api.bots.GetBotInfo({ bot: input, langCode: lang }));
    expect(await info('ru')).toMatchObject({ name: 'Магазин', about: 'Магазин вещей', description: 'Buy things' });
    expect(await info('')).toMatchObject({ name: 'Shop', about: 'A shop', description: 'Buy things' });

    const stranger = await signedInClient(suite.kit, await newUser(suite.kit));
    const seen = (await stranger.invoke(new Api.contacts.ResolveUsername({ username: bot.username })))
      .users[0] as Api.User;
    const theirs = new Api.InputUser({ userId: seen.id, accessHash: seen.accessHash ?? returnBigInt(0) });
    expect(await errorOf(stranger.invoke(new Api.bots.GetBotInfo({ bot: theirs, langCode: '' })))).toBe('BOT_INVALID');
    expect(await errorOf(app.invoke(new Api.bots.GetBotInfo({ bot: new Api.InputUserSelf(), langCode: '' })))).toBe(
      'BOT_INVALID',
    );
    expect(await errorOf(app.invoke(new Api.bots.GetBotInfo({ langCode: '' })))).toBe('USER_BOT_REQUIRED');
  });

  it("shows the app the commands of its private chat in bot_info, by Telegram's order of scopes", async () => {
    const chat = await privateChat();
    expect((await profileSeen(chat)).full.botInfo?.commands ?? []).toEqual([]);

    await chat.tg.setMyCommands([{ command: 'start', description: 'Start over' }]);
    const seenCommands = async (): Promise<[string, string][]> =>
      ((await profileSeen(chat)).full.botInfo?.commands ?? []).map((c) => [c.command, c.description]);
    expect(await seenCommands()).toEqual([['start', 'Start over']]);

    await chat.tg.setMyCommands([{ command: 'help', description: 'Private help' }], {
      scope: { type: 'all_private_chats' },
    });
    expect(await seenCommands()).toEqual([['help', 'Private help']]);

    await chat.tg.setMyCommands([{ command: 'mine', description: 'Just for you' }], {
      scope: { type: 'chat', chat_id: chat.chatId },
    });
    expect(await seenCommands()).toEqual([['mine', 'Just for you']]);
    // The scope is one list whatever the order of its fields.
    const sameScope = await rawBotCall(suite.kit.sandbox, chat.bot.token, 'getMyCommands', {
      scope: JSON.stringify({ chat_id: chat.chatId, type: 'chat' }),
    });
    expect(sameScope.body.result).toEqual([{ command: 'mine', description: 'Just for you' }]);

    await chat.tg.deleteMyCommands({ scope: { type: 'chat', chat_id: chat.chatId } });
    expect(await seenCommands()).toEqual([['help', 'Private help']]);
    // Commands for a language are not what a user of no known language sees.
    await chat.tg.deleteMyCommands({ scope: { type: 'all_private_chats' } });
    await chat.tg.setMyCommands([{ command: 'hilfe', description: 'Hilfe' }], { language_code: 'de' });
    expect(await seenCommands()).toEqual([['start', 'Start over']]);
    expect(await chat.tg.getMyCommands({ language_code: 'de' })).toEqual([{ command: 'hilfe', description: 'Hilfe' }]);
  });

  describe('setChatMenuButton and getChatMenuButton', () => {
    it("sets the bot's default button and a chat's own; the app reads its chat's button in bot_info", async () => {
      const chat = await privateChat();
      const other = await newUser(suite.kit);
      expect(await chat.tg.getChatMenuButton()).toEqual({ type: 'default' });
      expect(await chat.tg.getChatMenuButton({ chatId: chat.chatId })).toEqual({ type: 'default' });
      expect((await profileSeen(chat)).full.botInfo?.menuButton).toBeInstanceOf(Api.BotMenuButtonDefault);

      const webApp = { type: 'web_app' as const, text: 'Open shop', web_app: { url: 'https://shop.example/app' } };
      expect(await chat.tg.setChatMenuButton({ menuButton: webApp })).toBe(true);
      expect(await chat.tg.setChatMenuButton({ chatId: chat.chatId, menuButton: { type: 'commands' } })).toBe(true);

      expect(await chat.tg.getChatMenuButton()).toEqual(webApp);
      expect(await chat.tg.getChatMenuButton({ chatId: chat.chatId })).toEqual({ type: 'commands' });
      // A chat with no button of its own shows the bot's default.
      expect(await chat.tg.getChatMenuButton({ chatId: other.id })).toEqual(webApp);
      expect((await profileSeen(chat)).full.botInfo?.menuButton).toBeInstanceOf(Api.BotMenuButtonCommands);

      // The chat's "default" button is no button of its own.
      expect(await chat.tg.setChatMenuButton({ chatId: chat.chatId, menuButton: { type: 'default' } })).toBe(true);
      expect(await chat.tg.getChatMenuButton({ chatId: chat.chatId })).toEqual(webApp);
      const seen = (await profileSeen(chat)).full.botInfo?.menuButton;
      expect(seen).toBeInstanceOf(Api.BotMenuButton);
      expect({ text: (seen as Api.BotMenuButton).text, url: (seen as Api.BotMenuButton).url }).toEqual({
        text: 'Open shop',
        url: 'https://shop.example/app',
      });

      // No menu_button at all is the default button.
      expect((await rawBotCall(suite.kit.sandbox, chat.bot.token, 'setChatMenuButton', {})).body.result).toBe(true);
      expect(await chat.tg.getChatMenuButton()).toEqual({ type: 'default' });
    });

    it('refuses a menu button that is not one, a Web App link that is not https, and a chat of no user', async () => {
      const bot = await newBot(suite.kit.sandbox);
      const call = (params: Json) => rawBotCall(suite.kit.sandbox, bot.token, 'setChatMenuButton', params);
      const button = (b: unknown) => call({ menu_button: JSON.stringify(b) });
      expect(await call({ menu_button: '{' })).toEqual(refused("Bad Request: can't parse menu button JSON object"));
      expect(await button([1])).toEqual(refused("Bad Request: can't parse menu button: MenuButton must be an Object"));
      expect(await button({})).toEqual(refused('Bad Request: can\'t parse menu button: Can\'t find field "type"'));
      expect(await button({ type: 'shop' })).toEqual(
        refused("Bad Request: can't parse menu button: MenuButton has unsupported type"),
      );
      expect(await button({ type: 'web_app', web_app: { url: 'https://a.example' } })).toEqual(
        refused('Bad Request: can\'t parse menu button: Can\'t find field "text"'),
      );
      expect(await button({ type: 'web_app', text: 'Go' })).toEqual(
        refused('Bad Request: can\'t parse menu button: Can\'t find field "web_app"'),
      );
      expect(await button({ type: 'web_app', text: 'Go', web_app: { url: 5 } })).toEqual(
        refused('Bad Request: can\'t parse menu button: Field "url" must be of type String'),
      );
      expect(await button({ type: 'web_app', text: '', web_app: { url: 'https://a.example' } })).toEqual(
        refused('Bad Request: menu button text must be non-empty'),
      );
      expect(await button({ type: 'web_app', text: 'Go', web_app: { url: 'http://a.example' } })).toEqual(
        refused('Bad Request: invalid menu button URL specified: Only HTTPS links are allowed'),
      );
      expect(await call({ chat_id: 0, menu_button: JSON.stringify({ type: 'commands' }) })).toEqual(
        refused('Bad Request: invalid chat_id specified'),
      );
      expect(await call({ chat_id: 987654321, menu_button: JSON.stringify({ type: 'commands' }) })).toEqual(
        refused('Bad Request: user not found'),
      );
      expect(await rawBotCall(suite.kit.sandbox, bot.token, 'getChatMenuButton', { chat_id: 987654321 })).toEqual(
        refused('Bad Request: user not found'),
      );
      // Nothing refused was kept.
      expect((await rawBotCall(suite.kit.sandbox, bot.token, 'getChatMenuButton', {})).body.result).toEqual({
        type: 'default',
      });
      // A link without a scheme is taken as https.
      expect((await button({ type: 'web_app', text: 'Go', web_app: { url: 'a.example/x' } })).body.result).toBe(true);
      expect((await rawBotCall(suite.kit.sandbox, bot.token, 'getChatMenuButton', {})).body.result).toEqual({
        type: 'web_app',
        text: 'Go',
        web_app: { url: 'https://a.example/x' },
      });
    });
  });

  describe('setMyDefaultAdministratorRights and getMyDefaultAdministratorRights', () => {
    it('keeps the rights for groups and for channels apart, each written with the fields of its kind of chat', async () => {
      const bot = await newBot(suite.kit.sandbox);
      const tg = telegramFor(suite.kit.sandbox, bot.token);
      const none = {
        can_manage_chat: false,
        can_change_info: false,
        can_delete_messages: false,
        can_invite_users: false,
        can_restrict_members: false,
        can_promote_members: false,
        can_manage_video_chats: false,
        can_post_stories: false,
        can_edit_stories: false,
        can_delete_stories: false,
        is_anonymous: false,
      };
      const noneInGroups = { ...none, can_pin_messages: false, can_manage_topics: false, can_manage_tags: false };
      const noneInChannels = {
        ...none,
        can_post_messages: false,
        can_edit_messages: false,
        can_manage_direct_messages: false,
      };
      expect(await tg.getMyDefaultAdministratorRights()).toEqual(noneInGroups);
      expect(await tg.getMyDefaultAdministratorRights({ forChannels: true })).toEqual(noneInChannels);

      const asked = {
        can_manage_chat: true,
        can_delete_messages: true,
        can_pin_messages: true,
        can_post_messages: true,
      };
      expect(await tg.setMyDefaultAdministratorRights({ rights: asked as never })).toBe(true);
      expect(
        await tg.setMyDefaultAdministratorRights({
          rights: { can_manage_chat: true, can_post_messages: true } as never,
          forChannels: true,
        }),
      ).toBe(true);
      expect(await tg.getMyDefaultAdministratorRights()).toEqual({
        ...noneInGroups,
        can_manage_chat: true,
        can_delete_messages: true,
        can_pin_messages: true,
      });
      expect(await tg.getMyDefaultAdministratorRights({ forChannels: true })).toEqual({
        ...noneInChannels,
        can_manage_chat: true,
        can_post_messages: true,
      });

      // No rights takes the group rights away; the channel rights stay.
      expect(await tg.setMyDefaultAdministratorRights()).toBe(true);
      expect(await tg.getMyDefaultAdministratorRights()).toEqual(noneInGroups);
      expect((await tg.getMyDefaultAdministratorRights({ forChannels: true })).can_post_messages).toBe(true);
    });

    it('refuses rights that are not a ChatAdministratorRights object', async () => {
      const bot = await newBot(suite.kit.sandbox);
      const call = (rights: string) =>
        rawBotCall(suite.kit.sandbox, bot.token, 'setMyDefaultAdministratorRights', { rights });
      expect(await call('{x')).toEqual(refused("Bad Request: can't parse ChatAdministratorRights JSON object"));
      expect(await call('[]')).toEqual(
        refused("Bad Request: can't parse ChatAdministratorRights: ChatAdministratorRights must be an Object"),
      );
      expect(await call('{"can_manage_chat":"yes"}')).toEqual(
        refused('Bad Request: can\'t parse ChatAdministratorRights: Field "can_manage_chat" must be of type Boolean'),
      );
    });
  });

  it('getUserProfilePhotos: a user of the world has no photos; a user the world lacks is not found', async () => {
    const chat = await privateChat();
    expect(await chat.tg.getUserProfilePhotos(chat.chatId)).toEqual({ total_count: 0, photos: [] });
    expect(await chat.tg.getUserProfilePhotos(chat.chatId, 5, 500)).toEqual({ total_count: 0, photos: [] });
    expect((await telegramError(chat.tg.getUserProfilePhotos(987654321))).description).toBe(
      'Bad Request: user not found',
    );
    expect(await rawBotCall(suite.kit.sandbox, chat.bot.token, 'getUserProfilePhotos', { user_id: 'x' })).toEqual(
      refused('Bad Request: invalid user_id specified'),
    );
  });
});

describe('sandbox: logOut and close of a bot on the Bot API (real telegraf)', () => {
  const suite = sandboxForSuite();
  const clock = (body: Json) => control(suite.kit.sandbox, 'POST', '/sandbox/clock', body);

  beforeAll(async () => {
    // The world's clock stands still, so the seconds the server counts are the ones the test moves.
    await clock({ frozen: true });
  });

  it("close: at once while the server is new; in an instance's first ten minutes after that, retry after", async () => {
    const bot = await newBot(suite.kit.sandbox);
    const tg = telegramFor(suite.kit.sandbox, bot.token);
    await tg.getMe();
    expect(await tg.close()).toBe(true);

    await clock({ advance_seconds: 700 });
    // The next call starts a new instance, eleven minutes and more after the server started.
    expect((await tg.getMe()).id).toBe(bot.id);
    const early = await telegramError(tg.close());
    expect({ code: early.code, description: early.description, parameters: early.parameters }).toEqual({
      code: 429,
      description: 'Too Many Requests: retry after 600',
      parameters: { retry_after: 600 },
    });
    await clock({ advance_seconds: 599 });
    expect((await telegramError(tg.close())).description).toBe('Too Many Requests: retry after 1');
    await clock({ advance_seconds: 1 });
    expect(await tg.close()).toBe(true);
    expect((await tg.getMe()).id).toBe(bot.id);
  });

  it('logOut: every call is refused "Logged out" for ten minutes; then the bot works with an empty queue', async () => {
    const user = await newUser(suite.kit);
    const bot = await newBot(suite.kit.sandbox);
    const other = await newBot(suite.kit.sandbox);
    const tg = telegramFor(suite.kit.sandbox, bot.token);
    const app = await signedInClient(suite.kit, user);
    await app.sendMessage(bot.username, { message: 'waiting for you' });
    expect((await rawBotCall(suite.kit.sandbox, bot.token, 'getWebhookInfo')).body.result.pending_update_count).toBe(1);

    expect(await tg.logOut()).toBe(true);
    const loggedOut = { status: 400, body: { ok: false, error_code: 400, description: 'Logged out' } };
    expect(await rawBotCall(suite.kit.sandbox, bot.token, 'getMe')).toEqual(loggedOut);
    expect(await rawBotCall(suite.kit.sandbox, bot.token, 'getUpdates')).toEqual(loggedOut);
    expect(await rawBotCall(suite.kit.sandbox, bot.token, 'noSuchMethod')).toEqual(loggedOut);
    expect(await rawBotCall(suite.kit.sandbox, bot.token, 'logOut')).toEqual(loggedOut);
    const refusedByTelegraf = await telegramError(tg.getMe());
    expect({ code: refusedByTelegraf.code, description: refusedByTelegraf.description }).toEqual({
      code: 400,
      description: 'Logged out',
    });
    // Other bots are not touched.
    expect((await rawBotCall(suite.kit.sandbox, other.token, 'getMe')).body.result.id).toBe(other.id);

    await clock({ advance_seconds: 599 });
    expect(await rawBotCall(suite.kit.sandbox, bot.token, 'getMe')).toEqual(loggedOut);
    await clock({ advance_seconds: 1 });
    expect((await tg.getMe()).id).toBe(bot.id);
    // The updates that waited were cleared when the bot logged out.
    expect(await tg.getUpdates(0, 100, 0, undefined)).toEqual([]);
  });
});
