import type { SandboxBasicGroup, SandboxChannel, SandboxUser, SandboxWorld, UserPresence } from '../world';
import { isTlObject, type TlObject } from './tl-codec';
import { peerUser, unixNow } from './tl-builders';

/** Pushes a built update to every live session of a user (but the calling one). */
export type PushToUser = (userId: number, build: () => TlObject | undefined) => void;

/** The chat a `messages.setTyping` names, checked as a send to it is. */
export type TypingChat =
  | { kind: 'channel'; channel: SandboxChannel }
  | { kind: 'group'; group: SandboxBasicGroup }
  | { kind: 'private'; toKind: 'user' | 'bot'; toId: number };

/**
 * The actions every served layer knows (from layer 135 on); an app's newer action (an emoji interaction, a sticker
 * being chosen) is shown to the others as plain typing, so no older app is sent a constructor it cannot read.
 */
const ACTIONS_OF_EVERY_LAYER = new Set([
  'sendMessageTypingAction',
  'sendMessageCancelAction',
  'sendMessageRecordVideoAction',
  'sendMessageUploadVideoAction',
  'sendMessageRecordAudioAction',
  'sendMessageUploadAudioAction',
  'sendMessageUploadPhotoAction',
  'sendMessageUploadDocumentAction',
  'sendMessageGeoLocationAction',
  'sendMessageChooseContactAction',
  'sendMessageGamePlayAction',
  'sendMessageRecordRoundAction',
  'sendMessageUploadRoundAction',
]);

function typingAction(raw: unknown): TlObject {
  if (!isTlObject(raw) || !ACTIONS_OF_EVERY_LAYER.has(raw._)) return { _: 'sendMessageTypingAction' };
  // Upload actions carry their progress (0-100).
  return typeof raw.progress === 'number' ? { _: raw._, progress: raw.progress } : { _: raw._ };
}

/**
 * messages.setTyping: the others in the chat are told the user is typing (or uploading, recording...): the other
 * side of a private chat with `updateUserTyping`, a basic group's members with `updateChatUserTyping`, a
 * supergroup's with `updateChannelUserTyping`. Not the user itself, and bots never (Telegram gives them no typing).
 * A broadcast channel shows no one typing.
 */
export function setTyping(me: SandboxUser, chat: TypingChat, rawAction: unknown, push: PushToUser): boolean {
  const action = typingAction(rawAction);
  const date = unixNow();
  if (chat.kind === 'private') {
    if (chat.toKind !== 'user' || chat.toId === me.id) return true;
    push(chat.toId, () => typingUpdateToTl({ kind: 'private', userId: me.id, action }, date));
    return true;
  }
  if (chat.kind === 'group') {
    const update = typingUpdateToTl({ kind: 'group', chatId: chat.group.id, userId: me.id, action }, date);
    for (const userId of chat.group.userIds) if (userId !== me.id) push(userId, () => update);
    return true;
  }
  if (!chat.channel.megagroup) return true;
  const update = typingUpdateToTl({ kind: 'channel', channelId: chat.channel.id, userId: me.id, action }, date);
  for (const member of chat.channel.members.values()) {
    if (member.kind === 'user' && member.id !== me.id) push(member.id, () => update);
  }
  return true;
}

/** Who types where, as the update Telegram pushes for it. */
export type Typing =
  | { kind: 'private'; userId: number; action: TlObject }
  | { kind: 'group'; chatId: number; userId: number; action: TlObject }
  | { kind: 'channel'; channelId: number; userId: number; action: TlObject };

export function typingUpdateToTl(typing: Typing, date: number): TlObject {
  const update: TlObject =
    typing.kind === 'private'
      ? { _: 'updateUserTyping', user_id: BigInt(typing.userId), action: typing.action }
      : typing.kind === 'group'
        ? {
            _: 'updateChatUserTyping',
            chat_id: BigInt(typing.chatId),
            from_id: peerUser(typing.userId),
            action: typing.action,
          }
        : {
            _: 'updateChannelUserTyping',
            channel_id: BigInt(typing.channelId),
            from_id: peerUser(typing.userId),
            action: typing.action,
          };
  return { _: 'updateShort', update, date };
}

/** How long `account.updateStatus` keeps a user online without another call, as Telegram's apps renew it. */
const ONLINE_SECONDS = 300;

/**
 * account.updateStatus: the user comes online (until five minutes from now, unless renewed) or goes offline (seen
 * now). Those who have the user in their contacts are pushed `updateUserStatus`; anyone sees it in the user objects
 * they are given (`user.status`), as the user's last-seen privacy lets them.
 */
export function updateStatus(world: SandboxWorld, me: SandboxUser, offline: unknown, push: PushToUser): boolean {
  const now = unixNow();
  const presence: UserPresence =
    offline === true ? { online: false, at: now } : { online: true, at: now + ONLINE_SECONDS };
  world.presence[String(me.id)] = presence;
  const status = userStatusToTl(presence);
  const update = { _: 'updateShort', update: { _: 'updateUserStatus', user_id: BigInt(me.id), status }, date: now };
  for (const other of world.listUsers()) {
    if (other.id === me.id || !world.isContact(other.id, me.id)) continue;
    // Those the user's last-seen privacy hides it from see "recently" and are told nothing.
    if (world.privacyAllows(me.id, PRIVACY_KEY_STATUS, other.id)) push(other.id, () => update);
  }
  return true;
}

/**
 * The status a viewer sees of a user: what the user's apps last said (online past its end is offline since then),
 * "recently" when they never said or their last-seen privacy (status_timestamp) hides it from the viewer.
 */
export function statusFor(world: SandboxWorld, userId: number, viewerId: number): TlObject {
  const presence = world.presence[String(userId)];
  if (!presence || !world.privacyAllows(userId, PRIVACY_KEY_STATUS, viewerId)) return { _: 'userStatusRecently' };
  if (presence.online && presence.at <= unixNow()) return userStatusToTl({ online: false, at: presence.at });
  return userStatusToTl(presence);
}

/** The privacy key of "last seen and online". */
const PRIVACY_KEY_STATUS = 'status_timestamp';

/** Online until `at`, or offline since `at` (unix seconds). */
export function userStatusToTl(status: UserPresence): TlObject {
  return status.online
    ? { _: 'userStatusOnline', expires: status.at }
    : { _: 'userStatusOffline', was_online: status.at };
}
