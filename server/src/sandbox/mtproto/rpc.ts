import { BOT_ONLY_GAME_METHODS, refuseUserGameCall } from './games';
import { randomBytes, randomInt } from 'node:crypto';
import {
  LoginCode,
  normalizePhone,
  SandboxBot,
  type ChannelInvite,
  type ChannelMessage,
  SandboxBasicGroup,
  SandboxChannel,
  type SandboxContact,
  type SandboxEntity,
  type SandboxForwardOrigin,
  type SandboxMessageMedia,
  type ReactedMessage,
  SandboxInvalidError,
  SandboxNotFoundError,
  SandboxUser,
  SandboxWorld,
  type SentRandomId,
  subscriberCount,
} from '../world';
import { channelMessageOrigin, groupMessageOrigin, privateMessageOrigin } from '../forward-origin';
import { castVote, isPoll, type PollChat, PollError, pollSentAgain } from '../polls';
import { pollFromInputMedia, updateMessagePollToTl } from './poll-tl';
import { reactionCounts, ReactionRefusedError, setAvailableReactions, setReactions } from '../reactions';
import { chatReactionChoiceFromTl, chatReactionsToTl } from './chat-reactions-tl';
import { botAboutOf, botInfoToTl, ownedBotInfoToTl } from './bot-info-tl';
import { appLanguageCode, botLanguageOf } from '../user-language';
import { activeBan, adminRightsOf, banMember, setChannelInfo, unbanMember } from '../channel-administration';
import {
  CHAT_PERMISSIONS,
  defaultPermissionsOf,
  restrictMember,
  sendKindOfMedia,
  sendRefusal,
  type SendKind,
  setDefaultPermissions,
  untilOrForever,
} from '../chat-permissions';
import { permissionsFromTl, sendKindOfInputMedia } from './banned-rights';
import {
  writeAdded,
  writeJoined,
  writeLeft,
  writePinned,
  writeServiceMessage,
  writeTitleChanged,
} from '../service-messages';
import { SandboxUpdates, UpdateStateError } from '../updates/sandbox-updates';
import { deleteGroupMessagesAsUser, groupMessagesFor } from '../basic-group-management';
import { BasicGroupRpc } from './basic-group-rpc';
import { migrateChat } from './group-migration';
import { migratedFromOf } from '../group-migration';
import { createVerifier, SrpSession, SrpVerifier } from './srp';
import {
  adminRightsFromTl,
  basicGroupMessageToTl,
  basicGroupToTl,
  botToTl,
  channelMessageToTl,
  channelMessageUserIds,
  channelToTl,
  configToTl,
  forwardAuthorIds,
  forwardOriginChannelIds,
  forwardOriginChatsToTl,
  groupMessageAuthorIds,
  emptyNotifySettings,
  entitiesFromTl,
  entitiesToTl,
  peerChannel,
  peerChat,
  peerUser,
  privateMessageToTl,
  reactionsUpdateToTl,
  SANDBOX_DC_ID,
  unixNow,
  userToTl,
} from './tl-builders';
import { isTlObject, TlCodec, TlObject } from './tl-codec';
import { DH_G, DH_PRIME } from './crypto';

import { getPrivacy, setPrivacy } from './privacy';
import { RpcError } from './rpc-error';
import { pendingCountOf, recordJoinedByLink, requestToJoin } from '../join-requests';
import {
  getChatInviteImporters,
  hideAllChatJoinRequests,
  hideChatJoinRequest,
  type JoinRequestCall,
} from './join-requests';
import {
  createForumTopic,
  deleteTopicHistory,
  editForumTopic,
  type ForumTopicCall,
  getForumTopics,
  getForumTopicsById,
  toggleForum,
  topicOfAppMessage,
  topicOfRead,
} from './forum-topics';
import { findTopic, inTopic } from '../forum-topics';
import { getParticipant, type ParticipantCall, rankFromTl } from './channel-participants';
import { getParticipants } from './participants-list';
import { getAdminLog } from './admin-log';
import { UploadStore } from './uploads';
import { getFile } from './downloads';
import { documentMedia, getStickerSet } from './stickers';
import { editChatPhotoFromTl } from './chat-photo-tl';
import { chatFullPhotoToTl } from './file-tl';
import {
  type ButtonChat,
  type ButtonPressDoor,
  DEFAULT_CALLBACK_ANSWER_TIMEOUT_MS,
  getBotCallbackAnswer,
  startBotMessage,
} from './bot-interaction';
import { getMessagesById } from './user-messages';
import {
  getInlineBotResults,
  type InlineCall,
  inlineChatType,
  isEmptyPeer,
  sendInlineBotResult,
} from './inline-queries';
import { inlineMessageAt } from '../inline-queries';
import { blockRpc, getBlockedRpc, unblockRpc } from './blocking-rpc';
import {
  clearAllDraftsRpc,
  clearDraftOnSend,
  dialogDraftToTl,
  type DraftDeps,
  getAllDraftsRpc,
  saveDraftRpc,
} from './drafts';
import type { DraftPeer } from '../drafts';
import { searchMatcher, type TextMatcher } from './message-search';
import { isBlocked } from '../blocking';
import {
  DEFAULT_PRECHECKOUT_TIMEOUT_MS,
  getPaymentForm,
  getStarsStatus,
  type PaymentsRpcDeps,
  sendStarsForm,
} from './payments';
import { type PushToUser, setTyping, statusFor, updateStatus } from './presence';
import {
  requestMainWebView,
  requestSimpleWebView,
  prolongWebView,
  requestWebView,
  sendWebViewData,
  type WebAppRpcDeps,
} from './web-apps';

export { RpcError } from './rpc-error';

/** What the door remembers about one auth key, for the server's lifetime. */
export interface AuthKeyRecord {
  id: Buffer;
  idHex: string;
  key: Buffer;
  salt: bigint;
  /** The signed-in user, if any. */
  userId?: number;
  /** Set when a sign-in stopped at SESSION_PASSWORD_NEEDED. */
  passwordUserId?: number;
  srp?: { session: SrpSession; userId: number };
  /** Set once the user's sessions were revoked: every call needing authorization answers 401. */
  revoked: boolean;
  sessions: Set<bigint>;
  attempts: number;
  createdAt: Date;
  /** Temporary (PFS) keys: unix time after which the key is refused with the transport error -404. */
  expiresAt?: number;
  /** A temporary key bound by auth.bindTempAuthKey: the permanent key (hex id) whose user its calls act as. */
  boundToHex?: string;
  /** The API layer the key's sessions last named with invokeWithLayer. */
  layer?: number;
  /** The language (`lang_code`) the key's app last named in initConnection. */
  langCode?: string;
}

/** Methods that work without a signed-in user (everything else answers AUTH_KEY_UNREGISTERED). */
const UNAUTHENTICATED = new Set([
  'help.getConfig',
  'help.getNearestDc',
  'auth.sendCode',
  'auth.signIn',
  'auth.checkPassword',
  'account.getPassword',
  'auth.exportLoginToken',
  'auth.importLoginToken',
  'auth.logOut',
]);

const LOGIN_TOKEN_TTL_SECONDS = 30;
const API_HASH_RE = /^[0-9a-f]{32}$/i;

/** Maps an injected fault to the rpc_error Telegram would send. */
export function faultToRpcError(fault: string | number): RpcError {
  if (typeof fault === 'number') {
    const names: Record<number, string> = {
      303: 'SEE_OTHER',
      400: 'BAD_REQUEST',
      401: 'UNAUTHORIZED',
      403: 'FORBIDDEN',
      404: 'NOT_FOUND',
      406: 'NOT_ACCEPTABLE',
      420: 'FLOOD',
      500: 'INTERNAL',
    };
    return new RpcError(fault, names[fault] ?? 'INTERNAL');
  }
  if (/^(FLOOD_WAIT|FLOOD_PREMIUM_WAIT|SLOWMODE_WAIT)_\d+$/.test(fault)) return new RpcError(420, fault);
  if (/_MIGRATE_\d+$/.test(fault)) return new RpcError(303, fault);
  if (
    /^(AUTH_KEY_UNREGISTERED|AUTH_KEY_INVALID|SESSION_REVOKED|SESSION_EXPIRED|SESSION_PASSWORD_NEEDED|USER_DEACTIVATED)/.test(
      fault,
    )
  ) {
    return new RpcError(401, fault);
  }
  if (
    /^(CHAT_WRITE_FORBIDDEN|CHAT_SEND_\w+_FORBIDDEN|USER_PRIVACY_RESTRICTED|CHAT_ADMIN_INVITE_REQUIRED|RIGHT_FORBIDDEN)$/.test(
      fault,
    )
  ) {
    return new RpcError(403, fault);
  }
  if (/^(INTERNAL|.*_TIMEOUT|RPC_CALL_FAIL)$/.test(fault)) return new RpcError(500, fault);
  return new RpcError(400, fault);
}

export interface RpcAnswer {
  /** The declared result type to serialize `value` as. */
  type: string;
  value: unknown;
  /** The call came wrapped in invokeWithoutUpdates: its connection wants no pushed updates. */
  withoutUpdates: boolean;
}

type Entity = { kind: 'user'; user: SandboxUser } | { kind: 'bot'; bot: SandboxBot };
/** A method's answer; `codec` is the caller's layer (for the few methods whose answer depends on it). */
type Handler = (key: AuthKeyRecord, req: TlObject, codec: TlCodec) => unknown;

/** Where a send or forward goes: a channel or supergroup, a basic group, or a private chat. */
type SendTarget =
  | { kind: 'channel'; channel: SandboxChannel }
  | { kind: 'group'; group: SandboxBasicGroup }
  | { kind: 'private'; toKind: 'user' | 'bot'; toId: number };

/** One message a send or forward writes. */
interface OutgoingMessage {
  text: string;
  media?: SandboxMessageMedia;
  entities?: SandboxEntity[];
  replyToId?: number;
  forwardOrigin?: SandboxForwardOrigin;
  /** The forum topic it goes to (forum-topics.ts). */
  topicId?: number;
  /** Sent through a bot's inline mode (inline-queries.ts). */
  inlineBotId?: number;
}

/** A message a forward takes: its content, where it was first written, and the broadcast post it is, if one. */
interface ForwardedMessage {
  text: string;
  media?: SandboxMessageMedia;
  entities?: SandboxEntity[];
  origin: SandboxForwardOrigin;
  post?: { channelId: number; messageId: number };
  /** Protected from forwarding and saving, by its sender or its chat. */
  noForwards: boolean;
}

/** One message of a send's answer: its random_id, where it is, and the pts it was written at (none: a repeat). */
interface SentItem {
  randomId: bigint;
  sent: SentRandomId;
  ptsCount: number;
  pts?: number;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN);
const obj = (v: unknown, what: string): TlObject => {
  if (!isTlObject(v)) throw new RpcError(400, `${what}_INVALID`);
  return v;
};

/**
 * The emoji of a `messages.sendReaction`: `reactionEmoji`s (`reactionEmpty` and an absent field are none), or a
 * plain emoji string in layers before 145 (empty: none). A custom emoji or paid reaction is one the sandbox's
 * accounts cannot send (no Premium, no Stars): REACTION_INVALID, as for a non-Premium account on Telegram.
 */
function reactionsFromTl(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw === 'string') return raw === '' ? [] : [raw];
  if (!Array.isArray(raw)) throw new RpcError(400, 'REACTION_INVALID');
  return raw.flatMap((r): string[] => {
    if (isTlObject(r) && r._ === 'reactionEmpty') return [];
    if (isTlObject(r) && r._ === 'reactionEmoji' && typeof r.emoticon === 'string') return [r.emoticon];
    throw new RpcError(400, 'REACTION_INVALID');
  });
}

/** The chat of a send, as a draft names it (drafts.ts). */
const draftPeerOf = (target: SendTarget): DraftPeer =>
  target.kind === 'channel'
    ? { kind: 'channel', id: target.channel.id }
    : target.kind === 'group'
      ? { kind: 'chat', id: target.group.id }
      : { kind: 'user', id: target.toId };

/** The MTProto door's API methods, answered from the shared world. */
export class RpcService {
  /** The auth key whose request is being answered, so pushes caused by it skip its own sessions. */
  originKeyId?: string;
  /** Revokes every auth key signed in as the user except one (auth.resetAuthorizations); set by the server. */
  revokeOtherKeys?: (userId: number, keepKeyHex: string) => void;
  /** Pushes an update that is no change of a box (typing, a status) to a user's sessions; set by the server. */
  pushToUser?: PushToUser;
  /** The Bot API door, whose bots hear the inline buttons an app presses; linked once both doors exist. */
  buttonPresses?: ButtonPressDoor;
  /** How long messages.getBotCallbackAnswer waits for the bot's answer. */
  callbackAnswerTimeoutMs = DEFAULT_CALLBACK_ANSWER_TIMEOUT_MS;
  /** How long payments.sendStarsForm waits for the bot's answer to its pre-checkout query. */
  preCheckoutTimeoutMs = DEFAULT_PRECHECKOUT_TIMEOUT_MS;

  private readonly handlers = new Map<string, Handler>();
  /** API calls answered or refused so far, by method (`messages.getHistory`...), wrappers left out. */
  readonly callsByMethod: Record<string, number> = {};
  private readonly verifiers = new Map<number, { password: string; verifier: Promise<SrpVerifier> }>();
  private readonly uploads: UploadStore;
  /** Per user id, the world times (ms) of their sends in the last minute, for FLOOD_WAIT. */
  private readonly recentSends = new Map<number, number[]>();
  /** QR login tokens issued per auth key (hex id), newest last. */
  private readonly tokensByKey = new Map<string, Buffer[]>();

