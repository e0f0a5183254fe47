import type { PeerBlockedEvent } from '../blocking';
import type { SandboxBot, SandboxWorld } from '../world';
import { botUserJson, type Json, privateChatJson, userJson } from './serializers';

/**
 * What a bot hears when a user blocks or unblocks it: `my_chat_member` in the private chat with them, from the user,
 * the bot's own status going from "member" to "kicked" (until_date 0: for good) and back, as the official Bot API
 * server reports a private chat's blocking. Undefined when the block is not of a bot, or either side is gone.
 */
export function blockChangeUpdate(
  world: SandboxWorld,
  e: PeerBlockedEvent,
): { bot: SandboxBot; myChatMember: Json } | undefined {
  if (e.peerKind !== 'bot') return undefined;
  const bot = world.findBotById(e.peerId);
  const user = world.findUserById(e.userId);
  if (!bot || !user) return undefined;
  const member: Json = { user: botUserJson(bot), status: 'member' };
  const kicked: Json = { user: botUserJson(bot), status: 'kicked', until_date: 0 };
  return {
    bot,
    myChatMember: {
      chat: privateChatJson(user),
      from: userJson(user),
      date: e.date,
      old_chat_member: e.blocked ? member : kicked,
      new_chat_member: e.blocked ? kicked : member,
    },
  };
}
