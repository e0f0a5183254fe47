import { blockedBy, blockPeer, unblockPeer } from '../blocking';
import type { SandboxUser } from '../world';
import type { PushToUser } from './presence';
import { RpcError } from './rpc-error';
import { peerUser } from './tl-builders';
import type { TlObject } from './tl-codec';

/** The person or bot a block names, resolved by the RPC service (which checks access hashes). */
export interface BlockTarget {
  kind: 'user' | 'bot';
  id: number;
}

/** What the blocking calls need from the RPC service. */
export interface BlockingDeps {
  world: Parameters<typeof blockPeer>[0];
  usersToTl: (ids: number[], viewerId: number) => TlObject[];
  /** Tells the user's other sessions (updatePeerBlocked). */
  push: PushToUser;
}

/** What the user's other apps are told of a change of their block list. */
export const peerBlockedUpdateToTl = (peerId: number, blocked: boolean, date: number): TlObject => ({
  _: 'updateShort',
  update: { _: 'updatePeerBlocked', blocked, peer_id: peerUser(peerId) },
  date,
});

/** The most entries one contacts.getBlocked answers (Telegram's clients ask for at most 100). */
const MAX_BLOCKED_PAGE = 100;

/** One's own account is no contact one can block (Telegram's CONTACT_ID_INVALID). */
function requireOther(me: SandboxUser, target: BlockTarget): void {
  if (target.kind === 'user' && target.id === me.id) throw new RpcError(400, 'CONTACT_ID_INVALID');
}

/** contacts.block: true, also for one already blocked. `my_stories_from` (hiding one's stories) is not kept. */
export function blockRpc(deps: BlockingDeps, me: SandboxUser, target: BlockTarget): boolean {
  requireOther(me, target);
  if (blockPeer(deps.world, me.id, target.kind, target.id)) {
    const date = deps.world.unixNow();
    deps.push(me.id, () => peerBlockedUpdateToTl(target.id, true, date));
  }
  return true;
}

/** contacts.unblock: true, also for one not blocked. */
export function unblockRpc(deps: BlockingDeps, me: SandboxUser, target: BlockTarget): boolean {
  requireOther(me, target);
  if (unblockPeer(deps.world, me.id, target.kind, target.id)) {
    const date = deps.world.unixNow();
    deps.push(me.id, () => peerBlockedUpdateToTl(target.id, false, date));
  }
  return true;
}

/**
 * contacts.getBlocked: a page of whom the user blocked, the most recent first; `contacts.blocked` when the page
 * holds them all, else `contacts.blockedSlice` with the whole count.
 */
export function getBlockedRpc(deps: BlockingDeps, me: SandboxUser, req: TlObject): TlObject {
  const all = blockedBy(deps.world, me.id);
  const offset = typeof req.offset === 'number' && req.offset > 0 ? req.offset : 0;
  const asked = typeof req.limit === 'number' && req.limit > 0 ? req.limit : MAX_BLOCKED_PAGE;
  const page = all.slice(offset, offset + Math.min(asked, MAX_BLOCKED_PAGE));
  const body = {
    blocked: page.map((b) => ({ _: 'peerBlocked', peer_id: peerUser(b.peerId), date: b.date })),
    chats: [],
    users: deps.usersToTl(
      page.map((b) => b.peerId),
      me.id,
    ),
  };
  return page.length < all.length
    ? { _: 'contacts.blockedSlice', count: all.length, ...body }
    : { _: 'contacts.blocked', ...body };
}
