import {
  commandsKey,
  isLoggedOut,
  LOGGED_OUT_MS,
  logOutBot,
  menuButtonOf,
  privateChatCommands,
  profileText,
  setBotCommands,
  setMenuButton,
  setProfileText,
} from './bot-profile';
import { SandboxWorld } from './world';

describe("a bot's profile (bot-profile.ts)", () => {
  const setup = () => {
    let machine = 1_700_000_000_000;
    const world = new SandboxWorld({ clock: () => machine });
    const bot = world.createBot({ username: 'profile_unit_bot', firstName: 'Unit' });
    return { world, bot, tick: (ms: number) => (machine += ms) };
  };

  it("gives a language its own text, else the text for everybody; the name for everybody is the bot's first name", () => {
    const { world, bot } = setup();
    expect(profileText(world, bot, 'name', 'de')).toBe('Unit');
    setProfileText(world, bot, 'name', 'de', 'Einheit');
    setProfileText(world, bot, 'description', 'de', 'Beschreibung');
    expect(profileText(world, bot, 'name', 'de')).toBe('Einheit');
    expect(profileText(world, bot, 'name')).toBe('Unit');
    expect(profileText(world, bot, 'description', 'fr')).toBe('');
    setProfileText(world, bot, 'description', '', 'Description');
    expect(profileText(world, bot, 'description', 'fr')).toBe('Description');
    expect(profileText(world, bot, 'description', 'de')).toBe('Beschreibung');
    setProfileText(world, bot, 'name', '', 'Renamed');
    expect(world.findBotById(bot.id)?.firstName).toBe('Renamed');
    setProfileText(world, bot, 'description', 'de', '');
    expect(profileText(world, bot, 'description', 'de')).toBe('Description');
  });

  it('raises the info version at every change, so apps fetch the profile again', () => {
    const { world, bot } = setup();
    expect(bot.infoVersion).toBeUndefined();
    setProfileText(world, bot, 'shortDescription', '', 'About');
    setMenuButton(world, bot, undefined, { type: 'commands' });
    setBotCommands(world, bot, commandsKey({ type: 'default' }, ''), [{ command: 'a', description: 'A' }]);
    expect(bot.infoVersion).toBe(4);
  });

  it("picks a private chat's commands from its own scope, then all private chats, then the default, for no language", () => {
    const { world, bot } = setup();
    const list = (command: string) => [{ command, description: command }];
    expect(privateChatCommands(world, bot.id, 7)).toEqual([]);
    setBotCommands(world, bot, commandsKey({ type: 'default' }, ''), list('default'));
    setBotCommands(world, bot, commandsKey({ type: 'default' }, 'en'), list('english'));
    setBotCommands(world, bot, commandsKey({ type: 'all_group_chats' }, ''), list('groups'));
    expect(privateChatCommands(world, bot.id, 7)).toEqual(list('default'));
    setBotCommands(world, bot, commandsKey({ type: 'all_private_chats' }, ''), list('private'));
    expect(privateChatCommands(world, bot.id, 7)).toEqual(list('private'));
    // The chat given as its digits is the same chat.
    setBotCommands(world, bot, commandsKey({ type: 'chat', chat_id: '7' }, ''), list('seven'));
    expect(privateChatCommands(world, bot.id, 7)).toEqual(list('seven'));
    expect(privateChatCommands(world, bot.id, 8)).toEqual(list('private'));
    setBotCommands(world, bot, commandsKey({ type: 'chat', chat_id: 7 }, ''), []);
    expect(privateChatCommands(world, bot.id, 7)).toEqual(list('private'));
  });

  it("shows a chat its own menu button, else the bot's default, else Telegram's default", () => {
    const { world, bot } = setup();
    expect(menuButtonOf(world, bot.id, 7)).toEqual({ type: 'default' });
    setMenuButton(world, bot, undefined, { type: 'commands' });
    expect(menuButtonOf(world, bot.id, 7)).toEqual({ type: 'commands' });
    setMenuButton(world, bot, 7, { type: 'web_app', text: 'Go', url: 'https://a.example' });
    expect(menuButtonOf(world, bot.id, 7)).toEqual({ type: 'web_app', text: 'Go', url: 'https://a.example' });
    expect(menuButtonOf(world, bot.id)).toEqual({ type: 'commands' });
    setMenuButton(world, bot, 7, { type: 'default' });
    expect(menuButtonOf(world, bot.id, 7)).toEqual({ type: 'commands' });
  });

  it("keeps a bot logged out for ten minutes of the world's clock, then forgets it", () => {
    const { world, bot, tick } = setup();
    expect(isLoggedOut(world, bot.id)).toBe(false);
    logOutBot(world, bot.id);
    tick(LOGGED_OUT_MS - 1);
    expect(isLoggedOut(world, bot.id)).toBe(true);
    tick(1);
    expect(isLoggedOut(world, bot.id)).toBe(false);
    expect(world.botProfiles[String(bot.id)]?.loggedOutUntilMs).toBeUndefined();
  });

  it('forgets every profile when the world is reset', () => {
    const { world, bot } = setup();
    setProfileText(world, bot, 'description', '', 'Gone soon');
    world.reset();
    expect(world.botProfiles).toEqual({});
  });
});
