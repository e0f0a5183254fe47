import { type ServiceChat, type ServiceMessageOf, type ServiceSender, writeServiceMessage } from './service-messages';
import { logAdminAction } from './admin-log';
import { type SandboxChatPhoto, type SandboxFile, WorldEvent, type SandboxWorld } from './world';

/**
 * Chat photos: a channel's, supergroup's or basic group's picture, set by an administrator who may change the chat's
 * info (Bot API `setChatPhoto` / `deleteChatPhoto`, MTProto `channels.editPhoto` / `messages.editChatPhoto`). The
 * photo is a file of `world.files`; the chat says so in a service message ("… changed the group photo"), members'
 * apps see it as the chat's `chatPhoto` and download it through `inputPeerPhotoFileLocation`, bots in getChat's
 * `photo`. The sandbox does not resize: the small and the big photo are the picture as it was sent.
 */

export function chatPhotoOf(chat: ServiceChat): SandboxChatPhoto | undefined {
  return chat.kind === 'group' ? chat.group.photo : chat.channel.photo;
}

function store(world: SandboxWorld, chat: ServiceChat, photo: SandboxChatPhoto | undefined): void {
  if (chat.kind === 'group') chat.group.photo = photo;
  else {
    chat.channel.photo = photo;
    world.emit(WorldEvent.ChannelEdited, chat.channel);
  }
}

/** `by` gave the chat the photo `file` (a photo of `world.files`): the chat says so, a broadcast channel too. */
export function setChatPhoto<C extends ServiceChat>(
  world: SandboxWorld,
  chat: C,
  by: ServiceSender,
  file: SandboxFile,
): ServiceMessageOf<C> | undefined {
  const date = world.unixNow();
  const prev = chatPhotoOf(chat);
  store(world, chat, { fileId: file.fileId, size: file.size, date });
  if (chat.kind === 'channel')
    logAdminAction(world, chat.channel, by.id, { type: 'photo', prev, now: chat.channel.photo });
  return writeServiceMessage(world, chat, by, { type: 'chat_edit_photo', fileId: file.fileId, size: file.size, date });
}

/**
 * `by` took the chat's photo away: the chat says so. `changed` is false when it had none (nothing changes); `message`
 * is the service message written.
 */
export function deleteChatPhoto<C extends ServiceChat>(
  world: SandboxWorld,
  chat: C,
  by: ServiceSender,
): { changed: boolean; message?: ServiceMessageOf<C> } {
  const prev = chatPhotoOf(chat);
  if (!prev) return { changed: false };
  store(world, chat, undefined);
  if (chat.kind === 'channel') logAdminAction(world, chat.channel, by.id, { type: 'photo', prev });
  return { changed: true, message: writeServiceMessage(world, chat, by, { type: 'chat_delete_photo' }) };
}