  constructor(
    private readonly world: SandboxWorld,
    private readonly codec: TlCodec,
    private readonly endpoint: () => { host: string; port: number },
    private readonly updates: SandboxUpdates,
  ) {
    this.uploads = new UploadStore(world);
    const h = (name: string, fn: Handler): void => {
      this.handlers.set(name, fn);
    };
    h('help.getConfig', () => configToTl(this.endpoint().host, this.endpoint().port));
    h('help.getNearestDc', () => ({
      _: 'nearestDc',
      country: 'US',
      this_dc: SANDBOX_DC_ID,
      nearest_dc: SANDBOX_DC_ID,
    }));
    h('auth.sendCode', (k, r) => this.sendCode(k, r));
    h('auth.signIn', (k, r) => this.signIn(k, r));
    h('auth.logOut', (k) => this.logOut(k));
    h('auth.resetAuthorizations', (k) => {
      // Ends every other session of the user; the calling one stays signed in.
      this.revokeOtherKeys?.(this.requireUser(k).id, k.idHex);
      return true;
    });
    h('bots.getBotInfo', (k, r) => this.getBotInfo(k, r));
    h('account.getPassword', (k) => this.getPassword(k));
    h('auth.checkPassword', (k, r) => this.checkPassword(k, r));
    h('auth.exportLoginToken', (k, r) => this.exportLoginToken(k, r));
    h('auth.importLoginToken', (k, r) => this.importLoginToken(k, r));
    h('users.getUsers', (k, r) => this.getUsers(k, r));
    h('users.getFullUser', (k, r) => this.getFullUser(k, r));
    h('updates.getState', (k) => this.updates.getState(this.requireUser(k).id));
    h('updates.getDifference', (k, r) => this.difference(k, r, false));
    h('updates.getChannelDifference', (k, r) => this.difference(k, r, true));
    h('contacts.resolveUsername', (k, r) => this.resolveUsername(k, r));
    h('account.setPrivacy', (k, r) => {
      const me = this.requireUser(k);
      return setPrivacy(this.world, me, r, (ref) => {
        const e = this.resolveUser(me, ref, 'USER_ID_INVALID');
        return e.kind === 'user' ? e.user.id : e.bot.id;
      });
    });
    h('account.getPrivacy', (k, r) => getPrivacy(this.world, this.requireUser(k), r));
    h('contacts.getContacts', (k) => this.getContacts(k));
    h('contacts.importContacts', (k, r) => this.importContacts(k, r));
    h('upload.saveFilePart', (k, r) => this.uploads.savePart(this.requireUser(k).id, r, false));
    h('upload.saveBigFilePart', (k, r) => this.uploads.savePart(this.requireUser(k).id, r, true));
    h('upload.getFile', (k, r) => getFile(this.world, this.requireUser(k).id, r));
    h('messages.sendMedia', (k, r) => this.sendMedia(k, r));
    h('messages.getStickerSet', (k, r) => getStickerSet(this.world, this.requireUser(k).id, r));
    h('messages.exportChatInvite', (k, r) => this.exportChatInvite(k, r));
    h('messages.checkChatInvite', (k, r) => this.checkChatInvite(k, r));
    h('messages.importChatInvite', (k, r) => this.importChatInvite(k, r));
    h('messages.getChatInviteImporters', (k, r) => getChatInviteImporters(this.joinRequestCall(k, r)));
    h('messages.hideChatJoinRequest', (k, r) => {
      const call = this.joinRequestCall(k, r);
      const e = this.resolveUser(call.me, obj(r.user_id, 'USER_ID'), 'USER_ID_INVALID');
      if (e.kind !== 'user') throw new RpcError(400, 'HIDE_REQUESTER_MISSING');
      return hideChatJoinRequest(call, e.user.id);
    });
    h('messages.hideAllChatJoinRequests', (k, r) => hideAllChatJoinRequests(this.joinRequestCall(k, r)));
    // Forum topics (forum-topics.ts); layer 216 on names them messages.* with a peer.
    h('channels.toggleForum', (k, r) => toggleForum(this.forumCall(k, r)));
    for (const prefix of ['channels', 'messages']) {
      h(`${prefix}.createForumTopic`, (k, r) => createForumTopic(this.forumCall(k, r)));
      h(`${prefix}.getForumTopics`, (k, r) => getForumTopics(this.forumCall(k, r)));
      h(`${prefix}.getForumTopicsByID`, (k, r) => getForumTopicsById(this.forumCall(k, r)));
      h(`${prefix}.editForumTopic`, (k, r) => editForumTopic(this.forumCall(k, r)));
      h(`${prefix}.deleteTopicHistory`, (k, r) => deleteTopicHistory(this.forumCall(k, r)));
    }
    h('channels.joinChannel', (k, r) => this.joinChannel(k, r));
    h('channels.leaveChannel', (k, r) => this.leaveChannel(k, r));
    h('channels.deleteChannel', (k, r) => this.deleteChannel(k, r));
    h('channels.readHistory', (k, r) => this.readChannelHistory(k, r));
    h('messages.getDialogs', (k, r) => this.getDialogs(k, r));
    h('messages.getHistory', (k, r) => this.getHistory(k, r));
    h('messages.search', (k, r) => this.getHistory(k, r, searchMatcher(r), { id: topicOfRead(r.top_msg_id) }));
    // A forum topic's messages (forum-topics.ts); the sandbox has no other threads.
    h('messages.getReplies', (k, r) =>
      this.getHistory(k, r, () => true, { id: topicOfRead(r.msg_id) ?? 0, only: true }),
    );
    h('messages.sendMessage', (k, r) => this.sendMessage(k, r));
    h('messages.forwardMessages', (k, r) => this.forwardMessages(k, r));
    h('messages.editMessage', (k, r) => this.editMessage(k, r));
    h('messages.deleteMessages', (k, r) => this.deleteMessages(k, r));
    h('messages.readHistory', (k, r) => this.readHistory(k, r));
    h('messages.getMessagesViews', (k, r) => this.getMessagesViews(k, r));
    h('messages.getMessagesReactions', (k, r) => this.getMessagesReactions(k, r));
    h('messages.sendReaction', (k, r) => this.sendReaction(k, r));
    h('messages.setChatAvailableReactions', (k, r) => this.setChatAvailableReactions(k, r));
    h('channels.deleteMessages', (k, r) => this.deleteChannelMessages(k, r));
    h('channels.getChannels', (k, r) => this.getChannels(k, r));
    h('messages.getChats', (k, r) => this.getChats(k, r));
    h('channels.getFullChannel', (k, r) => this.getFullChannel(k, r));
    h('channels.getMessages', (k, r) => this.getChannelMessages(k, r));
    h('channels.createChannel', (k, r) => this.createChannel(k, r));
    h('channels.inviteToChannel', (k, r) => this.inviteToChannel(k, r));
    h('channels.editAdmin', (k, r) => this.editAdmin(k, r));
    h('channels.getParticipant', (k, r) => getParticipant(this.participantCall(k, r)));
    h('channels.getParticipants', (k, r) => {
      const me = this.requireUser(k);
      const channel = this.resolveChannel(r.channel);
      return getParticipants({ world, me, channel, req: r, usersToTl: (ids) => this.usersToTl(ids, me.id) });
    });
    h('channels.getAdminLog', (k, r) => {
      const me = this.requireUser(k);
      const channel = this.resolveChannel(r.channel);
      const adminIds = (inputs: unknown[]): number[] =>
        inputs.map((input) => {
          const e = this.resolveUser(me, obj(input, 'USER_ID'), 'USER_ID_INVALID');
          return e.kind === 'user' ? e.user.id : e.bot.id;
        });
      const usersToTl = (ids: Iterable<number>): TlObject[] => this.usersToTl(ids, me.id);
      return getAdminLog({ world, me, channel, req: r, adminIds, usersToTl, inviteToTl: (i) => this.inviteToTl(i) });
    });
    h('channels.editBanned', (k, r) => this.editBanned(k, r));
    h('messages.editChatDefaultBannedRights', (k, r) => this.editDefaultBannedRights(k, r));
    h('messages.toggleNoForwards', (k, r) => this.toggleNoForwards(k, r));
    h('messages.sendVote', (k, r) => this.sendVote(k, r));
    h('messages.getPollResults', (k, r) => this.pollResults(k, r));
    h('channels.editTitle', (k, r) => this.editChannelTitle(k, r));
    h('channels.editPhoto', (k, r) => this.editChannelPhoto(k, r));
    h('messages.editChatPhoto', (k, r) => this.editGroupPhoto(k, r));
    h('messages.updatePinnedMessage', (k, r) => this.updatePinnedMessage(k, r));
    const groups = new BasicGroupRpc({
      world,
      updates,
      resolveMember: (me, input, error) => {
        const e = this.resolveUser(me, obj(input, 'USER_ID'), error);
        return e.kind === 'user' ? { kind: 'user', id: e.user.id } : { kind: 'bot', id: e.bot.id };
      },
      usersToTl: (ids, viewerId) => this.usersToTl(ids, viewerId),
    });
    h('messages.createChat', (k, r) => groups.createChat(this.requireUser(k), r));
    h('messages.addChatUser', (k, r) => groups.addChatUser(this.requireUser(k), r));
    h('messages.deleteChatUser', (k, r) => groups.deleteChatUser(this.requireUser(k), r));
    h('messages.editChatTitle', (k, r) => groups.editChatTitle(this.requireUser(k), r));
    h('messages.getFullChat', (k, r) => groups.getFullChat(this.requireUser(k), r));
    h('messages.migrateChat', (k, r) =>
      migrateChat({ world, updates, usersToTl: (ids, v) => this.usersToTl(ids, v) }, this.requireUser(k), r),
    );
    this.appCallsToBots(h);
    this.blocking(h);
    this.drafts(h);
    this.payments(h);
    this.webApps(h);
    // Game scores are set and read by bots (games.ts).
    for (const name of BOT_ONLY_GAME_METHODS) h(name, (k) => (this.requireUser(k), refuseUserGameCall()));
  }

  /** Mini Apps' web views (web-apps.ts). */
  private webApps(h: (name: string, fn: Handler) => void): void {
    const deps: WebAppRpcDeps = {
      world: this.world,
      botOf: (me, input) => this.resolveBot(me, input, 'BOT', 'BOT_INVALID'),
      isChatWith: (me, peer, bot) => {
        const e = this.resolveUser(me, obj(peer, 'PEER_ID'), 'PEER_ID_INVALID');
        return e.kind === 'bot' && e.bot.id === bot.id;
      },
      sentUpdates: (me, randomId, message) =>
        this.sentUpdates(me, [{ randomId, sent: { messageId: message.id }, ptsCount: 1 }]),
    };
    h('messages.requestWebView', (k, r) => requestWebView(deps, this.requireUser(k), r));
    h('messages.requestSimpleWebView', (k, r, codec) =>
      requestSimpleWebView(deps, this.requireUser(k), r, codec.schema),
    );
    h('messages.requestMainWebView', (k, r) => requestMainWebView(deps, this.requireUser(k), r));
    h('messages.sendWebViewData', (k, r) => sendWebViewData(deps, this.requireUser(k), r));
    h('messages.prolongWebView', (k, r) => prolongWebView(deps, this.requireUser(k), r));
  }

  /** Paying bots' invoices in Telegram Stars (payments.ts). */
  private payments(h: (name: string, fn: Handler) => void): void {
    const deps: PaymentsRpcDeps = {
      world: this.world,
      botOfPeer: (me, peer) => this.resolveBot(me, peer, 'PEER_ID', 'PEER_ID_INVALID').id,
      usersToTl: (ids, viewerId) => this.usersToTl(ids, viewerId),
      userPts: (userId) => this.updates.userPts(userId),
      preCheckoutTimeoutMs: () => this.preCheckoutTimeoutMs,
    };
    h('payments.getPaymentForm', (k, r, codec) => getPaymentForm(deps, this.requireUser(k), r, codec.schema));
    h('payments.sendStarsForm', (k, r) => sendStarsForm(deps, this.requireUser(k), r));
    h('payments.getStarsStatus', (k, r) => getStarsStatus(deps, this.requireUser(k), r));
  }

  /** Message drafts: messages.saveDraft, getAllDrafts, clearAllDrafts (drafts.ts). */
  private drafts(h: (name: string, fn: Handler) => void): void {
    const deps = this.draftDeps();
    h('messages.saveDraft', (k, r) => saveDraftRpc(deps, this.requireUser(k), r));
    h('messages.getAllDrafts', (k) => getAllDraftsRpc(deps, this.requireUser(k)));
    h('messages.clearAllDrafts', (k) => clearAllDraftsRpc(deps, this.requireUser(k)));
  }

  private draftDeps(): DraftDeps {
    return {
      world: this.world,
      peerOf: (me, input) => {
        const peer = obj(input, 'PEER_ID');
        if (peer._ === 'inputPeerChannel') return { kind: 'channel', id: this.readableChannel(peer, me).id };
        if (peer._ === 'inputPeerChat') return { kind: 'chat', id: this.memberGroup(me, peer).id };
        const e = this.resolveUser(me, peer, 'PEER_ID_INVALID');
        return { kind: 'user', id: e.kind === 'user' ? e.user.id : e.bot.id };
      },
      peersToTl: (peers, viewerId) => ({
        users: this.usersToTl(
          peers.filter((p) => p.kind === 'user').map((p) => p.id),
          viewerId,
        ),
        chats: peers.flatMap((p) => {
          const channel = p.kind === 'channel' ? this.world.findChannel(p.id) : undefined;
          const group = p.kind === 'chat' ? this.world.findBasicGroup(p.id) : undefined;
          if (channel) return [channelToTl(channel, viewerId)];
          return group ? [basicGroupToTl(group, viewerId)] : [];
        }),
      }),
      push: (userId, build) => this.pushToUser?.(userId, build),
    };
  }

  /** A user's block list: contacts.block, contacts.unblock, contacts.getBlocked (blocking-rpc.ts). */
  private blocking(h: (name: string, fn: Handler) => void): void {
    const deps = {
      world: this.world,
      usersToTl: (ids: number[], viewerId: number) => this.usersToTl(ids, viewerId),
      push: ((userId, build) => this.pushToUser?.(userId, build)) satisfies PushToUser,
    };
    const target = (me: SandboxUser, input: unknown): { kind: 'user' | 'bot'; id: number } => {
      const e = this.resolveUser(me, obj(input, 'CONTACT_ID'), 'CONTACT_ID_INVALID');
      return e.kind === 'user' ? { kind: 'user', id: e.user.id } : { kind: 'bot', id: e.bot.id };
    };
    h('contacts.block', (k, r) => {
      const me = this.requireUser(k);
      return blockRpc(deps, me, target(me, r.id));
    });
    h('contacts.unblock', (k, r) => {
      const me = this.requireUser(k);
      return unblockRpc(deps, me, target(me, r.id));
    });
    h('contacts.getBlocked', (k, r) => getBlockedRpc(deps, this.requireUser(k), r));
  }

  /** Calls an app makes talking to bots and people: pressing a button, a deep-link start, typing, presence. */
  private appCallsToBots(h: (name: string, fn: Handler) => void): void {
    const push: PushToUser = (userId, build) => this.pushToUser?.(userId, build);
    h('messages.getBotCallbackAnswer', (k, r) => {
      const me = this.requireUser(k);
      const chat = this.inlineButtonChat(me, r.peer, num(r.msg_id)) ?? this.buttonChat(me, r.peer);
      return getBotCallbackAnswer({
        door: this.buttonPresses,
        me,
        chat,
        req: r,
        timeoutMs: this.callbackAnswerTimeoutMs,
      });
    });
    h('messages.getInlineBotResults', (k, r) => {
      const me = this.requireUser(k);
      const bot = this.resolveBot(me, r.bot, 'BOT', 'BOT_INVALID');
      const chatType = isEmptyPeer(r.peer) ? undefined : inlineChatType(this.inlinePeer(me, r.peer), bot.id);
      return getInlineBotResults(this.inlineCall(me, r), bot, chatType);
    });
    h('messages.sendInlineBotResult', (k, r) => {
      const me = this.requireUser(k);
      const repeated = typeof r.random_id === 'bigint' && !!this.world.findSentByRandomId(me.id, r.random_id);
      return sendInlineBotResult(this.inlineCall(me, r), (content) => ({
        repeated,
        answer: this.send(me, r, content.text, sendKindOfMedia(content.media), () => content.media, content),
      }));
    });
    h('messages.startBot', (k, r) => {
      const me = this.requireUser(k);
      const bot = this.resolveBot(me, r.bot, 'BOT', 'BOT_INVALID');
      // The start of a private chat with the bot (a group's start, t.me/bot?startgroup=, is not served).
      if (this.resolveBot(me, r.peer, 'PEER_ID', 'PEER_ID_INVALID').id !== bot.id) {
        throw new RpcError(400, 'PEER_ID_INVALID');
      }
      const { text, entities } = startBotMessage(r.start_param);
      return this.send(me, { ...r, peer: r.peer, entities }, text, 'text', () => undefined);
    });
    h('messages.getMessages', (k, r) => {
      const me = this.requireUser(k);
      return getMessagesById({
        world: this.world,
        me,
        req: r,
        usersToTl: (ids) => this.usersToTl(ids, me.id),
        originChatsToTl: (messages) => this.originChats(messages, me),
      });
    });
    h('messages.setTyping', (k, r) => {
      const me = this.requireUser(k);
      return setTyping(me, this.sendTarget(me, r.peer), r.action, push);
    });
    h('account.updateStatus', (k, r) => updateStatus(this.world, this.requireUser(k), r.offline, push));
  }

