import { type BlockedPeer, type SandboxWorld, WorldEvent } from './world';

/**
 * Users blocking people and bots, as Telegram has it: a user's block list (contacts.block, contacts.unblock,
 * contacts.getBlocked) kept in `world.blockedPeers`. A bot blocked by a user may no longer write to them (the Bot
 * API's "Forbidden: bot was blocked by the user") and hears it as `my_chat_member` (kicked, then member again); a
 * person blocked may still send, but the one who blocked them never receives it; the one who blocked may not write
 * to whom they blocked (YOU_BLOCKED_USER) until they unblock.
 */

/** Payload of {@link WorldEvent.PeerBlocked}. */
export interface PeerBlockedEvent {
  userId: number;
  peerKind: 'user' | 'bot';
  peerId: number;
  /** True for a block, false for an unblock. */
  blocked: boolean;
  date: number;
}

/** Whether the user blocked that person or bot. */
export const isBlocked = (world: SandboxWorld, userId: number, peerKind: 'user' | 'bot', peerId: number): boolean =>
  world.blockedPeers.some((b) => b.userId === userId && b.peerKind === peerKind && b.peerId === peerId);

/**
 * The user blocks the peer; blocking one already blocked changes nothing (Telegram answers true either way).
 * Answers whether the list changed.
 */
export function blockPeer(world: SandboxWorld, userId: number, peerKind: 'user' | 'bot', peerId: number): boolean {
  if (isBlocked(world, userId, peerKind, peerId)) return false;
  const date = world.unixNow();
  world.blockedPeers.push({ userId, peerKind, peerId, date });
  world.emit(WorldEvent.PeerBlocked, { userId, peerKind, peerId, blocked: true, date } satisfies PeerBlockedEvent);
  return true;
}

/** The user unblocks the peer; unblocking one not blocked changes nothing. Answers whether the list changed. */
export function unblockPeer(world: SandboxWorld, userId: number, peerKind: 'user' | 'bot', peerId: number): boolean {
  if (!isBlocked(world, userId, peerKind, peerId)) return false;
  world.blockedPeers = world.blockedPeers.filter(
    (b) => !(b.userId === userId && b.peerKind === peerKind && b.peerId === peerId),
  );
  const date = world.unixNow();
  world.emit(WorldEvent.PeerBlocked, { userId, peerKind, peerId, blocked: false, date } satisfies PeerBlockedEvent);
  return true;
}

/** Whom the user blocked, the most recently blocked first (as contacts.getBlocked lists them). */
export const blockedBy = (world: SandboxWorld, userId: number): BlockedPeer[] =>
  world.blockedPeers.filter((b) => b.userId === userId).reverse();
