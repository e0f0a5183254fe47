import type { SandboxDraft, SandboxEntity, SandboxWorld } from './world';

/**
 * Message drafts, as Telegram keeps them: one per user and chat, on the server, so each of the user's apps shows
 * what was being written in another (messages.saveDraft, getAllDrafts, clearAllDrafts). Kept in `world.drafts`;
 * a send with `clear_draft` clears the chat's draft.
 */

/** The chat a draft is for, as Telegram's peers name it (a person or a bot is a `user`). */
export interface DraftPeer {
  kind: SandboxDraft['peerKind'];
  id: number;
}

/** What a draft holds. */
export interface DraftContent {
  text: string;
  entities?: SandboxEntity[];
  replyToId?: number;
  noWebpage?: boolean;
}

const draftKey = (userId: number, peer: DraftPeer): string => `${userId}:${peer.kind}:${peer.id}`;

/** The user's draft for the chat, if any. */
export const draftOf = (world: SandboxWorld, userId: number, peer: DraftPeer): SandboxDraft | undefined =>
  world.drafts[draftKey(userId, peer)];

/** The user's drafts, the oldest first. */
export const draftsOf = (world: SandboxWorld, userId: number): SandboxDraft[] =>
  Object.values(world.drafts)
    .filter((d) => d.userId === userId)
    .sort((a, b) => a.date - b.date);

/**
 * Saves the user's draft for the chat; an empty text clears it (as an empty messages.saveDraft does). Answers the
 * draft kept (undefined: none now), and whether anything changed.
 */
export function saveDraft(
  world: SandboxWorld,
  userId: number,
  peer: DraftPeer,
  content: DraftContent,
): { draft?: SandboxDraft; changed: boolean } {
  if (content.text === '') return { changed: clearDraft(world, userId, peer) };
  const draft: SandboxDraft = {
    userId,
    peerKind: peer.kind,
    peerId: peer.id,
    text: content.text,
    ...(content.entities?.length ? { entities: content.entities } : {}),
    ...(content.replyToId !== undefined ? { replyToId: content.replyToId } : {}),
    ...(content.noWebpage ? { noWebpage: true } : {}),
    date: world.unixNow(),
  };
  world.drafts[draftKey(userId, peer)] = draft;
  return { draft, changed: true };
}

/** Clears the user's draft for the chat; answers whether there was one. */
export function clearDraft(world: SandboxWorld, userId: number, peer: DraftPeer): boolean {
  const key = draftKey(userId, peer);
  if (!(key in world.drafts)) return false;
  delete world.drafts[key];
  return true;
}

/** Clears every draft of the user; answers those cleared. */
export function clearAllDrafts(world: SandboxWorld, userId: number): SandboxDraft[] {
  const cleared = draftsOf(world, userId);
  for (const d of cleared) delete world.drafts[draftKey(userId, { kind: d.peerKind, id: d.peerId })];
  return cleared;
}