  /** What an inline query's call needs of the door (inline-queries.ts); it waits as long as a button press. */
  private inlineCall(me: SandboxUser, req: TlObject): InlineCall {
    return { world: this.world, me, req, timeoutMs: this.callbackAnswerTimeoutMs };
  }

  /** The chat an app types an inline query in. */
  private inlinePeer(me: SandboxUser, input: unknown): Parameters<typeof inlineChatType>[0] {
    const peer = obj(input, 'PEER_ID');
    if (peer._ === 'inputPeerSelf') return { kind: 'self' };
    if (peer._ === 'inputPeerChat') return { kind: 'group' };
    if (peer._ === 'inputPeerChannel') return { kind: 'channel', megagroup: this.resolveChannel(peer).megagroup };
    const other = this.resolveUser(me, peer, 'PEER_ID_INVALID');
    return other.kind === 'user' ? { kind: 'user', id: other.user.id } : { kind: 'bot', id: other.bot.id };
  }

  /** A message sent via a bot's inline mode with a keyboard, in a chat the user sees (inline-queries.ts). */
  private inlineButtonChat(me: SandboxUser, input: unknown, messageId: number): ButtonChat | undefined {
    const peer = obj(input, 'PEER_ID');
    let at: SentRandomId;
    if (peer._ === 'inputPeerChannel') at = { channelId: this.readableChannel(peer, me).id, messageId };
    else if (peer._ === 'inputPeerChat') at = { groupId: this.memberGroup(me, peer).id, messageId };
    else {
      const other = this.resolveUser(me, peer, 'PEER_ID_INVALID');
      const otherId = other.kind === 'user' ? other.user.id : other.bot.id;
      const message = this.world.findPrivateMessage(messageId);
      const pair = [message?.fromId, message?.toId];
      if (!message || !pair.includes(me.id) || !pair.includes(otherId)) return undefined;
      at = { messageId };
    }
    const found = inlineMessageAt(this.world, at);
    return found && { kind: 'inline', botId: found.botId, inlineMessageId: found.id };
  }

  /** The chat of a message whose inline button an app presses: its private chat with a bot, or a channel. */
  private buttonChat(me: SandboxUser, input: unknown): ButtonChat {
    const peer = obj(input, 'PEER_ID');
    if (peer._ === 'inputPeerChannel') return { kind: 'channel', channel: this.readableChannel(peer, me) };
    // A basic group's messages carry no inline keyboard in the sandbox.
    if (peer._ === 'inputPeerChat') throw new RpcError(400, 'MESSAGE_ID_INVALID');
    const other = this.resolveUser(me, peer, 'PEER_ID_INVALID');
    if (other.kind !== 'bot') throw new RpcError(400, 'MESSAGE_ID_INVALID');
    return { kind: 'bot', botId: other.bot.id };
  }

  /**
   * Answers one API call: unwraps invokeWithLayer/initConnection-style wrappers, applies injected
   * faults and authorization, and returns the result with the type to serialize it as.
   */
  async invoke(key: AuthKeyRecord, request: TlObject, codec: TlCodec = this.codec): Promise<RpcAnswer> {
    let call = request;
    let fn = codec.schema.functions.get(call._);
    let withoutUpdates = false;
    // Wrappers carry the real query in a `query:!X` field.
    while (fn && fn.params.some((p) => p.type === '!X')) {
      if (call._ === 'invokeWithoutUpdates') withoutUpdates = true;
      if (call._ === 'initConnection' && (typeof call.api_id !== 'number' || call.api_id <= 0)) {
        throw new RpcError(400, 'API_ID_INVALID');
      }
      if (call._ === 'initConnection') this.noteAppLanguage(key, call.lang_code);
      call = obj(call.query, 'QUERY');
      fn = codec.schema.functions.get(call._);
    }
    if (!fn) throw new RpcError(400, 'INPUT_METHOD_INVALID');
    this.callsByMethod[call._] = (this.callsByMethod[call._] ?? 0) + 1;
    const fault = this.world.takeFault('mtproto', call._);
    if (fault !== undefined) throw faultToRpcError(fault);
    const handler = this.handlers.get(call._);
    if (!handler) throw new RpcError(400, 'METHOD_NOT_SUPPORTED');
    if (!UNAUTHENTICATED.has(call._)) this.requireUser(key);
    this.originKeyId = key.idHex;
    let answer: unknown;
    try {
      answer = handler(key, call, codec);
    } finally {
      // Only what the call itself changes skips its own sessions: a call that waits (for a bot's answer to a button)
      // gets what others change meanwhile, as any session does.
      this.originKeyId = undefined;
    }
    const value = await answer;
    // Layers from 227 answer a join with a result that wraps its updates (a bot's web view being the other kind).
    if (fn.type === 'messages.ChatInviteJoinResult' && isTlObject(value) && value._ === 'updates') {
      return { type: fn.type, value: { _: 'messages.chatInviteJoinResultOk', updates: value }, withoutUpdates };
    }
    // Layers before 177 answer an invitation with its updates alone.
    if (fn.type === 'Updates' && isTlObject(value) && value._ === 'messages.invitedUsers') {
      return { type: fn.type, value: value.updates, withoutUpdates };
    }
    return { type: fn.type, value, withoutUpdates };
  }

  /** Forgets what this door derived from the world (after a world reset). */
  clear(): void {
    this.verifiers.clear();
    this.uploads.clear();
    this.recentSends.clear();
    this.tokensByKey.clear();
  }

  // ---- authorization ----

  private requireUser(key: AuthKeyRecord): SandboxUser {
    const user = key.userId === undefined || key.revoked ? undefined : this.world.findUserById(key.userId);
    if (!user) throw new RpcError(401, 'AUTH_KEY_UNREGISTERED');
    return user;
  }

  /** The app's language (initConnection's lang_code) becomes its user's: the latest connection's wins. */
  private noteAppLanguage(key: AuthKeyRecord, langCode: unknown): void {
    const language = appLanguageCode(langCode);
    if (language === undefined) return;
    key.langCode = language;
    const user = key.userId === undefined || key.revoked ? undefined : this.world.findUserById(key.userId);
    if (user) user.languageCode = language;
  }

  private authorize(key: AuthKeyRecord, user: SandboxUser): TlObject {
    if (key.langCode !== undefined) user.languageCode = key.langCode;
    key.userId = user.id;
    key.revoked = false;
    key.passwordUserId = undefined;
    key.srp = undefined;
    return { _: 'auth.authorization', user: userToTl(user, user.id) };
  }

  private checkApi(apiId: unknown, apiHash: unknown): void {
    if (typeof apiId !== 'number' || apiId <= 0 || typeof apiHash !== 'string' || !API_HASH_RE.test(apiHash)) {
      throw new RpcError(400, 'API_ID_INVALID');
    }
  }

  private sendCode(key: AuthKeyRecord, req: TlObject): TlObject {
    this.checkApi(req.api_id, req.api_hash);
    const phone = normalizePhone(str(req.phone_number));
    if (phone.length < 5 || phone.length > 15) throw new RpcError(400, 'PHONE_NUMBER_INVALID');
    const now = new Date();
    const code: LoginCode = {
      code: String(randomInt(0, 100000)).padStart(5, '0'),
      phone,
      phoneCodeHash: randomBytes(9).toString('hex'),
      authKeyId: key.idHex,
      sentAt: now,
      expiresAt: new Date(now.getTime() + this.world.codeTtlSeconds * 1000),
      used: false,
    };
    this.world.recordLoginCode(code);
    return {
      _: 'auth.sentCode',
      type: { _: 'auth.sentCodeTypeApp', length: code.code.length },
      phone_code_hash: code.phoneCodeHash,
      timeout: this.world.codeTtlSeconds,
    };
  }

  private signIn(key: AuthKeyRecord, req: TlObject): TlObject {
    const phone = normalizePhone(str(req.phone_number));
    const hash = str(req.phone_code_hash);
    if (!hash) throw new RpcError(400, 'PHONE_CODE_HASH_EMPTY');
    const typed = typeof req.phone_code === 'string' ? req.phone_code : '';
    if (!typed) throw new RpcError(400, 'PHONE_CODE_EMPTY');
    const code = this.world.findCodeByHash(hash);
    // A code only ever works with the auth key that asked for it, once, before it expires.
    if (
      !code ||
      code.phone !== phone ||
      code.authKeyId !== key.idHex ||
      code.used ||
      code.expiresAt.getTime() <= Date.now()
    ) {
      throw new RpcError(400, 'PHONE_CODE_EXPIRED');
    }
    if (typed !== code.code) throw new RpcError(400, 'PHONE_CODE_INVALID');
    const user = this.world.findUserByPhone(phone);
    if (!user) throw new RpcError(400, 'PHONE_NUMBER_UNOCCUPIED');
    code.used = true;
    if (user.password) {
      key.passwordUserId = user.id;
      throw new RpcError(401, 'SESSION_PASSWORD_NEEDED');
    }
    return this.authorize(key, user);
  }

  private logOut(key: AuthKeyRecord): TlObject {
    key.userId = undefined;
    key.passwordUserId = undefined;
    key.srp = undefined;
    return { _: 'auth.loggedOut' };
  }

  private verifierFor(user: SandboxUser & { password: string }): Promise<SrpVerifier> {
    const cached = this.verifiers.get(user.id);
    if (cached && cached.password === user.password) return cached.verifier;
    // PBKDF2 with 100000 rounds is slow on purpose: derive once per user and password.
    const verifier = createVerifier(user.password);
    this.verifiers.set(user.id, { password: user.password, verifier });
    return verifier;
  }

  private passwordUser(key: AuthKeyRecord): SandboxUser | undefined {
    const id = key.passwordUserId ?? (key.revoked ? undefined : key.userId);
    return id === undefined ? undefined : this.world.findUserById(id);
  }

  private async getPassword(key: AuthKeyRecord): Promise<TlObject> {
    const user = this.passwordUser(key);
    if (!user) throw new RpcError(401, 'AUTH_KEY_UNREGISTERED');
    const newAlgo = {
      _: 'passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow',
      salt1: randomBytes(8),
      salt2: randomBytes(16),
      g: DH_G,
      p: DH_PRIME,
    };
    const base = {
      _: 'account.password',
      new_algo: newAlgo,
      new_secure_algo: { _: 'securePasswordKdfAlgoUnknown' },
      secure_random: randomBytes(32),
    };
    const { password } = user;
    if (!password) return { ...base, has_password: false };
    const verifier = await this.verifierFor({ ...user, password });
    const session = new SrpSession(BigInt.asIntN(64, randomBytes(8).readBigUInt64LE()), verifier);
    key.srp = { session, userId: user.id };
    return {
      ...base,
      has_password: true,
      current_algo: { ...newAlgo, salt1: verifier.salt1, salt2: verifier.salt2 },
      srp_B: session.B,
      srp_id: session.srpId,
    };
  }

  private checkPassword(key: AuthKeyRecord, req: TlObject): TlObject {
    const input = obj(req.password, 'PASSWORD');
    const srp = key.srp;
    if (input._ !== 'inputCheckPasswordSRP' || !srp || srp.session.srpId !== input.srp_id) {
      throw new RpcError(400, 'SRP_ID_INVALID');
    }
    const user = this.world.findUserById(srp.userId);
    if (!user || (key.passwordUserId !== user.id && key.userId !== user.id)) throw new RpcError(400, 'SRP_ID_INVALID');
    if (!Buffer.isBuffer(input.A) || !Buffer.isBuffer(input.M1) || !srp.session.check(input.A, input.M1)) {
      throw new RpcError(400, 'PASSWORD_HASH_INVALID');
    }
    return this.authorize(key, user);
  }

  private exportLoginToken(key: AuthKeyRecord, req: TlObject): TlObject {
    this.checkApi(req.api_id, req.api_hash);
    const issued = this.tokensByKey.get(key.idHex) ?? [];
    const accepted = issued
      .map((t) => this.world.findLoginToken(t))
      .find((t) => t?.acceptedByUserId !== undefined && t.expiresAt.getTime() > Date.now());
    if (accepted?.acceptedByUserId !== undefined) {
      this.tokensByKey.delete(key.idHex);
      return this.finishTokenLogin(key, accepted.acceptedByUserId);
    }
    const token = this.world.createLoginToken(key.idHex, LOGIN_TOKEN_TTL_SECONDS);
    // Only the live tokens matter; older ones have expired.
    this.tokensByKey.set(key.idHex, [
      ...issued.filter((t) => (this.world.findLoginToken(t)?.expiresAt.getTime() ?? 0) > Date.now()),
      token.token,
    ]);
    return { _: 'auth.loginToken', expires: Math.floor(token.expiresAt.getTime() / 1000), token: token.token };
  }

  private importLoginToken(key: AuthKeyRecord, req: TlObject): TlObject {
    const token = Buffer.isBuffer(req.token) ? this.world.findLoginToken(req.token) : undefined;
    if (!token) throw new RpcError(400, 'AUTH_TOKEN_INVALID');
    if (token.expiresAt.getTime() <= Date.now()) throw new RpcError(400, 'AUTH_TOKEN_EXPIRED');
    if (token.acceptedByUserId === undefined) {
      return { _: 'auth.loginToken', expires: Math.floor(token.expiresAt.getTime() / 1000), token: token.token };
    }
    return this.finishTokenLogin(key, token.acceptedByUserId);
  }

  private finishTokenLogin(key: AuthKeyRecord, userId: number): TlObject {
    const user = this.world.findUserById(userId);
    if (!user) throw new RpcError(400, 'AUTH_TOKEN_INVALID');
    if (user.password) {
      key.passwordUserId = user.id;
      throw new RpcError(401, 'SESSION_PASSWORD_NEEDED');
    }
    return { _: 'auth.loginTokenSuccess', authorization: this.authorize(key, user) };
  }

  // ---- entities ----

  private entityById(id: number): Entity | undefined {
    const user = this.world.findUserById(id);
    if (user) return { kind: 'user', user };
    const bot = this.world.findBotById(id);
    return bot ? { kind: 'bot', bot } : undefined;
  }

