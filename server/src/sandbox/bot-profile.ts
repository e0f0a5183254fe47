import type { BotCommandEntry, BotMenuButton, BotProfile, SandboxBot, SandboxWorld } from './world';

/**
 * A bot's own profile and settings, as both doors see them: its name, description and short description per
 * language, its command lists, its menu button per private chat, the administrator rights it asks for. The Bot API
 * sets them (setMyName, setMyDescription, setChatMenuButton...); a user's app reads them in the bot's profile
 * (`users.getFullUser`: `bot_info`, `about`).
 */

/** The profile texts a bot sets per language, with Telegram's longest length of each. */
export const PROFILE_TEXT_LIMITS = { name: 64, description: 512, shortDescription: 120 } as const;
export type ProfileText = keyof typeof PROFILE_TEXT_LIMITS;

const TEXT_FIELDS = { name: 'names', description: 'descriptions', shortDescription: 'shortDescriptions' } as const;

/** The profile of a bot, made empty on first use. */
export function botProfile(world: SandboxWorld, botId: number): BotProfile {
  const key = String(botId);
  let profile = world.botProfiles[key];
  if (!profile) {
    profile = { names: {}, descriptions: {}, shortDescriptions: {}, commands: {}, menuButtons: {}, defaultRights: {} };
    world.botProfiles[key] = profile;
  }
  return profile;
}

/** Apps fetch a bot's profile again when its version moves on (`user.bot_info_version`). */
export function profileChanged(bot: SandboxBot): void {
  bot.infoVersion = (bot.infoVersion ?? 1) + 1;
}

/**
 * Sets a profile text for one language; an empty text removes that language's own text. The name for no language is
 * the bot's first name, which everybody sees (it is never empty: the caller refuses that).
 */
export function setProfileText(
  world: SandboxWorld,
  bot: SandboxBot,
  kind: ProfileText,
  languageCode: string,
  text: string,
): void {
  if (kind === 'name' && languageCode === '') {
    bot.firstName = text;
  } else {
    const texts = botProfile(world, bot.id)[TEXT_FIELDS[kind]];
    if (text === '') delete texts[languageCode];
    else texts[languageCode] = text;
  }
  profileChanged(bot);
}

/** A profile text as a user of that language sees it: the language's own text, else the one for everybody. */
export function profileText(world: SandboxWorld, bot: SandboxBot, kind: ProfileText, languageCode = ''): string {
  const texts = world.botProfiles[String(bot.id)]?.[TEXT_FIELDS[kind]] ?? {};
  const own = languageCode === '' ? undefined : texts[languageCode];
  if (own !== undefined) return own;
  return kind === 'name' ? bot.firstName : (texts[''] ?? '');
}

// ---- commands ----

/**
 * The key of one command list: its scope (type, then chat and user where the scope names them) and language code,
 * so the same scope written with its fields in another order is the same list.
 */
export function commandsKey(
  scope: { type: string; chat_id?: unknown; user_id?: unknown },
  languageCode: string,
): string {
  const parts = [scope.type];
  if (scope.chat_id !== undefined) parts.push(idKey(scope.chat_id));
  if (scope.user_id !== undefined) parts.push(idKey(scope.user_id));
  return `${parts.join(':')}|${languageCode}`;
}

/** An id as a key: a number and its digits as text (a chat may also be '@username') are the same id. */
function idKey(id: unknown): string {
  return JSON.stringify(id).replace(/^"(-?\d+)"$/, '$1');
}

export function botCommands(world: SandboxWorld, botId: number, key: string): BotCommandEntry[] | undefined {
  return world.botProfiles[String(botId)]?.commands[key];
}

/** Sets (or, with an empty list, removes) one command list. */
export function setBotCommands(world: SandboxWorld, bot: SandboxBot, key: string, list: BotCommandEntry[]): void {
  const { commands } = botProfile(world, bot.id);
  if (list.length === 0) delete commands[key];
  else commands[key] = list;
  profileChanged(bot);
}

/**
 * The commands a user sees in their private chat with the bot, by Telegram's order of scopes: that chat, all private
 * chats, then the default scope; within each, the list for the user's language before the one for everybody (the
 * first that has a list wins).
 */
export function privateChatCommands(
  world: SandboxWorld,
  botId: number,
  userId: number,
  languageCode = '',
): BotCommandEntry[] {
  const scopes = [{ type: 'chat', chat_id: userId }, { type: 'all_private_chats' }, { type: 'default' }];
  const languages = languageCode === '' ? [''] : [languageCode, ''];
  for (const scope of scopes) {
    for (const language of languages) {
      const list = botCommands(world, botId, commandsKey(scope, language));
      if (list) return list;
    }
  }
  return [];
}

// ---- menu button ----

const DEFAULT_MENU_KEY = '0';

/** Sets the menu button of one private chat, or (no user) the bot's default for every chat. */
export function setMenuButton(
  world: SandboxWorld,
  bot: SandboxBot,
  userId: number | undefined,
  button: BotMenuButton,
): void {
  const { menuButtons } = botProfile(world, bot.id);
  const key = userId === undefined ? DEFAULT_MENU_KEY : String(userId);
  // A chat's "default" button is no button of its own: the chat shows the bot's default again.
  if (button.type === 'default') delete menuButtons[key];
  else menuButtons[key] = button;
  profileChanged(bot);
}

/** The menu button a private chat shows (its own, else the bot's default), or the bot's default (no user). */
export function menuButtonOf(world: SandboxWorld, botId: number, userId?: number): BotMenuButton {
  const menuButtons = world.botProfiles[String(botId)]?.menuButtons ?? {};
  const own = userId === undefined ? undefined : menuButtons[String(userId)];
  return own ?? menuButtons[DEFAULT_MENU_KEY] ?? { type: 'default' };
}

// ---- default administrator rights ----

export function setDefaultAdminRights(
  world: SandboxWorld,
  botId: number,
  forChannels: boolean,
  rights: Record<string, boolean> | undefined,
): void {
  const { defaultRights } = botProfile(world, botId);
  if (forChannels) defaultRights.channels = rights;
  else defaultRights.groups = rights;
}

export function defaultAdminRights(
  world: SandboxWorld,
  botId: number,
  forChannels: boolean,
): Record<string, boolean> | undefined {
  const rights = world.botProfiles[String(botId)]?.defaultRights;
  return forChannels ? rights?.channels : rights?.groups;
}

// ---- logging out ----

/** How long Telegram keeps a bot that logged out of its Bot API server from logging back in. */
export const LOGGED_OUT_MS = 10 * 60 * 1000;

export function logOutBot(world: SandboxWorld, botId: number): void {
  botProfile(world, botId).loggedOutUntilMs = world.now() + LOGGED_OUT_MS;
}

/** Whether the bot is logged out of the Bot API at the world's time. */
export function isLoggedOut(world: SandboxWorld, botId: number): boolean {
  const profile = world.botProfiles[String(botId)];
  if (profile?.loggedOutUntilMs === undefined) return false;
  if (world.now() < profile.loggedOutUntilMs) return true;
  delete profile.loggedOutUntilMs;
  return false;
}
