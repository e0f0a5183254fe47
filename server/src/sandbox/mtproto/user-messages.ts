import type { BasicGroupMessage, PrivateMessage, SandboxBasicGroup, SandboxUser, SandboxWorld } from '../world';
import {
  basicGroupMessageToTl,
  basicGroupToTl,
  forwardAuthorIds,
  groupMessageAuthorIds,
  privateMessageToTl,
} from './tl-builders';
import { isTlObject, type TlObject } from './tl-codec';

/** A message of the account's common box: of a private chat, or of a basic group it is in. */
type BoxMessage =
  | { kind: 'private'; message: PrivateMessage }
  | { kind: 'group'; group: SandboxBasicGroup; message: BasicGroupMessage };

export interface GetMessagesCall {
  world: SandboxWorld;
  me: SandboxUser;
  req: TlObject;
  usersToTl: (ids: Iterable<number>) => TlObject[];
  originChatsToTl: (messages: readonly BoxMessage['message'][]) => TlObject[];
}

/** How many ids one call takes, as Telegram's methods that take a list of message ids. */
const MAX_IDS = 200;

/**
 * messages.getMessages: messages of the account's private chats and basic groups by id (ids of that box are the
 * account's own, so no peer is named). `inputMessageID` is the message itself, `inputMessageReplyTo` the one it
 * answers; a message the account cannot see, or none, comes back as `messageEmpty` in its place.
 */
export function getMessagesById(call: GetMessagesCall): TlObject {
  const { world, me } = call;
  const wanted = Array.isArray(call.req.id) ? call.req.id.slice(0, MAX_IDS) : [];
  const groups = world.basicGroupsOfUser(me.id);
  const mine = world.privateMessagesOf('user', me.id);
  const find = (id: number): BoxMessage | undefined => {
    const message = mine.find((m) => m.id === id);
    if (message) return { kind: 'private', message };
    for (const group of groups) {
      const found = group.messages.find((m) => m.id === id);
      if (found) return { kind: 'group', group, message: found };
    }
    return undefined;
  };
  const found: BoxMessage[] = [];
  const messages = wanted.map((input: unknown): TlObject => {
    const asked = isTlObject(input) && typeof input.id === 'number' ? input.id : 0;
    let hit = isTlObject(input) && input._ !== 'inputMessagePinned' ? find(asked) : undefined;
    // Which message answers one is read from that one; without a peer a pinned message is no message of the box.
    if (hit && isTlObject(input) && input._ === 'inputMessageReplyTo') {
      const replyToId = hit.message.replyToId;
      hit = replyToId === undefined ? undefined : find(replyToId);
    }
    if (!hit) return { _: 'messageEmpty', id: asked };
    found.push(hit);
    return hit.kind === 'private'
      ? privateMessageToTl(hit.message, me.id)
      : basicGroupMessageToTl(hit.group, hit.message, me.id);
  });
  const userIds = [me.id];
  const chats = new Map<number, TlObject>();
  for (const hit of found) {
    if (hit.kind === 'private') {
      userIds.push(hit.message.fromId, hit.message.toId, ...forwardAuthorIds(hit.message));
    } else {
      userIds.push(...groupMessageAuthorIds(hit.message));
      chats.set(hit.group.id, basicGroupToTl(hit.group, me.id));
    }
  }
  return {
    _: 'messages.messages',
    messages,
    chats: [...chats.values(), ...call.originChatsToTl(found.map((hit) => hit.message))],
    users: call.usersToTl(userIds),
  };
}