  private entityToTl(e: Entity, viewerId: number): TlObject {
    return e.kind === 'user'
      ? { ...userToTl(e.user, viewerId), status: statusFor(this.world, e.user.id, viewerId) }
      : botToTl(e.bot);
  }

  private usersToTl(ids: Iterable<number>, viewerId: number): TlObject[] {
    const out: TlObject[] = [];
    for (const id of new Set(ids)) {
      const e = this.entityById(id);
      if (e) out.push(this.entityToTl(e, viewerId));
    }
    return out;
  }

  /** Resolves an InputUser/InputPeer user reference, checking its access hash. */
  private resolveUser(me: SandboxUser, input: TlObject, error: string): Entity {
    if (input._ === 'inputUserSelf' || input._ === 'inputPeerSelf') return { kind: 'user', user: me };
    if (input._ === 'inputUser' || input._ === 'inputPeerUser') {
      const e = this.entityById(num(input.user_id));
      const hash = e?.kind === 'user' ? e.user.accessHash : e?.bot.accessHash;
      if (e && hash === input.access_hash) return e;
    }
    throw new RpcError(400, error);
  }

  /** Resolves a reference that must be a bot's (`field` names it in errors), refused with `error` otherwise. */
  private resolveBot(me: SandboxUser, input: unknown, field: string, error: string): SandboxBot {
    const e = this.resolveUser(me, obj(input, field), error);
    if (e.kind !== 'bot') throw new RpcError(400, error);
    return e.bot;
  }

  private resolveChannel(input: unknown): SandboxChannel {
    const ref = obj(input, 'CHANNEL');
    if (ref._ === 'inputChannel' || ref._ === 'inputPeerChannel') {
      const channel = this.world.findChannel(num(ref.channel_id));
      if (channel && channel.accessHash === ref.access_hash) return channel;
    }
    throw new RpcError(400, 'CHANNEL_INVALID');
  }

  /** A member reads the channel; anyone else a public one, unless banned from it. */
  private canRead(channel: SandboxChannel, userId: number): boolean {
    if (channel.members.has(`user:${userId}`)) return true;
    return channel.username !== undefined && !activeBan(this.world, channel, 'user', userId);
  }

  /**
   * A user banned from the channel cannot come back, by joining or by a link: Telegram answers CHANNEL_PRIVATE, whose
   * documented meaning includes "you were banned from it".
   */
  private requireNotBanned(channel: SandboxChannel, me: SandboxUser): void {
    if (activeBan(this.world, channel, 'user', me.id)) throw new RpcError(400, 'CHANNEL_PRIVATE');
  }

  private readableChannel(input: unknown, me: SandboxUser): SandboxChannel {
    const channel = this.resolveChannel(input);
    if (!this.canRead(channel, me.id)) throw new RpcError(400, 'CHANNEL_PRIVATE');
    return channel;
  }

  private getUsers(key: AuthKeyRecord, req: TlObject): TlObject[] {
    const me = this.requireUser(key);
    const ids = Array.isArray(req.id) ? req.id : [];
    return ids.map((input) => {
      try {
        return this.entityToTl(this.resolveUser(me, obj(input, 'USER_ID'), 'USER_ID_INVALID'), me.id);
      } catch {
        return { _: 'userEmpty', id: isTlObject(input) && input.user_id !== undefined ? input.user_id : 0n };
      }
    });
  }

  private getFullUser(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const e = this.resolveUser(me, obj(req.id, 'USER_ID'), 'USER_ID_INVALID');
    const id = e.kind === 'user' ? e.user.id : e.bot.id;
    const commonChats = this.world
      .listChannels()
      .filter((c) => c.members.has(`user:${me.id}`) && c.members.has(`${e.kind}:${id}`)).length;
    return {
      _: 'users.userFull',
      full_user: {
        _: 'userFull',
        id: BigInt(id),
        settings: { _: 'peerSettings' },
        notify_settings: emptyNotifySettings(),
        common_chats_count: id === me.id ? 0 : commonChats,
        about: e.kind === 'bot' ? botAboutOf(this.world, e.bot, botLanguageOf(me)) : undefined,
        bot_info: e.kind === 'bot' ? botInfoToTl(this.world, e.bot, me.id, botLanguageOf(me)) : undefined,
        // The pinned bar of the private chat with them: its most recent pinned message.
        pinned_msg_id: this.world.pinnedMessageIds({ kind: 'private', userId: me.id, peerKind: e.kind, peerId: id })[0],
        blocked: isBlocked(this.world, me.id, e.kind, id) || undefined,
      },
      chats: [],
      users: [this.entityToTl(e, me.id)],
    };
  }

  private getBotInfo(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const e = isTlObject(req.bot) ? this.resolveUser(me, req.bot, 'BOT_INVALID') : undefined;
    const bot = e === undefined ? 'none' : e.kind === 'bot' ? e.bot : 'not a bot';
    return ownedBotInfoToTl(this.world, me.id, bot, str(req.lang_code));
  }

  private difference(key: AuthKeyRecord, req: TlObject, channel: boolean): TlObject {
    const me = this.requireUser(key);
    try {
      return channel
        ? this.updates.getChannelDifference(me.id, this.readableChannel(req.channel, me), req)
        : this.updates.getDifference(me.id, req);
    } catch (e) {
      if (e instanceof UpdateStateError) throw new RpcError(400, e.errorMessage);
      throw e;
    }
  }

  private resolveUsername(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const username = str(req.username).replace(/^@/, '');
    if (!/^[A-Za-z][A-Za-z0-9_]{3,31}$/.test(username)) throw new RpcError(400, 'USERNAME_INVALID');
    const user = this.world.findUserByUsername(username);
    if (user) return { _: 'contacts.resolvedPeer', peer: peerUser(user.id), chats: [], users: [userToTl(user, me.id)] };
    const bot = this.world.findBotByUsername(username);
    if (bot) return { _: 'contacts.resolvedPeer', peer: peerUser(bot.id), chats: [], users: [botToTl(bot)] };
    const channel = this.world.findChannel(`@${username}`);
    if (channel) {
      return {
        _: 'contacts.resolvedPeer',
        peer: peerChannel(channel.id),
        chats: [channelToTl(channel, me.id)],
        users: [],
      };
    }
    throw new RpcError(400, 'USERNAME_NOT_OCCUPIED');
  }

  private getDialogs(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    type Row = { dialog: TlObject; message?: TlObject; date: number };
    const rows: Row[] = [];
    const chats: TlObject[] = [];
    const userIds: number[] = [];
    for (const channel of this.world.listChannels()) {
      if (!channel.members.has(`user:${me.id}`)) continue;
      const top = [...channel.messages].reverse().find((m) => !m.deleted);
      chats.push(channelToTl(channel, me.id));
      if (top?.fromUserId !== undefined) userIds.push(top.fromUserId);
      if (top?.viaBotId !== undefined) userIds.push(top.viaBotId);
      rows.push({
        dialog: {
          _: 'dialog',
          peer: peerChannel(channel.id),
          top_message: top?.id ?? 0,
          read_inbox_max_id: this.world.channelReadMark(me.id, channel.id),
          read_outbox_max_id: top?.id ?? 0,
          unread_count: this.world.channelUnreadCount(me.id, channel),
          unread_mentions_count: 0,
          unread_reactions_count: 0,
          notify_settings: emptyNotifySettings(),
          pts: channel.pts,
          draft: dialogDraftToTl(this.world, me.id, { kind: 'channel', id: channel.id }),
        },
        message: top ? channelMessageToTl(channel, top, this.world.countersOf(channel, top), me.id) : undefined,
        date: top?.date ?? Math.floor(channel.createdAt.getTime() / 1000),
      });
    }
    for (const group of this.world.basicGroupsOfUser(me.id)) {
      const top = groupMessagesFor(group, me.id).at(-1);
      chats.push(basicGroupToTl(group, me.id));
      if (top) userIds.push(...groupMessageAuthorIds(top));
      rows.push({
        dialog: {
          _: 'dialog',
          peer: peerChat(group.id),
          top_message: top?.id ?? 0,
          read_inbox_max_id: top?.id ?? 0,
          read_outbox_max_id: top?.id ?? 0,
          unread_count: 0,
          unread_mentions_count: 0,
          unread_reactions_count: 0,
          notify_settings: emptyNotifySettings(),
          draft: dialogDraftToTl(this.world, me.id, { kind: 'chat', id: group.id }),
        },
        message: top ? basicGroupMessageToTl(group, top, me.id) : undefined,
        date: top?.date ?? Math.floor(group.createdAt.getTime() / 1000),
      });
    }
    const lastByPeer = new Map<number, ReturnType<SandboxWorld['privateMessagesOf']>[number]>();
    const mine = this.world.privateMessagesOf('user', me.id);
    for (const m of mine) {
      lastByPeer.set(m.fromKind === 'user' && m.fromId === me.id ? m.toId : m.fromId, m);
    }
    for (const [peerId, m] of lastByPeer) {
      userIds.push(peerId);
      const peerKind = m.fromKind === 'user' && m.fromId === me.id ? m.toKind : m.fromKind;
      const readInbox = this.world.privateReadMark(me.id, peerKind, peerId);
      rows.push({
        dialog: {
          _: 'dialog',
          peer: peerUser(peerId),
          top_message: m.id,
          read_inbox_max_id: readInbox,
          // A bot never reports reading; what a user read, they told through messages.readHistory.
          read_outbox_max_id: peerKind === 'user' ? this.world.privateReadMark(peerId, 'user', me.id) : m.id,
          unread_count: mine.filter(
            (x) => x.fromKind === peerKind && x.fromId === peerId && x.toId === me.id && x.id > readInbox,
          ).length,
          unread_mentions_count: 0,
          unread_reactions_count: 0,
          notify_settings: emptyNotifySettings(),
          draft: dialogDraftToTl(this.world, me.id, { kind: 'user', id: peerId }),
        },
        message: privateMessageToTl(m, me.id),
        date: m.date,
      });
    }
    rows.sort((a, b) => b.date - a.date);
    const offsetDate = num(req.offset_date);
    const limit = Math.min(Math.max(num(req.limit) || 100, 1), 100);
    const page = rows.filter((r) => !(offsetDate > 0) || r.date < offsetDate).slice(0, limit);
    const body = {
      dialogs: page.map((r) => r.dialog),
      messages: page.flatMap((r) => (r.message ? [r.message] : [])),
      chats,
      users: this.usersToTl([me.id, ...userIds], me.id),
    };
    return rows.length > page.length
      ? { _: 'messages.dialogsSlice', count: rows.length, ...body }
      : { _: 'messages.dialogs', ...body };
  }

  /** Telegram's history paging: newest first, from offset_id/offset_date, shifted by add_offset, within (min_id, max_id). */
  private page<T extends { id: number; date: number }>(all: T[], req: TlObject): T[] {
    const desc = [...all].sort((a, b) => b.id - a.id);
    const offsetId = num(req.offset_id) || 0;
    const offsetDate = num(req.offset_date) || 0;
    const addOffset = num(req.add_offset) || 0;
    const limit = Math.min(Math.max(num(req.limit) || 100, 0), 100);
    const maxId = num(req.max_id) || 0;
    const minId = num(req.min_id) || 0;
    let start = 0;
    if (offsetId > 0) {
      start = desc.findIndex((m) => m.id < offsetId);
      if (start < 0) start = desc.length;
    } else if (offsetDate > 0) {
      start = desc.findIndex((m) => m.date < offsetDate);
      if (start < 0) start = desc.length;
    }
    start += addOffset;
    const end = start + limit;
    return desc
      .slice(Math.max(start, 0), Math.max(end, 0))
      .filter((m) => (maxId <= 0 || m.id < maxId) && (minId <= 0 || m.id > minId));
  }

  /** A chat's messages, newest first a page at a time; `matches` keeps those a search finds (messages.search). */
  private getHistory(
    key: AuthKeyRecord,
    req: TlObject,
    matches: TextMatcher = () => true,
    /**
     * A forum topic's messages only (forum-topics.ts), in a forum; `only`: a read of a topic's messages alone
     * (getReplies), which a chat that is no forum has none of.
     */
    topic: { id?: number; only?: boolean } = {},
  ): TlObject {
    const me = this.requireUser(key);
    const peer = obj(req.peer, 'PEER_ID');
    if (peer._ === 'inputPeerChannel') {
      const channel = this.readableChannel(peer, me);
      const topicId = channel.forum || topic.only ? topic.id : undefined;
      if (topicId !== undefined && !findTopic(channel, topicId)) throw new RpcError(400, 'MSG_ID_INVALID');
      const visible = channel.messages.filter(
        (m) => !m.deleted && matches(m.text) && (topicId === undefined || inTopic(m, topicId)),
      );
      const messages = this.page(visible, req);
      return {
        _: 'messages.channelMessages',
        pts: channel.pts,
        count: visible.length,
        messages: messages.map((m) => channelMessageToTl(channel, m, this.world.countersOf(channel, m), me.id)),
        topics: [],
        chats: [channelToTl(channel, me.id), ...this.originChats(messages, me, [channel.id])],
        users: this.usersToTl(messages.flatMap(channelMessageUserIds), me.id),
      };
    }
    if (peer._ === 'inputPeerChat') {
      const group = this.world.findBasicGroup(num(peer.chat_id));
      if (!group || !group.userIds.includes(me.id)) throw new RpcError(400, 'CHAT_ID_INVALID');
      const mine = groupMessagesFor(group, me.id).filter((m) => matches(m.text));
      const messages = this.page(mine, req);
      const body = {
        messages: messages.map((m) => basicGroupMessageToTl(group, m, me.id)),
        chats: [basicGroupToTl(group, me.id), ...this.originChats(messages, me)],
        users: this.usersToTl([me.id, ...messages.flatMap(groupMessageAuthorIds)], me.id),
      };
      return messages.length < mine.length
        ? { _: 'messages.messagesSlice', count: mine.length, ...body }
        : { _: 'messages.messages', ...body };
    }
    const other = this.resolveUser(me, peer, 'PEER_ID_INVALID');
    const otherId = other.kind === 'user' ? other.user.id : other.bot.id;
    const conversation = this.world
      .privateMessagesOf('user', me.id)
      .filter((m) => (m.fromKind === 'user' && m.fromId === me.id ? m.toId : m.fromId) === otherId)
      .filter((m) => matches(m.text));
    const messages = this.page(conversation, req);
    const body = {
      messages: messages.map((m) => privateMessageToTl(m, me.id)),
      chats: this.originChats(messages, me),
      users: this.usersToTl([me.id, otherId, ...messages.flatMap(forwardAuthorIds)], me.id),
    };
    return messages.length < conversation.length
      ? { _: 'messages.messagesSlice', count: conversation.length, ...body }
      : { _: 'messages.messages', ...body };
  }

  private sendMessage(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const text = typeof req.message === 'string' ? req.message : '';
    if (!text.trim()) throw new RpcError(400, 'MESSAGE_EMPTY');
    if (text.length > 4096) throw new RpcError(400, 'MESSAGE_TOO_LONG');
    return this.send(me, req, text, 'text', () => undefined);
  }

