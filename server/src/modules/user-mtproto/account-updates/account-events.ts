import { EventType, type NewEvent } from '../../events/event-types';
import type { AccountMessage, AccountUpdate, PeerRef, UpdateBatch } from './account-update-types';

/**
 * The events account updates give (events/event-types.ts documents their `data`). Dedupe keys come
 * from Telegram's ids: a message by its chat and id, an edit or deletion by its box and pts (each
 * pts is one update), so an update replayed by a difference or by another worker records once.
 */

const iso = (unix: number): string => new Date(unix * 1000).toISOString();

/**
 * A chat's id as the Bot API writes it, the form the tenant's channels and bot events use: a channel's
 * or supergroup's is -100 followed by its MTProto id, a basic group's is negative, a user's is plain.
 */
export function botApiId(type: PeerRef['type'], mtprotoId: string, megagroup = false): string {
  if (type === 'channel' || (type === 'group' && megagroup)) return `-100${mtprotoId}`;
  if (type === 'group') return `-${mtprotoId}`;
  return mtprotoId;
}

/**
 * Users the account exchanged private messages with or added to its contacts in these updates, in order
 * (known peers to remember).
 */
export function privatePeers(updates: readonly AccountUpdate[]): string[] {
  const out: string[] = [];
  for (const u of updates) {
    if (u.kind === 'message' && u.message.peer.type === 'user') out.push(u.message.peer.id);
    if (u.kind === 'contact') out.push(u.userId);
  }
  return out;
}

/**
 * The events of the updates, in order. `newPeers`: users first talked to (or added) in these updates;
 * the first message of such a user that the user sent (not the account) gives `account.new_contact`,
 * and so does adding such a user to the account's contacts before any message: once per person.
 */
export function accountEvents(
  batch: Pick<UpdateBatch, 'users' | 'channels'>,
  updates: readonly AccountUpdate[],
  newPeers: ReadonlySet<string>,
): NewEvent[] {
  const users = new Map(batch.users.map((u) => [u.id, u]));
  const channels = new Map(batch.channels.map((c) => [c.id, c]));
  const talked = new Set<string>();

  const peerOf = (ref: PeerRef): Record<string, unknown> => {
    if (ref.type === 'user') {
      const u = users.get(ref.id);
      return { type: 'user', id: ref.id, ...(u?.username ? { username: u.username } : {}) };
    }
    const c = channels.get(ref.id);
    // A supergroup is a channel underneath: the chats' list tells it from a basic group.
    return {
      type: ref.type,
      id: botApiId(ref.type, ref.id, Boolean(c?.megagroup)),
      ...(c?.username ? { username: c.username } : {}),
      ...(c?.title ? { title: c.title } : {}),
    };
  };
  const userOf = (id: string): Record<string, unknown> => {
    const u = users.get(id);
    return {
      id,
      ...(u?.username ? { username: u.username } : {}),
      ...(u?.firstName ? { first_name: u.firstName } : {}),
    };
  };
  const fromOf = (m: AccountMessage): Record<string, unknown> | null => (m.fromId === null ? null : userOf(m.fromId));
  /** A supergroup's messages are group messages; a broadcast channel's are posts. */
  const inChannel = (channelId: string, m: AccountMessage): AccountMessage => ({
    ...m,
    peer: { type: channels.get(channelId)?.megagroup ? 'group' : 'channel', id: channelId },
  });
  const messageKey = (m: AccountMessage): string => `account.message:${m.peer.type}:${m.peer.id}:${m.id}`;

  const out: NewEvent[] = [];
  for (const u of updates) {
    switch (u.kind) {
      case 'message': {
        const m = u.message;
        const peerId = m.peer.type === 'user' ? m.peer.id : undefined;
        if (m.out) {
          if (peerId) talked.add(peerId);
          break;
        }
        if (peerId && newPeers.has(peerId) && !talked.has(peerId)) {
          out.push({
            type: EventType.AccountNewContact,
            data: { user: fromOf(m) ?? { id: peerId }, peer: peerOf(m.peer), message_id: m.id, date: iso(m.date) },
            dedupeKey: `account.new_contact:${peerId}`,
          });
        }
        if (peerId) talked.add(peerId);
        out.push({
          type: EventType.AccountMessage,
          data: { peer: peerOf(m.peer), message_id: m.id, date: iso(m.date), text: m.text, from: fromOf(m) },
          dedupeKey: messageKey(m),
        });
        break;
      }
      case 'contact': {
        const first = newPeers.has(u.userId) && !talked.has(u.userId);
        talked.add(u.userId);
        // Telegram flags the user as a contact in the same container; anything else is not an addition.
        if (!first || !users.get(u.userId)?.contact) break;
        out.push({
          type: EventType.AccountNewContact,
          data: {
            user: userOf(u.userId),
            peer: peerOf({ type: 'user', id: u.userId }),
            date: new Date().toISOString(),
          },
          dedupeKey: `account.new_contact:${u.userId}`,
        });
        break;
      }
      case 'channelMessage': {
        const m = inChannel(u.channelId, u.message);
        if (m.out) break;
        if (m.peer.type === 'group') {
          out.push({
            type: EventType.AccountMessage,
            data: { peer: peerOf(m.peer), message_id: m.id, date: iso(m.date), text: m.text, from: fromOf(m) },
            dedupeKey: messageKey(m),
          });
        } else {
          out.push({
            type: EventType.AccountChannelPost,
            data: {
              channel_id: botApiId('channel', u.channelId),
              peer: peerOf(m.peer),
              message_id: m.id,
              date: iso(m.date),
              text: m.text,
            },
            dedupeKey: messageKey(m),
          });
        }
        break;
      }
      case 'edit':
      case 'channelEdit': {
        const m = u.kind === 'edit' ? u.message : inChannel(u.channelId, u.message);
        const box = u.kind === 'edit' ? 'common' : u.channelId;
        out.push({
          type: EventType.AccountMessageEdited,
          data: {
            peer: peerOf(m.peer),
            message_id: m.id,
            date: iso(m.date),
            edit_date: iso(m.editDate ?? m.date),
            text: m.text,
            from: fromOf(m),
            ...(u.kind === 'channelEdit' ? { channel_id: botApiId('channel', u.channelId) } : {}),
          },
          dedupeKey: `account.message_edited:${box}:${u.pts}`,
        });
        break;
      }
      case 'delete':
        out.push({
          type: EventType.AccountMessageDeleted,
          data: { message_ids: u.messageIds },
          dedupeKey: `account.message_deleted:common:${u.pts}`,
        });
        break;
      case 'channelDelete': {
        const peer: PeerRef = { type: channels.get(u.channelId)?.megagroup ? 'group' : 'channel', id: u.channelId };
        out.push({
          type: EventType.AccountMessageDeleted,
          data: { message_ids: u.messageIds, channel_id: botApiId('channel', u.channelId), peer: peerOf(peer) },
          dedupeKey: `account.message_deleted:${u.channelId}:${u.pts}`,
        });
        break;
      }
      default:
        break;
    }
  }
  return out;
}
