import type {
  BasicGroupMessage,
  ChannelMessage,
  SandboxBasicGroup,
  SandboxChannel,
  SandboxServiceAction,
  SandboxWorld,
} from './world';

/**
 * Service messages: what Telegram writes into a chat's history when someone joins or leaves it, its title changes,
 * a message is pinned or the chat is made ("Ann joined the group", "Bob pinned a message"). They take their ids from
 * the chat's own message sequence and reach both doors as messages: members' apps read `messageService`, bots
 * `new_chat_members`, `left_chat_member`, `new_chat_title`, `pinned_message`...
 *
 * Telegram's rules kept here: a broadcast channel shows no one joining or leaving (only its admins see the member
 * list), while a title change or a pin there is a service post like any other.
 */

export type { SandboxServiceAction } from './world';

/** A chat that keeps service messages: a channel or supergroup, or a basic group. */
export type ServiceChat = { kind: 'channel'; channel: SandboxChannel } | { kind: 'group'; group: SandboxBasicGroup };

/** The message a service message is in a chat of that kind. */
export type ServiceMessageOf<C extends ServiceChat> = C extends { kind: 'channel' }
  ? ChannelMessage
  : BasicGroupMessage;

/** Who made the change: a user or a bot (in a broadcast channel the post is the channel's own, whoever made it). */
export type ServiceSender = { kind: 'user' | 'bot'; id: number };

/** Actions about membership, which a broadcast channel does not show. */
const MEMBERSHIP: ReadonlySet<SandboxServiceAction['type']> = new Set([
  'chat_add_user',
  'chat_joined_by_link',
  'chat_joined_by_request',
  'chat_delete_user',
]);

/**
 * Writes a service message into the chat's history (and so to every door), unless Telegram writes none for it there
 * (a join or a leave in a broadcast channel). `replyToId`: the pinned message, for a pin.
 */
export function writeServiceMessage<C extends ServiceChat>(
  world: SandboxWorld,
  chat: C,
  sender: ServiceSender | undefined,
  action: SandboxServiceAction,
  replyToId?: number,
): ServiceMessageOf<C> | undefined {
  return write(world, chat, sender, action, replyToId) as ServiceMessageOf<C> | undefined;
}

function write(
  world: SandboxWorld,
  chat: ServiceChat,
  sender: ServiceSender | undefined,
  action: SandboxServiceAction,
  replyToId: number | undefined,
): ChannelMessage | BasicGroupMessage | undefined {
  if (chat.kind === 'group') {
    const from = sender?.kind === 'bot' ? { fromBotId: sender.id } : { fromUserId: sender?.id };
    return world.writeBasicGroupService(chat.group.id, from, action, replyToId);
  }
  const { channel } = chat;
  if (!channel.megagroup && MEMBERSHIP.has(action.type)) return undefined;
  return world.postToChannel(channel.id, {
    text: '',
    // A broadcast channel's service posts are its own, like its other posts.
    ...(channel.megagroup && sender?.kind === 'user' ? { fromUserId: sender.id } : {}),
    ...(channel.megagroup && sender?.kind === 'bot' ? { viaBotId: sender.id } : {}),
    ...(replyToId !== undefined ? { replyToId } : {}),
    service: action,
  });
}

/** A user or bot joined the chat of their own accord: by an invite link (made by `inviterId`), or a public group. */
export function writeJoined<C extends ServiceChat>(
  world: SandboxWorld,
  chat: C,
  member: ServiceSender,
  inviterId?: number,
): ServiceMessageOf<C> | undefined {
  const action: SandboxServiceAction =
    inviterId === undefined
      ? // Joining a public group reads as adding oneself, as Telegram writes it.
        { type: 'chat_add_user', userIds: [member.id] }
      : { type: 'chat_joined_by_link', inviterId };
  return writeServiceMessage(world, chat, member, action);
}

/** `by` added these users or bots to the chat. */
export function writeAdded<C extends ServiceChat>(
  world: SandboxWorld,
  chat: C,
  by: ServiceSender,
  ids: number[],
): ServiceMessageOf<C> | undefined {
  if (!ids.length) return undefined;
  return writeServiceMessage(world, chat, by, { type: 'chat_add_user', userIds: ids });
}

/**
 * The user or bot `memberId` left the chat (`by` is then themselves) or was removed by `by`. Written while they are
 * still in it, so they read it too, as a leaving bot hears its own `left_chat_member`.
 */