  private sendMedia(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const caption = typeof req.message === 'string' ? req.message : '';
    if (caption.length > 1024) throw new RpcError(400, 'MEDIA_CAPTION_TOO_LONG');
    const input = obj(req.media, 'MEDIA');
    if (input._ === 'inputMediaPoll') {
      const poll = pollFromInputMedia(input, this.world.unixNow());
      if (req.peer && isTlObject(req.peer) && req.peer._ === 'inputPeerChannel' && !poll.anonymous) {
        const channel = this.resolveChannel(req.peer);
        if (!channel.megagroup) throw new RpcError(400, 'BROADCAST_PUBLIC_VOTERS_FORBIDDEN');
      }
      return this.send(me, req, '', 'poll', () => poll);
    }
    if (input._ === 'inputMediaDocument') {
      // A document sent again (a sticker of a set): its kind is the file's own.
      const media = documentMedia(this.world, me.id, input);
      return this.send(me, req, caption, media.kind, () => media);
    }
    if (input._ !== 'inputMediaUploadedDocument' && input._ !== 'inputMediaUploadedPhoto') {
      throw new RpcError(400, 'MEDIA_INVALID');
    }
    return this.send(me, req, caption, sendKindOfInputMedia(input), () => this.uploads.mediaOf(me.id, input));
  }

  /**
   * Sends as the user to a private chat, a basic group or a channel, once per `random_id`: a repeat of a send that went through
   * answers with the message it made (`updateMessageID` and the message, pts_count 0) and sends nothing, as
   * Telegram does. `media` is read only once the send is allowed, so a refused send leaves the upload in place.
   */
  private send(
    me: SandboxUser,
    req: TlObject,
    text: string,
    kind: SendKind,
    media: () => SandboxMessageMedia | undefined,
    /** Content not read from the request: an inline result's entities and its bot. */
    content?: { entities: SandboxEntity[]; inlineBotId: number },
  ): TlObject {
    const randomId = typeof req.random_id === 'bigint' ? req.random_id : 0n;
    if (randomId === 0n) throw new RpcError(400, 'RANDOM_ID_EMPTY');
    const previous = this.world.findSentByRandomId(me.id, randomId);
    if (previous) return this.sentUpdates(me, [{ randomId, sent: previous, ptsCount: 0 }]);
    this.takeSend(me);
    const target = this.sendTarget(me, req.peer);
    // A member restricted in a supergroup (chat-permissions.ts), until the restriction's date passes.
    const refusal = target.kind === 'channel' ? sendRefusal(this.world, target.channel, me.id, kind) : undefined;
    if (refusal) throw new RpcError(403, refusal);
    const replyRef = isTlObject(req.reply_to) ? num(req.reply_to.reply_to_msg_id) : num(req.reply_to_msg_id);
    const replyToId = Number.isInteger(replyRef) && replyRef > 0 ? replyRef : undefined;
    if (replyToId !== undefined && !this.hasMessage(me, target, replyToId)) {
      throw new RpcError(400, 'REPLY_MESSAGE_ID_INVALID');
    }
    // A forum's message goes to a topic (forum-topics.ts).
    const topicId = target.kind === 'channel' ? topicOfAppMessage(target.channel, me.id, req, replyToId) : undefined;
    const attached = media();
    const { sent, pts } = this.deliver(me, target, {
      text,
      media: attached,
      entities: content?.entities ?? entitiesFromTl(req.entities, text),
      replyToId,
      ...(topicId !== undefined ? { topicId } : {}),
      ...(content ? { inlineBotId: content.inlineBotId } : {}),
    });
    this.world.recordRandomId(me.id, randomId, sent);
    // A send with clear_draft clears the chat's draft (drafts.ts).
    if (req.clear_draft === true) clearDraftOnSend(this.draftDeps(), me, draftPeerOf(target));
    // The app knows what it wrote, not what an inline result writes: that comes back whole.
    if (target.kind !== 'private' || attached || content)
      return this.sentUpdates(me, [{ randomId, sent, ptsCount: 1, pts }]);
    const message = this.world.findPrivateMessage(sent.messageId);
    return {
      _: 'updateShortSentMessage',
      out: true,
      id: sent.messageId,
      pts,
      pts_count: 1,
      date: message?.date ?? unixNow(),
      entities: entitiesToTl(message?.entities),
    };
  }

  /**
   * The chat a send or forward goes to, checked as Telegram checks it: outside a channel, or a subscriber of a
   * broadcast channel without the right to post, CHAT_WRITE_FORBIDDEN; a basic group the account is not in is no
   * peer it can address (PEER_ID_INVALID: Telegram resolves the peer before anything else; CHAT_ID_INVALID is the
   * answer of the methods that take a bare chat_id, getChats); a person who lets no one write, USER_PRIVACY_RESTRICTED.
   */
  private sendTarget(me: SandboxUser, input: unknown): SendTarget {
    const peer = obj(input, 'PEER_ID');
    if (peer._ === 'inputPeerChannel') {
      const channel = this.resolveChannel(peer);
      const member = channel.members.get(`user:${me.id}`);
      if (!member || (!channel.megagroup && !(member.admin && member.canPostMessages))) {
        throw new RpcError(403, 'CHAT_WRITE_FORBIDDEN');
      }
      return { kind: 'channel', channel };
    }
    if (peer._ === 'inputPeerChat') {
      const group = this.memberGroup(me, peer);
      // A group upgraded to a supergroup takes no more messages (group-migration.ts); wording guessed (a 2016 report).
      if (group.migratedTo) throw new RpcError(400, 'PEER_ID_INVALID');
      return { kind: 'group', group };
    }
    const other = this.resolveUser(me, peer, 'PEER_ID_INVALID');
    const toId = other.kind === 'user' ? other.user.id : other.bot.id;
    // Whom one blocked one may not write to until unblocking them (blocking.ts).
    if (isBlocked(this.world, me.id, other.kind, toId)) throw new RpcError(400, 'YOU_BLOCKED_USER');
    if (other.kind === 'user' && !this.world.mayWritePrivately(me.id, toId)) {
      throw new RpcError(403, 'USER_PRIVACY_RESTRICTED');
    }
    return { kind: 'private', toKind: other.kind, toId };
  }

  /** The basic group an `inputPeerChat` names, if the user is in it; any other is no peer it can address. */
  private memberGroup(me: SandboxUser, peer: TlObject): SandboxBasicGroup {
    const group = this.world.findBasicGroup(num(peer.chat_id));
    if (!group || num(peer.chat_id) <= 0 || !group.userIds.includes(me.id)) throw new RpcError(400, 'PEER_ID_INVALID');
    return group;
  }

  /** Whether the chat holds a message of that id the user can see (one to answer). */
  private hasMessage(me: SandboxUser, target: SendTarget, id: number): boolean {
    if (target.kind === 'channel') return target.channel.messages.some((m) => m.id === id && !m.deleted);
    if (target.kind === 'group') return target.group.messages.some((m) => m.id === id);
    return this.world
      .privateMessagesOf('user', me.id)
      .some((m) => m.id === id && (m.fromId === me.id ? m.toId : m.fromId) === target.toId);
  }

  /**
   * Writes one message as the user into the chat (the world tells the other members, bots and apps), and answers
   * where it went and the pts of the box it went in once it is there.
   */
  private deliver(me: SandboxUser, target: SendTarget, out: OutgoingMessage): { sent: SentRandomId; pts: number } {
    if (target.kind === 'channel') {
      const { channel } = target;
      // A broadcast channel's post is the channel's; a supergroup's message is its author's.
      const message = this.world.postToChannel(channel.id, {
        ...out,
        fromUserId: channel.megagroup ? me.id : undefined,
      });
      // What one posts oneself is read.
      this.world.readChannelHistory(me.id, channel.id, message.id);
      return { sent: { channelId: channel.id, messageId: message.id }, pts: channel.pts };
    }
    if (target.kind === 'group') {
      const message = this.world.sendBasicGroupMessage(target.group.id, me.id, out.text, out);
      // The group's messages live in the common box: its pts, as for private messages.
      return { sent: { groupId: target.group.id, messageId: message.id }, pts: this.updates.userPts(me.id) };
    }
    // One who blocked the sender never receives it; the sender sees it sent (blocking.ts).
    const blockedByThem = target.toKind === 'user' && isBlocked(this.world, target.toId, 'user', me.id);
    const message = this.world.sendPrivateMessage({
      fromKind: 'user',
      fromId: me.id,
      toKind: target.toKind,
      toId: target.toId,
      ...out,
      ...(blockedByThem ? { hiddenFrom: [target.toId] } : {}),
    });
    return { sent: { messageId: message.id }, pts: this.updates.userPts(me.id) };
  }

  /**
   * Counts one send against the account's per-minute budget, or refuses it with FLOOD_WAIT_X, X the whole seconds
   * until the oldest send of the minute ages out. A refused send is not counted. Off while the world's limits are.
   */
  private takeSend(me: SandboxUser): void {
    if (!this.world.limitsEnabled) return;
    const now = this.world.now();
    const recent = (this.recentSends.get(me.id) ?? []).filter((t) => t > now - 60_000);
    const oldest = recent[0];
    if (oldest !== undefined && recent.length >= this.world.sendsPerMinuteOf(me.id)) {
      this.recentSends.set(me.id, recent);
      throw new RpcError(420, `FLOOD_WAIT_${Math.max(1, Math.ceil((oldest + 60_000 - now) / 1000))}`);
    }
    recent.push(now);
    this.recentSends.set(me.id, recent);
  }

  /**
   * The one builder of a send's or forward's answer: per message, `updateMessageID` tying its random_id to it, then
   * the message itself (updateNewMessage, or updateNewChannelMessage) at the pts it was written at (`pts`, else the
   * box's current pts: a repeat, pts_count 0). A message gone since a repeat's first send leaves nothing to answer
   * with but RANDOM_ID_DUPLICATE.
   */
  private sentUpdates(me: SandboxUser, items: SentItem[]): TlObject {
    const ids: TlObject[] = [];
    const messages: TlObject[] = [];
    const userIds = new Set<number>([me.id]);
    const chats = new Map<string, TlObject>();
    const addChannel = (id: number): void => {
      const channel = this.world.findChannel(id);
      if (channel && !chats.has(`channel:${id}`)) chats.set(`channel:${id}`, channelToTl(channel, me.id));
    };
    const addOrigin = (message: { forwardOrigin?: SandboxForwardOrigin }): void =>
      forwardOriginChannelIds([message]).forEach(addChannel);
    let date = unixNow();
    for (const { randomId, sent, ptsCount, pts } of items) {
      const duplicate = (): RpcError => new RpcError(500, 'RANDOM_ID_DUPLICATE');
      let update: TlObject;
      if (sent.groupId !== undefined) {
        const group = this.world.findBasicGroup(sent.groupId);
        const message = group?.messages.find((m) => m.id === sent.messageId);
        if (!group || !message) throw duplicate();
        update = {
          _: 'updateNewMessage',
          message: basicGroupMessageToTl(group, message, me.id),
          pts: pts ?? this.updates.userPts(me.id),
          pts_count: ptsCount,
        };
        groupMessageAuthorIds(message).forEach((id) => userIds.add(id));
        chats.set(`chat:${group.id}`, basicGroupToTl(group, me.id));
        addOrigin(message);
        date = message.date;
      } else if (sent.channelId !== undefined) {
        const channel = this.world.findChannel(sent.channelId);
        const message = channel?.messages.find((m) => m.id === sent.messageId && !m.deleted);
        if (!channel || !message) throw duplicate();
        update = {
          _: 'updateNewChannelMessage',
          message: channelMessageToTl(channel, message, this.world.countersOf(channel, message), me.id),
          pts: pts ?? channel.pts,
          pts_count: ptsCount,
        };
        channelMessageUserIds(message).forEach((id) => userIds.add(id));
        addChannel(channel.id);
        addOrigin(message);
        date = message.date;
      } else {
        const message = this.world.findPrivateMessage(sent.messageId);
        if (!message || message.deletedFor?.includes(me.id)) throw duplicate();
        update = {
          _: 'updateNewMessage',
          message: privateMessageToTl(message, me.id),
          pts: pts ?? this.updates.userPts(me.id),
          pts_count: ptsCount,
        };
        [message.fromId, message.toId, ...forwardAuthorIds(message)].forEach((id) => userIds.add(id));
        addOrigin(message);
        date = message.date;
      }
      ids.push({ _: 'updateMessageID', id: sent.messageId, random_id: randomId });
      messages.push(update);
    }
    return {
      _: 'updates',
      updates: [...ids, ...messages],
      users: this.usersToTl(userIds, me.id),
      chats: [...chats.values()],
      date,
      seq: 0,
    };
  }

  /**
   * messages.forwardMessages: the user sends again messages it can read (of a private chat, a basic group it is in,
   * a channel or supergroup it is in or that is public) to a chat it may write to, each with `fwd_from` naming where
   * it was first written; `drop_author` sends copies instead (no fwd_from), `drop_media_captions` then leaves the
   * media's captions out (Telegram ignores it on forwards, as TDLib's `remove_caption` says). One `random_id` per id:
   * a pair already sent answers with its message again and sends nothing. Ids that are not there are passed over;
   * none at all is MESSAGE_ID_INVALID. A forward of a broadcast channel's post counts in the post's `forwards`.
   * silent, background, noforwards, top_msg_id, schedule_date and send_as are taken: the sandbox has no
   * notifications, protected content, topics, scheduled messages or sending as a channel.
   */
  private forwardMessages(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const ids = (Array.isArray(req.id) ? req.id : []).map(num);
    const randomIds = (Array.isArray(req.random_id) ? req.random_id : []).map((r) => (typeof r === 'bigint' ? r : 0n));
    if (ids.length === 0) throw new RpcError(400, 'MESSAGE_IDS_EMPTY');
    if (ids.length > 100) throw new RpcError(400, 'MESSAGE_IDS_TOO_MANY');
    if (randomIds.length !== ids.length || randomIds.includes(0n)) throw new RpcError(400, 'RANDOM_ID_INVALID');
    if (new Set(randomIds).size !== randomIds.length) throw new RpcError(400, 'RANDOM_ID_DUPLICATE');
    const previous = randomIds.map((randomId) => this.world.findSentByRandomId(me.id, randomId));
    if (previous.every((p) => p !== undefined)) {
      return this.sentUpdates(
        me,
        previous.map((sent, i) => ({ randomId: randomIds[i] ?? 0n, sent, ptsCount: 0 })),
      );
    }
    const source = this.forwardSource(me, req.from_peer);
    const target = this.sendTarget(me, req.to_peer);
    const copy = req.drop_author === true;
    const found = ids.map((id) => (Number.isInteger(id) && id > 0 ? source(id) : undefined));
    if (found.every((m, i) => m === undefined && previous[i] === undefined)) {
      throw new RpcError(400, 'MESSAGE_ID_INVALID');
    }
    // A protected message (sent with protect_content, or in a chat that restricts saving content) goes nowhere.
    if (found.some((m) => m?.noForwards)) throw new RpcError(400, 'CHAT_FORWARDS_RESTRICTED');
    // A member restricted in the supergroup forwards only what they may send (chat-permissions.ts).
    if (target.kind === 'channel') {
      for (const message of found) {
        if (!message) continue;
        const refusal = sendRefusal(this.world, target.channel, me.id, sendKindOfMedia(message.media));
        if (refusal) throw new RpcError(403, refusal);
      }
    }
    this.takeSend(me);
    const items: SentItem[] = [];
    found.forEach((message, i) => {
      const randomId = randomIds[i] ?? 0n;
      const before = previous[i];
      if (before) {
        items.push({ randomId, sent: before, ptsCount: 0 });
        return;
      }
      if (!message) return;
      const dropCaption = copy && req.drop_media_captions === true && message.media !== undefined;
      const { sent, pts } = this.deliver(me, target, {
        text: dropCaption ? '' : message.text,
        // A forward shows the poll itself; one without its author is sent as a new poll of the same question, the
        // sandbox's reading of drop_author (polls.ts).
        media:
          isPoll(message.media) && copy ? pollSentAgain(message.media, undefined, this.world.unixNow()) : message.media,
        entities: dropCaption ? undefined : message.entities,
        forwardOrigin: copy ? undefined : message.origin,
      });
      this.world.recordRandomId(me.id, randomId, sent);
      if (!copy && message.post) this.world.countForward(message.post.channelId, message.post.messageId);
      items.push({ randomId, sent, ptsCount: 1, pts });
    });
    return this.sentUpdates(me, items);
  }

