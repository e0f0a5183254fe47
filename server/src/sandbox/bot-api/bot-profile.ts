import {
  defaultAdminRights,
  isLoggedOut,
  logOutBot,
  menuButtonOf,
  PROFILE_TEXT_LIMITS,
  type ProfileText,
  profileText,
  setDefaultAdminRights,
  setMenuButton,
  setProfileText,
} from '../bot-profile';
import type { BotMenuButton, SandboxWorld } from '../world';
import type { BotSession } from './bot-session';
import { BotApiError } from './bot-api-error';
import { type Method, type MethodContext, ok, parseJsonParam } from './bot-api-methods';
import type { Json } from './serializers';

/**
 * The bot's own profile and settings on the Bot API: its name, description and short description per language,
 * its menu button, the administrator rights it asks for, a user's profile photos, and logOut and close. Parameters
 * are read as the official Bot API server reads them, and refused in its words (or TDLib's, first letter lowercased);
 * what Telegram's own server refuses is marked where its wording is not published.
 */

/**
 * What Telegram's server answers for a text past its length, and for an empty name for no language. Its wording is
 * not in the official server or TDLib: these follow its error names for the same fields of a user's profile
 * (`account.updateProfile`: FIRSTNAME_INVALID, ABOUT_TOO_LONG) and are a guess for the description.
 */
const TEXT_REFUSALS: Record<ProfileText, string> = {
  name: 'FIRSTNAME_INVALID',
  description: 'BOT_DESCRIPTION_INVALID',
  shortDescription: 'ABOUT_TOO_LONG',
};

/** TDLib's check of a bot's language code (`validate_bot_language_code`): empty, or two lowercase Latin letters. */
function languageCode(ctx: MethodContext): string {
  const code = ctx.params.text('language_code');
  if (code !== '' && !/^[a-z]{2}$/.test(code)) throw BotApiError.badRequest('Invalid language code specified');
  return code;
}

function setText(kind: ProfileText, param: string): Method {
  return (ctx) => {
    const text = ctx.params.text(param);
    const language = languageCode(ctx);
    const tooLong = [...text].length > PROFILE_TEXT_LIMITS[kind];
    if (tooLong || (kind === 'name' && language === '' && text.trim() === '')) {
      throw BotApiError.badRequest(TEXT_REFUSALS[kind]);
    }
    setProfileText(ctx.world, ctx.session.bot, kind, language, kind === 'name' ? text.trim() : text);
    return ok(true);
  };
}

function getText(kind: ProfileText, field: string): Method {
  return (ctx) => ok({ [field]: profileText(ctx.world, ctx.session.bot, kind, languageCode(ctx)) });
}

// ---- menu button ----

/** The menu button's Web App link, checked as TDLib checks it; a link without a scheme is taken as https. */
function webAppUrl(raw: string): string {
  const invalid = (why: string): BotApiError => BotApiError.badRequest(`Invalid menu button URL specified: ${why}`);
  const url = /^[a-z][a-z0-9+.-]*:/i.test(raw) ? raw : `https://${raw}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The wording of TDLib's link check for a text that is no link is a guess.
    throw invalid('Wrong URL');
  }
  if (parsed.protocol !== 'https:') throw invalid('Only HTTPS links are allowed');
  if (parsed.hostname === '') throw invalid('Wrong URL');
  return url;
}

/** `menu_button` as the official server reads it (`get_bot_menu_button`); absent is the default button. */
function readMenuButton(ctx: MethodContext): BotMenuButton {
  const raw = ctx.params.text('menu_button');
  if (raw === '') return { type: 'default' };
  const value = parseJsonParam(raw, 'menu button');
  const cantParse = (why: string): BotApiError => BotApiError.badRequest(`Can't parse menu button: ${why}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw cantParse('MenuButton must be an Object');
  }
  const field = (object: Json, name: string): string => {
    const v = object[name];
    if (v === undefined) throw cantParse(`Can't find field "${name}"`);
    if (typeof v !== 'string') throw cantParse(`Field "${name}" must be of type String`);
    return v;
  };
  const button = value as Json;
  const type = field(button, 'type');
  if (type === 'default' || type === 'commands') return { type };
  if (type !== 'web_app') throw cantParse('MenuButton has unsupported type');
  const text = field(button, 'text');
  const webApp = button.web_app;
  if (webApp === undefined) throw cantParse('Can\'t find field "web_app"');
  if (typeof webApp !== 'object' || webApp === null || Array.isArray(webApp)) {
    throw cantParse('Field "web_app" must be of type Object');
  }
  const url = field(webApp as Json, 'url');
  // TDLib: a Web App button needs a text (an empty one is how it writes the default button).
  if (text === '') throw BotApiError.badRequest('Menu button text must be non-empty');
  return { type, text, url: webAppUrl(url) };
}

function menuButtonJson(button: BotMenuButton): Json {
  return button.type === 'web_app'
    ? { type: 'web_app', text: button.text, web_app: { url: button.url } }
    : { type: button.type };
}

/** The private chat a `chat_id` names (`get_user_id`, then the user looked up); undefined when it is absent. */
function menuChat(ctx: MethodContext): number | undefined {
  if (!ctx.params.has('chat_id')) return undefined;
  const userId = ctx.params.userId('chat_id');
  if (!ctx.world.findUserById(userId) && !ctx.world.findBotById(userId)) throw BotApiError.badRequest('user not found');
  return userId;
}

// ---- administrator rights ----

