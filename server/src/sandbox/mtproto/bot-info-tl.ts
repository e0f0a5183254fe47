import { menuButtonOf, privateChatCommands, profileText } from '../bot-profile';
import type { BotMenuButton, SandboxBot, SandboxWorld } from '../world';
import { RpcError } from './rpc-error';
import type { TlObject } from './tl-codec';

/**
 * A bot's profile as a user's app reads it (`userFull.bot_info`): its description, the commands of the user's
 * private chat with it and the menu button of that chat. The texts are those the bot set for the user's language
 * (`languageCode`, see user-language's botLanguageOf), else those for everybody. A layer without a field leaves it out.
 */
export function botInfoToTl(world: SandboxWorld, bot: SandboxBot, viewerId: number, languageCode = ''): TlObject {
  return {
    _: 'botInfo',
    user_id: BigInt(bot.id),
    description: profileText(world, bot, 'description', languageCode),
    commands: privateChatCommands(world, bot.id, viewerId, languageCode).map((c) => ({
      _: 'botCommand',
      command: c.command,
      description: c.description,
    })),
    menu_button: menuButtonToTl(menuButtonOf(world, bot.id, viewerId)),
  };
}

export function menuButtonToTl(button: BotMenuButton): TlObject {
  if (button.type === 'web_app') return { _: 'botMenuButton', text: button.text, url: button.url };
  return { _: button.type === 'commands' ? 'botMenuButtonCommands' : 'botMenuButtonDefault' };
}

/**
 * The bot's short description for a language (else for everybody), which its profile shows as its "about" text
 * (undefined when it has none).
 */
export function botAboutOf(world: SandboxWorld, bot: SandboxBot, languageCode = ''): string | undefined {
  return profileText(world, bot, 'shortDescription', languageCode) || undefined;
}

/**
 * `bots.getBotInfo` by the bot's owner: its name, about text (short description) and description for a language,
 * each the language's own or else the one for everybody. Anyone else's call, or a user that is no bot, is
 * `BOT_INVALID`; an owner's call that names no bot (which only a bot may make, for itself) is `USER_BOT_REQUIRED`
 * (a guess at Telegram's answer there).
 */
export function ownedBotInfoToTl(
  world: SandboxWorld,
  callerId: number,
  bot: SandboxBot | 'none' | 'not a bot',
  languageCode: string,
): TlObject {
  if (bot === 'none') throw new RpcError(400, 'USER_BOT_REQUIRED');
  if (bot === 'not a bot' || bot.ownerUserId !== callerId) throw new RpcError(400, 'BOT_INVALID');
  return {
    _: 'bots.botInfo',
    name: profileText(world, bot, 'name', languageCode),
    about: profileText(world, bot, 'shortDescription', languageCode),
    description: profileText(world, bot, 'description', languageCode),
  };
}