  /**
   * The chat messages are forwarded from, as a lookup of its messages by id: a channel the user cannot see is
   * CHANNEL_PRIVATE, a basic group it is not in or a person it does not know PEER_ID_INVALID.
   */
  private forwardSource(me: SandboxUser, input: unknown): (id: number) => ForwardedMessage | undefined {
    const peer = obj(input, 'PEER_ID');
    const by = { world: this.world, id: me.id };
    if (peer._ === 'inputPeerChannel') {
      const channel = this.readableChannel(peer, me);
      return (id) => {
        // A service message is no message to forward: passed over like one not there.
        const m = channel.messages.find((x) => x.id === id && !x.deleted && !x.service);
        if (!m) return undefined;
        const post = channel.megagroup ? undefined : { channelId: channel.id, messageId: m.id };
        const noForwards = m.noForwards === true || channel.noForwards === true;
        return { ...m, origin: channelMessageOrigin(by, channel, m), post, noForwards };
      };
    }
    if (peer._ === 'inputPeerChat') {
      const group = this.memberGroup(me, peer);
      return (id) => {
        const m = group.messages.find((x) => x.id === id && !x.service);
        return (
          m && {
            ...m,
            origin: groupMessageOrigin(by, m),
            noForwards: m.noForwards === true || group.noForwards === true,
          }
        );
      };
    }
    const other = this.resolveUser(me, peer, 'PEER_ID_INVALID');
    const otherId = other.kind === 'user' ? other.user.id : other.bot.id;
    return (id) => {
      const m = this.world
        .privateMessagesOf('user', me.id)
        .find((x) => x.id === id && (x.fromId === me.id ? x.toId : x.fromId) === otherId);
      return m && { ...m, origin: privateMessageOrigin(by, m), noForwards: m.noForwards === true };
    };
  }

  /** `updates` telling a basic group's member that the group changed (`updateChat`), with the group. */
  private groupChanged(group: SandboxBasicGroup, me: SandboxUser): TlObject {
    return {
      _: 'updates',
      updates: [{ _: 'updateChat', chat_id: BigInt(group.id) }],
      users: [],
      chats: [basicGroupToTl(group, me.id)],
      date: unixNow(),
      seq: 0,
    };
  }

  /** Basic groups by id: one the user is not in is `chatForbidden`, an unknown id CHAT_ID_INVALID. */
  private getChats(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const ids = Array.isArray(req.id) ? req.id : [];
    const chats = ids.map((id) => {
      const group = this.world.findBasicGroup(num(id));
      if (!group || num(id) <= 0) throw new RpcError(400, 'CHAT_ID_INVALID');
      return basicGroupToTl(group, me.id);
    });
    return { _: 'messages.chats', chats };
  }

  private getChannels(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const ids = Array.isArray(req.id) ? req.id : [];
    return { _: 'messages.chats', chats: ids.map((input) => channelToTl(this.resolveChannel(input), me.id)) };
  }

  private getFullChannel(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const channel = this.readableChannel(req.channel, me);
    const top = [...channel.messages].reverse().find((m) => !m.deleted)?.id ?? 0;
    const members = [...channel.members.values()];
    const member = channel.members.get(`user:${me.id}`);
    const migrated = migratedFromOf(this.world, channel);
    return {
      _: 'messages.chatFull',
      full_chat: {
        _: 'channelFull',
        // A supergroup's members may list its members; a channel's subscribers only its administrators see.
        can_view_participants: (channel.megagroup ? member !== undefined : member?.admin) ?? false,
        id: BigInt(channel.id),
        about: channel.about ?? '',
        participants_count: subscriberCount(channel),
        admins_count: members.filter((m) => m.admin).length,
        read_inbox_max_id: member ? this.world.channelReadMark(me.id, channel.id) : top,
        read_outbox_max_id: top,
        unread_count: member ? this.world.channelUnreadCount(me.id, channel) : 0,
        chat_photo: chatFullPhotoToTl(channel.photo),
        notify_settings: emptyNotifySettings(),
        bot_info: [],
        pinned_msg_id: this.world.pinnedMessageIds({ kind: 'channel', channel })[0],
        pts: channel.pts,
        available_reactions: chatReactionsToTl(channel.availableReactions),
        // A supergroup upgraded from a basic group (group-migration.ts) names it, and its last message there.
        migrated_from_chat_id: migrated && BigInt(migrated.group.id),
        migrated_from_max_id: migrated?.maxId,
      },
      chats: [channelToTl(channel, me.id), ...(migrated ? [basicGroupToTl(migrated.group, me.id)] : [])],
      users: this.usersToTl(
        members.map((m) => m.id),
        me.id,
      ),
    };
  }

  /**
   * The ids of a views or reactions query: at most 100, each a positive message id. Telegram answers MSG_ID_INVALID
   * for an id that cannot be one.
   */
  private counterIds(req: TlObject): number[] {
    const raw = Array.isArray(req.id) ? req.id : [];
    if (raw.length > 100) throw new RpcError(400, 'MESSAGE_IDS_TOO_MANY');
    const ids = raw.map(num);
    if (ids.some((id) => !Number.isInteger(id) || id <= 0)) throw new RpcError(400, 'MSG_ID_INVALID');
    return ids;
  }

  /** The channel a views or reactions query names; a private chat has no counters (undefined). */
  private counterPeer(req: TlObject, me: SandboxUser): SandboxChannel | undefined {
    const peer = obj(req.peer, 'PEER_ID');
    if (peer._ === 'inputPeerChannel') return this.readableChannel(peer, me);
    if (peer._ === 'inputPeerSelf' || peer._ === 'inputPeerUser') {
      this.resolveUser(me, peer, 'PEER_ID_INVALID');
      return undefined;
    }
    throw new RpcError(400, 'PEER_ID_INVALID');
  }

  /** Views and forwards per id, in the order asked; `increment` counts the caller's view once per post. */
  private getMessagesViews(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const ids = this.counterIds(req);
    const channel = this.counterPeer(req, me);
    const views = ids.map((id): TlObject => {
      const message = channel?.messages.find((m) => m.id === id && !m.deleted);
      // A message that is not there, a private one and a group message carry no views: an empty entry.
      if (!channel || !message || channel.megagroup) return { _: 'messageViews' };
      if (req.increment === true) this.world.markViewed(channel, message, me.id);
      const counters = this.world.countersOf(channel, message);
      return { _: 'messageViews', views: counters.views, forwards: counters.forwards };
    });
    return {
      _: 'messages.messageViews',
      views,
      chats: channel ? [channelToTl(channel, me.id)] : [],
      users: [],
    };
  }

  /** The reactions of each message asked for, as `updateMessageReactions` (what Telegram answers). */
  private getMessagesReactions(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const ids = this.counterIds(req);
    const found = ids.flatMap((id) => this.reactedMessage(me, req.peer, id) ?? []);
    return this.reactionUpdates(me, found);
  }

  /**
   * The user sets their reactions on a message (`reaction`: a list of `reactionEmoji`, empty or absent to take
   * theirs back; a plain emoji string before layer 145), refused as Telegram refuses: a message not in the chat
   * MSG_ID_INVALID, an emoji outside the standard set (custom emoji and paid stars too: the sandbox has no Premium)
   * REACTION_INVALID, more than one REACTIONS_TOO_MANY. `big` is kept; `add_to_recent` changes nothing here.
   */
  private sendReaction(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const id = num(req.msg_id);
    const target = Number.isInteger(id) && id > 0 ? this.reactedMessage(me, req.peer, id) : undefined;
    if (!target) throw new RpcError(400, 'MSG_ID_INVALID');
    try {
      setReactions(this.world, target, { kind: 'user', id: me.id }, reactionsFromTl(req.reaction), req.big === true);
    } catch (e) {
      if (e instanceof ReactionRefusedError) throw new RpcError(400, e.code);
      throw e;
    }
    return this.reactionUpdates(me, [target]);
  }

  /**
   * A chat's admin chooses its reactions (reactions.ts): a channel or supergroup the user is in, or a basic group.
   * Answers `updates` with the chat; the members' apps read the choice in the chat's full info.
   */
  private setChatAvailableReactions(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const peer = obj(req.peer, 'PEER_ID');
    const choice = chatReactionChoiceFromTl(req.available_reactions);
    let chat: TlObject;
    try {
      if (peer._ === 'inputPeerChannel') {
        const channel = this.readableChannel(peer, me);
        setAvailableReactions(this.world, { kind: 'channel', channel }, me.id, choice);
        chat = channelToTl(channel, me.id);
      } else if (peer._ === 'inputPeerChat') {
        const group = this.memberGroup(me, peer);
        setAvailableReactions(this.world, { kind: 'group', group }, me.id, choice);
        chat = basicGroupToTl(group, me.id);
      } else throw new RpcError(400, 'PEER_ID_INVALID');
    } catch (e) {
      if (e instanceof ReactionRefusedError) throw new RpcError(400, e.code);
      throw e;
    }
    return { _: 'updates', updates: [], users: [], chats: [chat], date: this.world.unixNow(), seq: 0 };
  }

  /** `updates` telling the user the reactions of messages now, with the chats and the people they name. */
  private reactionUpdates(me: SandboxUser, targets: ReactedMessage[]): TlObject {
    const chats = new Map<string, TlObject>();
    const userIds: number[] = [];
    for (const t of targets) {
      if (t.kind === 'channel') chats.set(`channel:${t.channel.id}`, channelToTl(t.channel, me.id));
      else if (t.kind === 'group') chats.set(`group:${t.group.id}`, basicGroupToTl(t.group, me.id));
      else userIds.push(t.message.fromId, t.message.toId);
      if (t.kind !== 'channel' || t.channel.megagroup) userIds.push(...(t.message.reactions ?? []).map((r) => r.id));
    }
    return {
      _: 'updates',
      updates: targets.map((t) => reactionsUpdateToTl(t, reactionCounts(this.world, t), me.id)),
      users: this.usersToTl(userIds, me.id),
      chats: [...chats.values()],
      date: unixNow(),
      seq: 0,
    };
  }

  /**
   * The message of that id in a chat the user reads (a channel or supergroup they are in or that is public, a basic
   * group of theirs, their private chat with a peer); undefined when the chat has no such message.
   */
  private reactedMessage(me: SandboxUser, input: unknown, id: number): ReactedMessage | undefined {
    const peer = obj(input, 'PEER_ID');
    if (peer._ === 'inputPeerChannel') {
      const channel = this.readableChannel(peer, me);
      const message = channel.messages.find((m) => m.id === id && !m.deleted);
      return message && { kind: 'channel', channel, message };
    }
    if (peer._ === 'inputPeerChat') {
      const group = this.memberGroup(me, peer);
      const message = group.messages.find((m) => m.id === id);
      return message && { kind: 'group', group, message };
    }
    const other = this.resolveUser(me, peer, 'PEER_ID_INVALID');
    const otherId = other.kind === 'user' ? other.user.id : other.bot.id;
    const message = this.world
      .privateMessagesOf('user', me.id)
      .find((m) => m.id === id && (m.fromKind === 'user' && m.fromId === me.id ? m.toId : m.fromId) === otherId);
    return message && { kind: 'private', message };
  }

  private getChannelMessages(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const channel = this.readableChannel(req.channel, me);
    const wanted = Array.isArray(req.id) ? req.id : [];
    const messages = wanted.map((input) => {
      const id = isTlObject(input) && input._ === 'inputMessageID' ? num(input.id) : 0;
      const found = channel.messages.find((m) => m.id === id && !m.deleted);
      return found
        ? channelMessageToTl(channel, found, this.world.countersOf(channel, found), me.id)
        : { _: 'messageEmpty', id };
    });
    const found = wanted.length ? channel.messages.filter((m) => messages.some((t) => t.id === m.id)) : [];
    return {
      _: 'messages.channelMessages',
      pts: channel.pts,
      count: messages.length,
      messages,
      topics: [],
      chats: [channelToTl(channel, me.id), ...this.originChats(found, me, [channel.id])],
      users: this.usersToTl(found.flatMap(channelMessageUserIds), me.id),
    };
  }

  /** The channels forwards among `messages` name as their origin, for the answer's `chats`. */
  private originChats(
    messages: readonly { forwardOrigin?: SandboxForwardOrigin }[],
    me: SandboxUser,
    known: readonly number[] = [],
  ): TlObject[] {
    return forwardOriginChatsToTl(messages, (id) => this.world.findChannel(id), me.id, known);
  }

  /**
   * "Restrict saving content" of a channel, supergroup or basic group, by its creator: while on, its messages cannot
   * be forwarded or saved. The answer tells the caller's app of the changed chat (`updateChannel` / `updateChat`).
   */
  private toggleNoForwards(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const peer = obj(req.peer, 'PEER_ID');
    const enabled = req.enabled === true;
    const chat =
      peer._ === 'inputPeerChannel'
        ? { kind: 'channel' as const, id: this.readableChannel(peer, me).id }
        : peer._ === 'inputPeerChat'
          ? { kind: 'chat' as const, id: this.memberGroup(me, peer).id }
          : undefined;
    if (!chat) throw new RpcError(400, 'PEER_ID_INVALID');
    let changed: boolean;
    try {
      changed = this.world.setNoForwards(chat, me.id, enabled);
    } catch (err) {
      if (err instanceof SandboxInvalidError) throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
      throw err;
    }
    if (!changed) throw new RpcError(400, 'CHAT_NOT_MODIFIED');
    if (chat.kind === 'channel') return this.channelUpdates(this.readableChannel(peer, me), me);
    const group = this.memberGroup(me, peer);
    return this.groupChanged(group, me);
  }