/** ChatAdministratorRights, in the order the official server reads (and writes) them. */
const RIGHTS = [
  'can_manage_chat',
  'can_change_info',
  'can_post_messages',
  'can_edit_messages',
  'can_delete_messages',
  'can_invite_users',
  'can_restrict_members',
  'can_pin_messages',
  'can_manage_topics',
  'can_promote_members',
  'can_manage_video_chats',
  'can_post_stories',
  'can_edit_stories',
  'can_delete_stories',
  'can_manage_direct_messages',
  'can_manage_tags',
  'is_anonymous',
] as const;
const CHANNEL_ONLY = new Set(['can_post_messages', 'can_edit_messages', 'can_manage_direct_messages']);
const GROUP_ONLY = new Set(['can_pin_messages', 'can_manage_topics', 'can_manage_tags']);

/** `rights` as the official server reads it (`get_chat_administrator_rights`); absent is no rights (undefined). */
function readRights(ctx: MethodContext): Record<string, boolean> | undefined {
  const raw = ctx.params.text('rights');
  if (raw === '') return undefined;
  const value = parseJsonParam(raw, 'ChatAdministratorRights');
  const cantParse = (why: string): BotApiError => BotApiError.badRequest(`Can't parse ChatAdministratorRights: ${why}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw cantParse('ChatAdministratorRights must be an Object');
  }
  const rights: Record<string, boolean> = {};
  for (const name of RIGHTS) {
    const v = (value as Json)[name];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw cantParse(`Field "${name}" must be of type Boolean`);
    if (v) rights[name] = true;
  }
  return rights;
}

/** The rights as the official server writes them for a supergroup or a channel (`json_store_administrator_rights`). */
function rightsJson(rights: Record<string, boolean> | undefined, forChannels: boolean): Json {
  const json: Json = {};
  for (const name of RIGHTS) {
    if ((forChannels && GROUP_ONLY.has(name)) || (!forChannels && CHANNEL_ONLY.has(name))) continue;
    json[name] = rights?.[name] === true;
  }
  return json;
}

// ---- logOut and close ----

/** The official server refuses to close a bot's instance in its first ten minutes (unless the server itself is new). */
const CLOSE_AFTER_MS = 10 * 60 * 1000;

/**
 * What comes before any call of a bot: the refusal of a bot that logged out, as the official server refuses it
 * (`get_closing_error` of an instance that logged out) until Telegram lets the bot log in again (that Telegram's
 * cloud server answers so for the whole ten minutes the Bot API documents, rather than refusing the new instance's
 * login some other way, is a guess); else the start of the bot's instance if none runs.
 */
export function beginBotCall(world: SandboxWorld, session: BotSession): void {
  if (isLoggedOut(world, session.bot.id)) throw new BotApiError(400, 'Logged out');
  if (session.servedSince === 0) session.servedSince = world.now();
}

function close(ctx: MethodContext): ReturnType<Method> {
  const { session, world } = ctx;
  const now = world.now();
  // The official server's rule, to the second: an instance started after the server's first ten minutes must run ten.
  const retryAfter = Math.trunc((CLOSE_AFTER_MS - (now - session.servedSince)) / 1000);
  if (retryAfter > 0 && session.servedSince > session.serverStartedAt + CLOSE_AFTER_MS) {
    throw BotApiError.tooManyRequests(retryAfter);
  }
  // The instance ends; the next call starts a new one (the queue of updates and the webhook stay, as they do there).
  session.servedSince = 0;
  return ok(true);
}

function logOut(ctx: MethodContext): ReturnType<Method> {
  const { session, world } = ctx;
  logOutBot(world, session.bot.id);
  // The official server forgets the bot's webhook and clears its queue of updates when it logs out.
  session.setWebhook(undefined);
  session.dropPending();
  return ok(true);
}

export const BOT_PROFILE_METHODS: Record<string, Method> = {
  setMyName: setText('name', 'name'),
  getMyName: getText('name', 'name'),
  setMyDescription: setText('description', 'description'),
  getMyDescription: getText('description', 'description'),
  setMyShortDescription: setText('shortDescription', 'short_description'),
  getMyShortDescription: getText('shortDescription', 'short_description'),

  setChatMenuButton: (ctx) => {
    const button = readMenuButton(ctx);
    setMenuButton(ctx.world, ctx.session.bot, menuChat(ctx), button);
    return ok(true);
  },

  getChatMenuButton: (ctx) => ok(menuButtonJson(menuButtonOf(ctx.world, ctx.session.bot.id, menuChat(ctx)))),

  setMyDefaultAdministratorRights: (ctx) => {
    const forChannels = ctx.params.boolean('for_channels');
    setDefaultAdminRights(ctx.world, ctx.session.bot.id, forChannels, readRights(ctx));
    return ok(true);
  },

  getMyDefaultAdministratorRights: (ctx) => {
    const forChannels = ctx.params.boolean('for_channels');
    return ok(rightsJson(defaultAdminRights(ctx.world, ctx.session.bot.id, forChannels), forChannels));
  },

  getUserProfilePhotos: (ctx) => {
    const { params, world } = ctx;
    const userId = params.userId();
    // Read (and clamped) as the official server reads them; the sandbox's users have no profile photos.
    params.clampedInteger('offset', 0, 0);
    params.clampedInteger('limit', 100, 1, 100);
    if (!world.findUserById(userId) && !world.findBotById(userId)) throw BotApiError.badRequest('user not found');
    return ok({ total_count: 0, photos: [] });
  },

  close,
  logOut,
};
