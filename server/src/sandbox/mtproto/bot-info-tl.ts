import { menuButtonOf, privateChatCommands, profileText } from '../bot-profile';
import type { BotMenuButton, SandboxBot, SandboxWorld } from '../world';
import type { TlObject } from './tl-codec';

/**
 * A bot's profile as a user's app reads it (`userFull.bot_info`): its description, the commands of the user's
 * private chat with it and the menu button of that chat. The sandbox knows no user's language, so the texts are those
 * the bot set for everybody. A layer without a field leaves it out.
 */
export function botInfoToTl(world: SandboxWorld, bot: SandboxBot, viewerId: number): TlObject {
  return {
    _: 'botInfo',
    user_id: BigInt(bot.id),
    description: profileText(world, bot, 'description'),
    commands: privateChatCommands(world, bot.id, viewerId).map((c) => ({
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

/** The bot's short description, which its profile shows as its "about" text (undefined when it has none). */
export function botAboutOf(world: SandboxWorld, bot: SandboxBot): string | undefined {
  return profileText(world, bot, 'shortDescription') || undefined;
}
