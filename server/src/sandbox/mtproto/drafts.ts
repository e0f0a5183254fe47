import { clearAllDrafts, clearDraft, type DraftPeer, draftOf, draftsOf, saveDraft } from '../drafts';
import type { SandboxDraft, SandboxUser, SandboxWorld } from '../world';
import type { PushToUser } from './presence';
import { entitiesFromTl, entitiesToTl, peerChannel, peerChat, peerUser } from './tl-builders';
import { isTlObject, type TlObject } from './tl-codec';

/** What the draft calls need from the RPC service. */
export interface DraftDeps {
  world: SandboxWorld;
  /** The chat an input peer names, checked as the door checks peers (access hashes, membership). */
  peerOf: (me: SandboxUser, input: unknown) => DraftPeer;
  /** The users and chats of the peers, as the viewer sees them. */
  peersToTl: (peers: DraftPeer[], viewerId: number) => { users: TlObject[]; chats: TlObject[] };
  /** Tells the user's other sessions (updateDraftMessage). */
  push: PushToUser;
}

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN);

/** The TL peer of a draft's chat. */
export const draftPeerToTl = (peer: DraftPeer): TlObject =>
  peer.kind === 'channel' ? peerChannel(peer.id) : peer.kind === 'chat' ? peerChat(peer.id) : peerUser(peer.id);

/**
 * A draft as `draftMessage` (none: `draftMessageEmpty`). The message it answers is `reply_to_msg_id` up to layer
 * 165 and an `inputReplyToMessage` from layer 166 on: both are given, each layer writes the one it has.
 */
export function draftToTl(draft: SandboxDraft | undefined, date: number): TlObject {
  if (!draft) return { _: 'draftMessageEmpty', date };
  return {
    _: 'draftMessage',
    no_webpage: draft.noWebpage === true || undefined,
    ...(draft.replyToId !== undefined
      ? {
          reply_to_msg_id: draft.replyToId,
          reply_to: { _: 'inputReplyToMessage', reply_to_msg_id: draft.replyToId },
        }
      : {}),
    message: draft.text,
    entities: entitiesToTl(draft.entities),
    date: draft.date,
  };
}

/** updateDraftMessage for the chat: the draft now kept there, or none. */
export const updateDraftToTl = (peer: DraftPeer, draft: SandboxDraft | undefined, date: number): TlObject => ({
  _: 'updateDraftMessage',
  peer: draftPeerToTl(peer),
  draft: draftToTl(draft, date),
});

/** What the user's other apps are told of a draft saved or cleared. */
export const draftPushToTl = (peer: DraftPeer, draft: SandboxDraft | undefined, date: number): TlObject => ({
  _: 'updateShort',
  update: updateDraftToTl(peer, draft, date),
  date,
});

/** The message a saveDraft answers: `reply_to` (inputReplyToMessage) from layer 166 on, `reply_to_msg_id` before. */
function replyToOf(req: TlObject): number | undefined {
  const raw = isTlObject(req.reply_to) ? num(req.reply_to.reply_to_msg_id) : num(req.reply_to_msg_id);
  return Number.isInteger(raw) && raw > 0 ? raw : undefined;
}

/**
 * messages.saveDraft: keeps the draft for the chat (an empty message clears it) and tells the user's other apps;
 * true. A forum topic's draft (`top_msg_id`) and a draft's media are not kept apart: the chat's one draft is.
 */
export function saveDraftRpc(deps: DraftDeps, me: SandboxUser, req: TlObject): boolean {
  const peer = deps.peerOf(me, req.peer);
  const text = typeof req.message === 'string' ? req.message : '';
  const { draft, changed } = saveDraft(deps.world, me.id, peer, {
    text,
    entities: entitiesFromTl(req.entities, text),
    replyToId: replyToOf(req),
    noWebpage: req.no_webpage === true,
  });
  if (changed) {
    const date = deps.world.unixNow();
    deps.push(me.id, () => draftPushToTl(peer, draft, date));
  }
  return true;
}

/** messages.getAllDrafts: Updates carrying an updateDraftMessage per draft of the user, with their chats. */
export function getAllDraftsRpc(deps: DraftDeps, me: SandboxUser): TlObject {
  const drafts = draftsOf(deps.world, me.id);
  const date = deps.world.unixNow();
  const peers = drafts.map((d): DraftPeer => ({ kind: d.peerKind, id: d.peerId }));
  const { users, chats } = deps.peersToTl(peers, me.id);
  return {
    _: 'updates',
    updates: drafts.map((d, i) => updateDraftToTl(peers[i]!, d, date)),
    users,
    chats,
    date,
    seq: 0,
  };
}

/** messages.clearAllDrafts: every draft of the user gone, each other app told chat by chat; true. */
export function clearAllDraftsRpc(deps: DraftDeps, me: SandboxUser): boolean {
  const date = deps.world.unixNow();
  for (const d of clearAllDrafts(deps.world, me.id)) {
    const peer: DraftPeer = { kind: d.peerKind, id: d.peerId };
    deps.push(me.id, () => draftPushToTl(peer, undefined, date));
  }
  return true;
}

/** A send with `clear_draft`: the chat's draft gone, the user's other apps told. */
export function clearDraftOnSend(deps: Pick<DraftDeps, 'world' | 'push'>, me: SandboxUser, peer: DraftPeer): void {
  if (!clearDraft(deps.world, me.id, peer)) return;
  const date = deps.world.unixNow();
  deps.push(me.id, () => draftPushToTl(peer, undefined, date));
}

/** The draft a dialog carries, if the user has one for the chat. */
export function dialogDraftToTl(world: SandboxWorld, userId: number, peer: DraftPeer): TlObject | undefined {
  const draft = draftOf(world, userId, peer);
  return draft ? draftToTl(draft, draft.date) : undefined;
}
