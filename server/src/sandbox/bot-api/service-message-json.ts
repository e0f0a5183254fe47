import type { SandboxServiceAction, SandboxWorld } from '../world';
import { botUserJson, type Json, mediaJson, userJson } from './serializers';

/**
 * The fields a service message has in the Bot API (see service-messages.ts), as the official server writes them in
 * a Message: the legacy `new_chat_participant` and `new_chat_member` beside `new_chat_members` (the member named is
 * the bot reading it when it is among them, else the first), `left_chat_participant` beside `left_chat_member`,
 * `new_chat_title`, `new_chat_photo`, `delete_chat_photo`, `pinned_message` (the pinned message without the one it answers; an inaccessible message when it
 * is gone), `group_chat_created`, `supergroup_chat_created`, `channel_chat_created`, `forum_topic_created`, `forum_topic_edited`,
 * `forum_topic_closed`, `forum_topic_reopened`, `general_forum_topic_hidden`, `general_forum_topic_unhidden`,
 * `migrate_to_chat_id`, `migrate_from_chat_id`.
 */
export function serviceFieldsJson(
  world: SandboxWorld,
  action: SandboxServiceAction,
  context: {
    megagroup: boolean;
    /** Who wrote the service message (a member who joined by themselves). */
    senderId?: number;
    /** The bot the message is for. */
    viewerBotId?: number;
    /** The pinned message's id, and the message as a nested Message when it is still there. */
    pinnedId?: number;
    pinned?: () => Json | undefined;
    /** The chat, for a pinned message that is gone. */
    chat: Json;
  },
): Json {
  const person = (id: number): Json => {
    const bot = world.findBotById(id);
    if (bot) return botUserJson(bot);
    const user = world.findUserById(id);
    return user ? userJson(user) : { id, is_bot: false, first_name: '' };
  };
  const joined = (ids: number[]): Json => {
    const chosen = ids.find((id) => id === context.viewerBotId) ?? ids[0];
    if (chosen === undefined) return {};
    return {
      new_chat_participant: person(chosen),
      new_chat_member: person(chosen),
      new_chat_members: ids.map(person),
    };
  };
  switch (action.type) {
    case 'chat_create':
      return { group_chat_created: true };
    case 'channel_create':
      return context.megagroup ? { supergroup_chat_created: true } : { channel_chat_created: true };
    case 'chat_add_user':
      return joined(action.userIds);
    case 'chat_joined_by_link':
    case 'chat_joined_by_request':
      return joined(context.senderId === undefined ? [] : [context.senderId]);
    case 'chat_delete_user':
      return { left_chat_participant: person(action.userId), left_chat_member: person(action.userId) };
    case 'chat_edit_title':
      return { new_chat_title: action.title };
    case 'chat_edit_photo': {
      const file = world.files.get(action.fileId);
      const dims = file?.width !== undefined ? { width: file.width, height: file.height ?? 0 } : undefined;
      return { new_chat_photo: file ? mediaJson(file, dims).photo : [] };
    }
    case 'chat_delete_photo':
      return { delete_chat_photo: true };
    case 'pin_message': {
      const pinned = context.pinned?.();
      // InaccessibleMessage: a message the bot can no longer read, its date 0.
      return { pinned_message: pinned ?? { chat: context.chat, message_id: context.pinnedId ?? 0, date: 0 } };
    }
    case 'topic_create':
      return {
        forum_topic_created: {
          name: action.title,
          icon_color: action.iconColor,
          ...(action.iconEmojiId ? { icon_custom_emoji_id: action.iconEmojiId } : {}),
        },
      };
    case 'topic_edit':
      if (action.closed !== undefined) return action.closed ? { forum_topic_closed: {} } : { forum_topic_reopened: {} };
      if (action.hidden !== undefined) {
        return action.hidden ? { general_forum_topic_hidden: {} } : { general_forum_topic_unhidden: {} };
      }
      // A name only when it changed; an icon taken away is an empty custom emoji id.
      return {
        forum_topic_edited: {
          ...(action.title ? { name: action.title } : {}),
          ...(action.iconEmojiId !== undefined ? { icon_custom_emoji_id: action.iconEmojiId } : {}),
        },
      };
    // An upgrade to a supergroup (group-migration.ts): the Bot API ids of the chat on the other side.
    case 'chat_migrate_to':
      return { migrate_to_chat_id: -(1000000000000 + action.channelId) };
    case 'channel_migrate_from':
      return { migrate_from_chat_id: -action.chatId };
  }
}

const OWN_SERVICE_HEARD: ReadonlySet<SandboxServiceAction['type']> = new Set([
  'chat_edit_title',
  'chat_edit_photo',
  'chat_delete_photo',
  'chat_delete_user',
  'pin_message',
  'topic_create',
  'topic_edit',
]);

/**
 * Whether a bot hears a service message of a chat it is in. Every bot does, privacy mode or not, whoever made the
 * change; of its own doings only a new title or photo, a removal (its leaving too), a pin and a topic's changes, as the official server passes
 * on the bot's outgoing service messages. A channel's creation reaches no bot.
 */
export function botHearsService(action: SandboxServiceAction, botId: number, senderId: number | undefined): boolean {
  if (action.type === 'channel_create') return false;
  if (senderId !== botId) return true;
  return OWN_SERVICE_HEARD.has(action.type);
}