  /**
   * The answer to a change of a channel: `updateChannel`, and the service message the change wrote (Telegram answers
   * a join or a leave with it), at the channel's pts of just after it.
   */
  private channelUpdates(
    channel: SandboxChannel,
    me: SandboxUser,
    users: TlObject[] = [],
    service?: { message: ChannelMessage; pts: number },
  ): TlObject {
    const updates: TlObject[] = [{ _: 'updateChannel', channel_id: BigInt(channel.id) }];
    const named = new Set(users.map((u) => u.id));
    if (service) {
      updates.push({
        _: 'updateNewChannelMessage',
        message: channelMessageToTl(channel, service.message),
        pts: service.pts,
        pts_count: 1,
      });
      const more = channelMessageUserIds(service.message).filter((id) => !named.has(BigInt(id)));
      users = [...users, ...this.usersToTl(new Set(more), me.id)];
    }
    return { _: 'updates', updates, users, chats: [channelToTl(channel, me.id)], date: unixNow(), seq: 0 };
  }

  /** The service message just written in the channel, with the pts it was written at. */
  private written(
    channel: SandboxChannel,
    message: ChannelMessage | undefined,
  ): { message: ChannelMessage; pts: number } | undefined {
    return message && { message, pts: channel.pts };
  }

  private createChannel(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const title = typeof req.title === 'string' ? req.title.trim() : '';
    if (!title) throw new RpcError(400, 'CHAT_TITLE_EMPTY');
    if (req.broadcast !== true && req.megagroup !== true) throw new RpcError(400, 'CHANNEL_INVALID');
    this.requireRoomForChannel(me);
    const channel = this.world.createChannel({ title, ownerPhone: me.phone, megagroup: req.megagroup === true });
    const created = writeServiceMessage(
      this.world,
      { kind: 'channel', channel },
      { kind: 'user', id: me.id },
      {
        type: 'channel_create',
        title,
      },
    );
    return this.channelUpdates(channel, me, [], this.written(channel, created));
  }

  /** channels.editTitle: an administrator who may change the chat's info renames it, and the chat says so. */
  private editChannelTitle(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const channel = this.resolveChannel(req.channel);
    if (!adminRightsOf(channel.members.get(`user:${me.id}`)).can_change_info) {
      throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
    }
    // Telegram keeps 128 characters of a title.
    const title = [...str(req.title).trim()].slice(0, 128).join('');
    if (!title) throw new RpcError(400, 'CHAT_TITLE_EMPTY');
    if (title === channel.title) throw new RpcError(400, 'CHAT_NOT_MODIFIED');
    setChannelInfo(this.world, channel.id, { title }, { kind: 'user', id: me.id });
    const service = writeTitleChanged(this.world, { kind: 'channel', channel }, { kind: 'user', id: me.id }, title);
    return this.channelUpdates(channel, me, [], this.written(channel, service));
  }

  /** channels.editPhoto: an administrator who may change the chat's info sets or takes away its photo (chat-photos.ts). */
  private editChannelPhoto(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const channel = this.resolveChannel(req.channel);
    if (!adminRightsOf(channel.members.get(`user:${me.id}`)).can_change_info) {
      throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
    }
    const uploaded = (input: TlObject): SandboxMessageMedia => this.uploads.mediaOf(me.id, input);
    const service = editChatPhotoFromTl(this.world, { kind: 'channel', channel }, me.id, req.photo, uploaded);
    return this.channelUpdates(channel, me, [], this.written(channel, service));
  }

  /**
   * messages.editChatPhoto in a basic group, by any member (a basic group's members may change its info unless an
   * admin-only group, which the sandbox does not model). The service message reaches the members as other messages
   * of the group do; the answer tells the caller's app of the changed chat (`updateChat`).
   */
  private editGroupPhoto(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const group = this.memberGroup(me, { _: 'inputPeerChat', chat_id: req.chat_id });
    const uploaded = (input: TlObject): SandboxMessageMedia => this.uploads.mediaOf(me.id, input);
    editChatPhotoFromTl(this.world, { kind: 'group', group }, me.id, req.photo, uploaded);
    return this.groupChanged(group, me);
  }

  /**
   * messages.updatePinnedMessage in a channel or supergroup: an administrator who may pin (in a channel, one who may
   * edit messages) pins or (`unpin`) unpins one message; a pin writes "… pinned a message". The sandbox answers it for
   * channels and supergroups only (`silent` and `pm_oneside` change nothing there).
   */
  private updatePinnedMessage(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const peer = obj(req.peer, 'PEER_ID');
    if (peer._ !== 'inputPeerChannel') throw new RpcError(400, 'METHOD_NOT_SUPPORTED');
    const channel = this.resolveChannel(peer);
    const rights = adminRightsOf(channel.members.get(`user:${me.id}`));
    if (!(channel.megagroup ? rights.can_pin_messages : rights.can_edit_messages)) {
      throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
    }
    const id = num(req.id);
    if (!channel.messages.some((m) => m.id === id && !m.deleted && !m.service)) {
      throw new RpcError(400, 'MESSAGE_ID_INVALID');
    }
    const pin = req.unpin !== true;
    const updates: TlObject[] = [];
    const changed =
      this.world.pinMessages({ kind: 'channel', channel }, [id], pin, { kind: 'user', id: me.id }).length > 0;
    if (changed) {
      updates.push({
        _: 'updatePinnedChannelMessages',
        pinned: pin,
        channel_id: BigInt(channel.id),
        messages: [id],
        pts: channel.pts,
        pts_count: 1,
      });
    }
    const service =
      pin && changed
        ? writePinned(this.world, { kind: 'channel', channel }, { kind: 'user', id: me.id }, id)
        : undefined;
    const answer = this.channelUpdates(channel, me, [], this.written(channel, service));
    return { ...answer, updates: [...updates, ...(answer.updates as TlObject[])] };
  }

  private requireAdmin(channel: SandboxChannel, me: SandboxUser): void {
    const member = channel.members.get(`user:${me.id}`);
    if (!member?.admin) throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
  }

  private inviteToChannel(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const channel = this.resolveChannel(req.channel);
    this.requireAdmin(channel, me);
    const inputs = Array.isArray(req.users) ? req.users : [];
    if (!inputs.length) throw new RpcError(400, 'USERS_TOO_FEW');
    const invited = inputs.map((input) => this.resolveUser(me, obj(input, 'USER_ID'), 'USER_ID_INVALID'));
    const added: number[] = [];
    for (const e of invited) {
      const id = e.kind === 'user' ? e.user.id : e.bot.id;
      if (channel.members.has(`${e.kind}:${id}`)) continue;
      this.world.setMember(channel.id, { kind: e.kind, id }, me.id);
      added.push(id);
    }
    // One "… added …" naming everyone the call brought in.
    const service = writeAdded(this.world, { kind: 'channel', channel }, { kind: 'user', id: me.id }, added);
    return {
      _: 'messages.invitedUsers',
      updates: this.channelUpdates(
        channel,
        me,
        invited.map((e) => this.entityToTl(e, me.id)),
        this.written(channel, service),
      ),
      missing_invitees: [],
    };
  }

  private editAdmin(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const channel = this.resolveChannel(req.channel);
    const mine = channel.members.get(`user:${me.id}`);
    if (!mine?.admin) throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
    if (!mine.creator) throw new RpcError(403, 'RIGHT_FORBIDDEN');
    const target = this.resolveUser(me, obj(req.user_id, 'USER_ID'), 'USER_ID_INVALID');
    const targetId = target.kind === 'user' ? target.user.id : target.bot.id;
    const rights = obj(req.admin_rights, 'ADMIN_RIGHTS');
    const granted = Object.entries(rights).some(([k, v]) => k !== '_' && k !== 'flags' && v === true);
    try {
      this.world.setMember(
        channel.id,
        {
          kind: target.kind,
          id: targetId,
          admin: granted,
          canPostMessages: granted && rights.post_messages === true,
          rights: granted ? adminRightsFromTl(rights) : undefined,
          promotedBy: { kind: 'user', id: me.id },
          rank: rankFromTl(req.rank),
        },
        me.id,
      );
    } catch (e) {
      if (e instanceof SandboxNotFoundError) throw new RpcError(400, 'USER_ID_INVALID');
      throw e;
    }
    return this.channelUpdates(channel, me, [this.entityToTl(target, me.id)]);
  }

  /**
   * channels.editBanned: an administrator who may ban users bans one (`view_messages`), restricts a supergroup's
   * member to what the other flags leave (chat-permissions.ts), or, with no flag, lifts both. The creator and
   * administrators are out of reach (USER_ADMIN_INVALID).
   */
  private editBanned(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const channel = this.resolveChannel(req.channel);
    if (!adminRightsOf(channel.members.get(`user:${me.id}`)).can_restrict_members) {
      throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
    }
    const target = this.resolveUser(me, obj(req.participant, 'PARTICIPANT_ID'), 'PARTICIPANT_ID_INVALID');
    const who = { kind: target.kind, id: target.kind === 'user' ? target.user.id : target.bot.id };
    const member = channel.members.get(`${who.kind}:${who.id}`);
    if (member?.admin || member?.creator) throw new RpcError(400, 'USER_ADMIN_INVALID');
    const rights = obj(req.banned_rights, 'BANNED_RIGHTS');
    const until = untilOrForever(this.world, num(rights.until_date) || 0);
    let service: { message: ChannelMessage; pts: number } | undefined;
    if (rights.view_messages === true) {
      const left = member
        ? writeLeft(this.world, { kind: 'channel', channel }, { kind: 'user', id: me.id }, who.id)
        : undefined;
      if (left) service = { message: left, pts: channel.pts };
      banMember(this.world, channel.id, who, until, { userId: me.id });
    } else {
      unbanMember(this.world, channel.id, who, { userId: me.id });
      // A broadcast channel has no restrictions to keep: only its bans.
      if (channel.megagroup)
        restrictMember(this.world, channel.id, who, permissionsFromTl(rights), until, { userId: me.id });
    }
    return this.channelUpdates(channel, me, [this.entityToTl(target, me.id)], service);
  }

  /** messages.editChatDefaultBannedRights: what a supergroup's members may do by default. */
  private editDefaultBannedRights(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const peer = obj(req.peer, 'PEER_ID');
    // The sandbox keeps no permissions for basic groups (Telegram's app migrates one to a supergroup to restrict).
    if (peer._ !== 'inputPeerChannel') throw new RpcError(400, 'PEER_ID_INVALID');
    const channel = this.resolveChannel(peer);
    if (!adminRightsOf(channel.members.get(`user:${me.id}`)).can_restrict_members) {
      throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
    }
    if (!channel.megagroup) throw new RpcError(400, 'CHAT_INVALID');
    const permissions = permissionsFromTl(obj(req.banned_rights, 'BANNED_RIGHTS'));
    const before = defaultPermissionsOf(channel);
    if (CHAT_PERMISSIONS.every((p) => before[p] === permissions[p])) throw new RpcError(400, 'CHAT_NOT_MODIFIED');
    setDefaultPermissions(this.world, channel.id, permissions, { kind: 'user', id: me.id });
    return this.channelUpdates(channel, me);
  }

  /** Telegram refuses to let an account be in more channels and supergroups than its limit. */
  private requireRoomForChannel(me: SandboxUser): void {
    if (this.world.channelsOfUser(me.id).length >= this.world.channelLimitOf(me.id)) {
      throw new RpcError(400, 'CHANNELS_TOO_MUCH');
    }
  }

  private inviteToTl(invite: ChannelInvite): TlObject {
    return {
      _: 'chatInviteExported',
      revoked: invite.revoked || undefined,
      link: `https://t.me/+${invite.hash}`,
      admin_id: BigInt(invite.adminUserId),
      date: invite.date,
      expire_date: invite.expireDate,
      usage_limit: invite.usageLimit,
      usage: invite.usage || undefined,
      request_needed: invite.createsJoinRequest || undefined,
      requested: (invite.createsJoinRequest && pendingCountOf(this.world, invite)) || undefined,
      title: invite.title,
    };
  }

  /** A request about a channel's requests to join: the caller and the channel of `peer`. */
  private participantCall(key: AuthKeyRecord, req: TlObject): ParticipantCall {
    const me = this.requireUser(key);
    const channel = this.resolveChannel(req.channel);
    const target = this.resolveUser(me, obj(req.participant, 'PARTICIPANT'), 'PARTICIPANT_ID_INVALID');
    const who = { kind: target.kind, id: target.kind === 'user' ? target.user.id : target.bot.id };
    return { world: this.world, me, channel, who, usersToTl: (ids) => this.usersToTl(ids, me.id) };
  }

  /** The caller and the forum a topic call names (`channel`, or from layer 216 `peer`). */
  private forumCall(key: AuthKeyRecord, req: TlObject): ForumTopicCall {
    const me = this.requireUser(key);
    const channel = this.resolveChannel(req.channel ?? req.peer);
    return {
      world: this.world,
      me,
      channel,
      req,
      changed: (service) => this.channelUpdates(channel, me, [], this.written(channel, service)),
      usersToTl: (ids) => this.usersToTl(ids, me.id),
    };
  }

  private joinRequestCall(key: AuthKeyRecord, req: TlObject): JoinRequestCall {
    const me = this.requireUser(key);
    const peer = obj(req.peer, 'PEER_ID');
    if (peer._ !== 'inputPeerChannel') throw new RpcError(400, 'PEER_ID_INVALID');
    const channel = this.resolveChannel(peer);
    return { world: this.world, me, channel, req, usersToTl: (ids) => this.usersToTl(ids, me.id) };
  }

  /** A new invite link of a channel, made by an admin who may invite. */
  private exportChatInvite(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const peer = obj(req.peer, 'PEER_ID');
    if (peer._ !== 'inputPeerChannel') throw new RpcError(400, 'PEER_ID_INVALID');
    const channel = this.resolveChannel(peer);
    this.requireAdmin(channel, me);
    const expireDate = num(req.expire_date);
    const usageLimit = num(req.usage_limit);
    if (Number.isFinite(expireDate) && expireDate > 0 && expireDate <= this.world.unixNow()) {
      throw new RpcError(400, 'EXPIRE_DATE_INVALID');
    }
    if (Number.isFinite(usageLimit) && (usageLimit < 0 || usageLimit > 99999)) {
      throw new RpcError(400, 'USAGE_LIMIT_INVALID');
    }
    const title = typeof req.title === 'string' && req.title ? req.title.slice(0, 32) : undefined;
    const requestNeeded = req.request_needed === true;
    // A link that needs approval takes no member limit (Telegram's refusal, wording not checked).
    if (requestNeeded && usageLimit > 0) throw new RpcError(400, 'USAGE_LIMIT_INVALID');
    const invite = this.world.createInvite(channel.id, me.id, {
      expireDate: expireDate > 0 ? expireDate : undefined,
      usageLimit: usageLimit > 0 ? usageLimit : undefined,
      title,
      createsJoinRequest: requestNeeded,
    });
    return this.inviteToTl(invite);
  }