export function writeLeft<C extends ServiceChat>(
  world: SandboxWorld,
  chat: C,
  by: ServiceSender | undefined,
  memberId: number,
): ServiceMessageOf<C> | undefined {
  return writeServiceMessage(world, chat, by, { type: 'chat_delete_user', userId: memberId });
}

/** `by` gave the chat the title `title` (already set): the chat says so, a broadcast channel too. */
export function writeTitleChanged<C extends ServiceChat>(
  world: SandboxWorld,
  chat: C,
  by: ServiceSender,
  title: string,
): ServiceMessageOf<C> | undefined {
  return writeServiceMessage(world, chat, by, { type: 'chat_edit_title', title });
}

/** `by` pinned the message `messageId` of the chat: "… pinned a message", answering the pinned one. */
export function writePinned<C extends ServiceChat>(
  world: SandboxWorld,
  chat: C,
  by: ServiceSender,
  messageId: number,
): ServiceMessageOf<C> | undefined {
  return writeServiceMessage(world, chat, by, { type: 'pin_message' }, messageId);
}

/** The user and bot ids a service message names beyond its sender (its new members, the one who left...). */
export function serviceUserIds(action: SandboxServiceAction | undefined): number[] {
  switch (action?.type) {
    case 'chat_create':
    case 'chat_add_user':
      return action.userIds;
    case 'chat_joined_by_link':
      return [action.inviterId];
    case 'chat_delete_user':
      return [action.userId];
    case undefined:
    case 'chat_joined_by_request':
    case 'channel_create':
    case 'chat_edit_title':
    case 'chat_edit_photo':
    case 'chat_delete_photo':
    case 'pin_message':
    case 'topic_create':
    case 'topic_edit':
    case 'chat_migrate_to':
    case 'channel_migrate_from':
      return [];
  }
}

/**
 * A service message's action as the control API lists it, in its snake_case: `{type: 'chat_add_user', user_ids}`,
 * `{type: 'chat_joined_by_link', inviter_id}`, `{type: 'chat_joined_by_request'}`, `{type: 'chat_delete_user', user_id}`, `{type: 'chat_edit_title',
 * title}`, `{type: 'pin_message', message_id}`, `{type: 'chat_create', title, user_ids}`, `{type: 'channel_create',
 * title}`, `{type: 'chat_edit_photo', file_id}`, `{type: 'chat_delete_photo'}`, `{type: 'topic_create', title, icon_color,
 * icon_custom_emoji_id?}`, `{type: 'topic_edit', title?, icon_custom_emoji_id?, closed?, hidden?}`,
 * `{type: 'chat_migrate_to', channel_id}`, `{type: 'channel_migrate_from', title, chat_id}`.
 */
export function serviceInfoJson(action: SandboxServiceAction, replyToId: number | undefined): Record<string, unknown> {
  switch (action.type) {
    case 'chat_create':
      return { type: action.type, title: action.title, user_ids: action.userIds };
    case 'channel_create':
    case 'chat_edit_title':
      return { type: action.type, title: action.title };
    case 'chat_add_user':
      return { type: action.type, user_ids: action.userIds };
    case 'chat_joined_by_link':
      return { type: action.type, inviter_id: action.inviterId };
    case 'chat_joined_by_request':
      return { type: action.type };
    case 'chat_delete_user':
      return { type: action.type, user_id: action.userId };
    case 'chat_edit_photo':
      return { type: action.type, file_id: action.fileId };
    case 'chat_delete_photo':
      return { type: action.type };
    case 'pin_message':
      return { type: action.type, message_id: replyToId };
    case 'topic_create':
      return {
        type: action.type,
        title: action.title,
        icon_color: action.iconColor,
        ...(action.iconEmojiId ? { icon_custom_emoji_id: action.iconEmojiId } : {}),
      };
    case 'topic_edit':
      return {
        type: action.type,
        ...(action.title !== undefined ? { title: action.title } : {}),
        ...(action.iconEmojiId !== undefined ? { icon_custom_emoji_id: action.iconEmojiId } : {}),
        ...(action.closed !== undefined ? { closed: action.closed } : {}),
        ...(action.hidden !== undefined ? { hidden: action.hidden } : {}),
      };
    case 'chat_migrate_to':
      return { type: action.type, channel_id: action.channelId };
    case 'channel_migrate_from':
      return { type: action.type, title: action.title, chat_id: action.chatId };
  }
}