  /** The invite of a hash taken from a link (`t.me/+hash`, `t.me/joinchat/hash`) and still usable. */
  private usableInvite(req: TlObject): { invite: ChannelInvite; channel: SandboxChannel } {
    const hash = str(req.hash).trim();
    if (!hash) throw new RpcError(400, 'INVITE_HASH_EMPTY');
    const invite = this.world.findInvite(hash);
    const channel = invite && this.world.findChannel(invite.channelId);
    if (!invite || !channel) throw new RpcError(400, 'INVITE_HASH_INVALID');
    const used = invite.usageLimit !== undefined && invite.usage >= invite.usageLimit;
    const expired = invite.expireDate !== undefined && invite.expireDate <= this.world.unixNow();
    if (invite.revoked || used || expired) throw new RpcError(406, 'INVITE_HASH_EXPIRED');
    return { invite, channel };
  }

  private checkChatInvite(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const { invite, channel } = this.usableInvite(req);
    if (channel.members.has(`user:${me.id}`)) return { _: 'chatInviteAlready', chat: channelToTl(channel, me.id) };
    return {
      _: 'chatInvite',
      channel: true,
      broadcast: !channel.megagroup || undefined,
      megagroup: channel.megagroup || undefined,
      public: channel.username !== undefined || undefined,
      request_needed: invite.createsJoinRequest || undefined,
      title: channel.title,
      photo: chatFullPhotoToTl(channel.photo),
      participants_count: subscriberCount(channel),
      color: 0,
    };
  }

  /** `invite`: the link the user joined by; none for a public group or channel. */
  private joined(channel: SandboxChannel, me: SandboxUser, invite?: ChannelInvite): TlObject {
    this.world.setMember(channel.id, { kind: 'user', id: me.id }, me.id);
    const service = writeJoined(
      this.world,
      { kind: 'channel', channel },
      { kind: 'user', id: me.id },
      invite?.adminUserId,
    );
    return this.channelUpdates(channel, me, [userToTl(me, me.id)], this.written(channel, service));
  }

  private importChatInvite(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const { invite, channel } = this.usableInvite(req);
    if (channel.members.has(`user:${me.id}`)) throw new RpcError(400, 'USER_ALREADY_PARTICIPANT');
    this.requireNotBanned(channel, me);
    this.requireRoomForChannel(me);
    // Such a link asks the administrators first: the request waits for them (join-requests.ts).
    if (invite.createsJoinRequest) {
      requestToJoin(this.world, channel, invite, me.id);
      throw new RpcError(400, 'INVITE_REQUEST_SENT');
    }
    invite.usage += 1;
    recordJoinedByLink(this.world, invite, me.id);
    return this.joined(channel, me, invite);
  }

  /** Joins a public channel; a private one is joined through its invite link only. */
  private joinChannel(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const channel = this.resolveChannel(req.channel);
    if (channel.members.has(`user:${me.id}`)) throw new RpcError(400, 'USER_ALREADY_PARTICIPANT');
    if (channel.username === undefined) throw new RpcError(406, 'CHANNEL_PRIVATE');
    this.requireNotBanned(channel, me);
    this.requireRoomForChannel(me);
    return this.joined(channel, me);
  }

  private leaveChannel(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const channel = this.resolveChannel(req.channel);
    const member = channel.members.get(`user:${me.id}`);
    if (!member) throw new RpcError(400, 'USER_NOT_PARTICIPANT');
    if (member.creator) throw new RpcError(400, 'USER_CREATOR');
    // Written while they are still in, so the one leaving has it too.
    const service = writeLeft(this.world, { kind: 'channel', channel }, { kind: 'user', id: me.id }, me.id);
    const written = this.written(channel, service);
    this.world.removeMember(channel.id, 'user', me.id, true);
    return this.channelUpdates(channel, me, [], written);
  }

  /** Only the creator deletes a channel; the answer tells the channel is now out of reach. */
  private deleteChannel(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const channel = this.resolveChannel(req.channel);
    if (!channel.members.get(`user:${me.id}`)?.creator) throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
    this.world.deleteChannel(channel.id);
    return {
      _: 'updates',
      updates: [{ _: 'updateChannel', channel_id: BigInt(channel.id) }],
      users: [],
      chats: [
        {
          _: 'channelForbidden',
          broadcast: !channel.megagroup,
          megagroup: channel.megagroup,
          id: BigInt(channel.id),
          access_hash: channel.accessHash,
          title: channel.title,
        },
      ],
      date: unixNow(),
      seq: 0,
    };
  }

  private readChannelHistory(key: AuthKeyRecord, req: TlObject): boolean {
    const me = this.requireUser(key);
    const channel = this.resolveChannel(req.channel);
    if (!channel.members.has(`user:${me.id}`)) throw new RpcError(406, 'CHANNEL_PRIVATE');
    this.world.readChannelHistory(me.id, channel.id, num(req.max_id) || 0);
    return true;
  }

  // ---- contacts ----

  private contactTl(ownerId: number, entry: SandboxContact): TlObject | undefined {
    const user = this.world.findUserById(entry.userId);
    if (!user) return undefined;
    return {
      ...userToTl(user, ownerId, { entry, mutual: this.world.isContact(entry.userId, ownerId) }),
      status: statusFor(this.world, user.id, ownerId),
    };
  }

  private getContacts(key: AuthKeyRecord): TlObject {
    const me = this.requireUser(key);
    const entries = this.world.contactsOf(me.id).filter((c) => this.world.findUserById(c.userId));
    return {
      _: 'contacts.contacts',
      contacts: entries.map((c) => ({
        _: 'contact',
        user_id: BigInt(c.userId),
        mutual: this.world.isContact(c.userId, me.id),
      })),
      saved_count: entries.length,
      users: entries.flatMap((c) => this.contactTl(me.id, c) ?? []),
    };
  }

  /**
   * Adds the phones that belong to Telegram users to the account's contacts. Each one found comes back under the
   * client_id it was given, with its user; phones of nobody are simply not among them, as on Telegram.
   */
  private importContacts(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const raw = Array.isArray(req.contacts) ? req.contacts : [];
    if (raw.length > 1000) throw new RpcError(400, 'CONTACTS_TOO_MUCH');
    const inputs = raw.map((c) => {
      const contact = obj(c, 'CONTACT');
      if (contact._ !== 'inputPhoneContact') throw new RpcError(400, 'CONTACT_ID_INVALID');
      return {
        clientId: typeof contact.client_id === 'bigint' ? contact.client_id : 0n,
        phone: str(contact.phone),
        firstName: str(contact.first_name).slice(0, 64),
        lastName: str(contact.last_name).slice(0, 64),
      };
    });
    const found = this.world.importContacts(me.id, inputs);
    const entries = this.world.contactsOf(me.id);
    return {
      _: 'contacts.importedContacts',
      imported: found.map(({ index, user }) => ({
        _: 'importedContact',
        user_id: BigInt(user.id),
        client_id: inputs[index]?.clientId ?? 0n,
      })),
      popular_invites: [],
      retry_contacts: [],
      users: found.flatMap(({ user }) => {
        const entry = entries.find((c) => c.userId === user.id);
        return entry ? (this.contactTl(me.id, entry) ?? []) : [];
      }),
    };
  }

  // ---- edits and deletions (each one an update for every side that sees the message) ----

  private editMessage(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const text = typeof req.message === 'string' ? req.message : '';
    if (!text.trim()) throw new RpcError(400, 'MESSAGE_EMPTY');
    if (text.length > 4096) throw new RpcError(400, 'MESSAGE_TOO_LONG');
    const id = num(req.id);
    const peer = obj(req.peer, 'PEER_ID');
    const answer = (update: TlObject, users: TlObject[], chats: TlObject[]): TlObject => ({
      _: 'updates',
      updates: [update],
      users,
      chats,
      date: unixNow(),
      seq: 0,
    });
    if (peer._ === 'inputPeerChannel') {
      const channel = this.resolveChannel(peer);
      const member = channel.members.get(`user:${me.id}`);
      const message = channel.messages.find((m) => m.id === id && !m.deleted);
      if (!message) throw new RpcError(400, 'MESSAGE_ID_INVALID');
      // A service message has no text to edit (the sandbox's best reading of Telegram's answer).
      if (message.service) throw new RpcError(400, 'MESSAGE_ID_INVALID');
      // A supergroup member edits their own messages; a channel's posts are edited by admins who may post.
      const allowed = channel.megagroup ? message.fromUserId === me.id : member?.admin && member.canPostMessages;
      if (!allowed) throw new RpcError(403, 'MESSAGE_AUTHOR_REQUIRED');
      if (message.text === text) throw new RpcError(400, 'MESSAGE_NOT_MODIFIED');
      const edited = this.world.editChannelMessage(channel.id, id, text, { editorUserId: me.id });
      const update = {
        _: 'updateEditChannelMessage',
        message: channelMessageToTl(channel, edited, this.world.countersOf(channel, edited), me.id),
        pts: channel.pts,
        pts_count: 1,
      };
      return answer(update, [userToTl(me, me.id)], [channelToTl(channel, me.id)]);
    }
    const other = this.resolveUser(me, peer, 'PEER_ID_INVALID');
    const otherId = other.kind === 'user' ? other.user.id : other.bot.id;
    const message = this.world
      .privateMessagesOf('user', me.id)
      .find((m) => m.id === id && (m.fromId === me.id ? m.toId : m.fromId) === otherId);
    if (!message) throw new RpcError(400, 'MESSAGE_ID_INVALID');
    if (message.fromKind !== 'user' || message.fromId !== me.id) throw new RpcError(403, 'MESSAGE_AUTHOR_REQUIRED');
    if (message.text === text) throw new RpcError(400, 'MESSAGE_NOT_MODIFIED');
    const edited = this.world.editPrivateMessage(id, text);
    const update = {
      _: 'updateEditMessage',
      message: privateMessageToTl(edited, me.id),
      pts: this.updates.userPts(me.id),
      pts_count: 1,
    };
    return answer(update, this.usersToTl([me.id, otherId], me.id), []);
  }

  private readHistory(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const peer = obj(req.peer, 'PEER_ID');
    // Channels and supergroups are read with channels.readHistory.
    if (peer._ === 'inputPeerChannel') throw new RpcError(400, 'PEER_ID_INVALID');
    const other = this.resolveUser(me, peer, 'PEER_ID_INVALID');
    const otherId = other.kind === 'user' ? other.user.id : other.bot.id;
    const read = this.world.readPrivateHistory(me.id, other.kind, otherId, num(req.max_id) || 0);
    return { _: 'messages.affectedMessages', pts: this.updates.userPts(me.id), pts_count: read === undefined ? 0 : 1 };
  }

  private messageIds(req: TlObject): number[] {
    const ids = (Array.isArray(req.id) ? req.id : []).map(num).filter((id) => Number.isInteger(id) && id > 0);
    if (ids.length > 100) throw new RpcError(400, 'MESSAGE_IDS_TOO_MANY');
    return ids;
  }

  /** Messages of the common box: of basic groups (see basic-group-management.ts) and of private chats. */
  private deleteMessages(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const revoke = req.revoke === true;
    const inGroups = deleteGroupMessagesAsUser(this.world, me.id, this.messageIds(req), revoke);
    const deleted = this.world.deletePrivateMessages(me.id, inGroups.rest, revoke);
    const count = inGroups.deleted.length + deleted.length;
    return { _: 'messages.affectedMessages', pts: this.updates.userPts(me.id), pts_count: count };
  }

  /**
   * The poll message a member names (peer and msg_id): in a channel they can read, a basic group they are in, or
   * their private chat. An unknown message, or one that is no poll, is MSG_ID_INVALID.
   */
  private pollChat(me: SandboxUser, req: TlObject): PollChat {
    const peer = obj(req.peer, 'PEER_ID');
    const id = num(req.msg_id);
    const invalid = new RpcError(400, 'MSG_ID_INVALID');
    let chat: PollChat | undefined;
    if (peer._ === 'inputPeerChannel') {
      const channel = this.resolveChannel(peer);
      if (!this.canRead(channel, me.id)) throw new RpcError(400, 'CHANNEL_PRIVATE');
      const message = channel.messages.find((m) => m.id === id && !m.deleted);
      chat = message && { kind: 'channel', channel, message };
    } else if (peer._ === 'inputPeerChat') {
      const group = this.memberGroup(me, peer);
      const message = group.messages.find((m) => m.id === id);
      chat = message && { kind: 'group', group, message };
    } else {
      const other = this.resolveUser(me, peer, 'PEER_ID_INVALID');
      const otherId = other.kind === 'user' ? other.user.id : other.bot.id;
      const message = this.world
        .privateMessagesOf('user', me.id)
        .find((m) => m.id === id && (m.fromKind === 'user' && m.fromId === me.id ? m.toId : m.fromId) === otherId);
      chat = message && { kind: 'private', message };
    }
    if (!chat || !isPoll(chat.message.media)) throw invalid;
    return chat;
  }

  /** The poll's state as the member sees it, in the chat's `updates` (what sendVote and getPollResults answer). */
  private pollUpdates(me: SandboxUser, chat: PollChat): TlObject {
    const poll = chat.message.media;
    const update = updateMessagePollToTl(
      chat,
      me.id,
      unixNow(),
      entitiesToTl(isPoll(poll) ? poll.explanationEntities : undefined),
    );
    const userIds =
      chat.kind === 'private'
        ? [chat.message.fromId, chat.message.toId]
        : chat.kind === 'group'
          ? groupMessageAuthorIds(chat.message)
          : channelMessageUserIds(chat.message);
    const chats =
      chat.kind === 'channel'
        ? [channelToTl(chat.channel, me.id)]
        : chat.kind === 'group'
          ? [basicGroupToTl(chat.group, me.id)]
          : [];
    return {
      _: 'updates',
      updates: update ? [update] : [],
      users: this.usersToTl([me.id, ...userIds], me.id),
      chats,
      date: unixNow(),
      seq: 0,
    };
  }

  /** A member votes in a poll, changes the vote, or takes it back (no options); see polls.ts for the refusals. */
  private sendVote(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const chat = this.pollChat(me, req);
    const options = (Array.isArray(req.options) ? req.options : []).map((o) =>
      Buffer.isBuffer(o) ? o : Buffer.from(typeof o === 'string' ? o : ''),
    );
    try {
      castVote(this.world, chat, me.id, options);
    } catch (e) {
      if (e instanceof PollError) throw new RpcError(400, e.code);
      throw e;
    }
    return this.pollUpdates(me, chat);
  }

  private pollResults(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    return this.pollUpdates(me, this.pollChat(me, req));
  }

  private deleteChannelMessages(key: AuthKeyRecord, req: TlObject): TlObject {
    const me = this.requireUser(key);
    const channel = this.resolveChannel(req.channel);
    const member = channel.members.get(`user:${me.id}`);
    const found = [...new Set(this.messageIds(req))].flatMap((id) => {
      const m = channel.messages.find((x) => x.id === id && !x.deleted);
      return m ? [m] : [];
    });
    // Checked for all before any goes: admins delete anything, members of a supergroup their own.
    if (found.some((m) => !member || (!member.admin && m.fromUserId !== me.id))) {
      throw new RpcError(403, 'MESSAGE_DELETE_FORBIDDEN');
    }
    const start = channel.pts;
    for (const m of found) this.world.deleteChannelMessage(channel.id, m.id, { kind: 'user', id: me.id });
    return { _: 'messages.affectedMessages', pts: channel.pts, pts_count: channel.pts - start };
  }
}
