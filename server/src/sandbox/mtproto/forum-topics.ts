import { adminRightsOf } from '../channel-administration';
import {
  createTopic,
  deleteTopic,
  editTopic,
  findTopic,
  ForumTopicError,
  GENERAL_TOPIC_ID,
  listTopics,
  setForum,
  setGeneralHidden,
  setTopicClosed,
  topicMessages,
  topicOfNewMessage,
} from '../forum-topics';
import type { ChannelMessage, SandboxChannel, SandboxForumTopic, SandboxUser, SandboxWorld } from '../world';
import { channelMessageToTl, channelMessageUserIds, channelToTl, peerChannel, peerUser } from './tl-builders';
import { isTlObject, type TlObject } from './tl-codec';
import { RpcError } from './rpc-error';

/**
 * Forum topics through the MTProto door (the world's are `../forum-topics.ts`): `channels.toggleForum`,
 * `channels.createForumTopic`, `channels.getForumTopics`, `channels.getForumTopicsByID`, `channels.editForumTopic`
 * and `channels.deleteTopicHistory` (and their `messages.*` names of layer 216 on, which take a peer), and the topic a
 * message sent with `reply_to.top_msg_id` goes to. rpc.ts resolves the caller and the chat and hands them here.
 */

/** What the handlers need of rpc.ts: the caller, the chat, the request, and the answers it builds. */
export interface ForumTopicCall {
  world: SandboxWorld;
  me: SandboxUser;
  channel: SandboxChannel;
  req: TlObject;
  /** `updates` with `updateChannel` and, when a change wrote one, its service message (at the channel's pts). */
  changed(service?: ChannelMessage): TlObject;
  usersToTl(ids: number[]): TlObject[];
}

/** The most topics one call lists. */
const MAX_TOPICS = 100;

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN);

/** A refusal of the world's as an RPC error. */
function run<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ForumTopicError) throw new RpcError(400, err.code);
    throw err;
  }
}

const me = (call: ForumTopicCall) => ({ kind: 'user' as const, id: call.me.id });

/** The newest message of a topic still there (its "created" message at least; General: the chat's first). */
function topMessageOf(channel: SandboxChannel, topic: SandboxForumTopic): ChannelMessage | undefined {
  return topicMessages(channel, topic.id).at(-1);
}

/** A `forumTopic` as the viewer sees it (read up to its newest message; the sandbox counts no unread in topics). */
function forumTopicToTl(channel: SandboxChannel, topic: SandboxForumTopic, viewerId: number): TlObject {
  const top = topMessageOf(channel, topic)?.id ?? topic.id;
  return {
    _: 'forumTopic',
    my: (topic.creator?.kind === 'user' && topic.creator.id === viewerId) || undefined,
    closed: topic.closed || undefined,
    hidden: topic.hidden || undefined,
    id: topic.id,
    date: topic.date,
    peer: peerChannel(channel.id),
    title: topic.name,
    icon_color: topic.iconColor,
    icon_emoji_id: topic.iconEmojiId ? BigInt(topic.iconEmojiId) : undefined,
    top_message: top,
    read_inbox_max_id: top,
    read_outbox_max_id: top,
    unread_count: 0,
    unread_mentions_count: 0,
    unread_reactions_count: 0,
    unread_poll_votes_count: 0,
    // A bot's topic names the bot, a user's the user (both are users to apps); General names the chat's creator.
    from_id: peerUser(topic.creator?.id ?? channel.creatorUserId),
    notify_settings: { _: 'peerNotifySettings' },
  };
}

/** `messages.forumTopics` of these topics, with their newest messages and who they name. */
function forumTopicsToTl(call: ForumTopicCall, topics: (SandboxForumTopic | number)[], count: number): TlObject {
  const { channel } = call;
  const messages = topics
    .map((t) => (typeof t === 'number' ? undefined : topMessageOf(channel, t)))
    .filter((m): m is ChannelMessage => m !== undefined);
  const userIds = new Set<number>(messages.flatMap(channelMessageUserIds));
  for (const t of topics) if (typeof t !== 'number' && t.creator) userIds.add(t.creator.id);
  userIds.add(channel.creatorUserId);
  return {
    _: 'messages.forumTopics',
    count,
    topics: topics.map((t) =>
      typeof t === 'number' ? { _: 'forumTopicDeleted', id: t } : forumTopicToTl(channel, t, call.me.id),
    ),
    messages: messages.map((m) => channelMessageToTl(channel, m, undefined, call.me.id)),
    chats: [channelToTl(channel, call.me.id)],
    users: call.usersToTl([...userIds]),
    pts: channel.pts,
  };
}

function requireMember(call: ForumTopicCall): void {
  if (!call.channel.members.has(`user:${call.me.id}`)) throw new RpcError(400, 'CHANNEL_PRIVATE');
}

function requireForum(call: ForumTopicCall): void {
  if (!call.channel.forum) throw new RpcError(400, 'CHANNEL_FORUM_MISSING');
}

/** channels.toggleForum: the creator, or an administrator who may change the chat's info, turns topics on or off. */
export function toggleForum(call: ForumTopicCall): TlObject {
  const { channel } = call;
  if (!adminRightsOf(channel.members.get(`user:${call.me.id}`)).can_change_info) {
    throw new RpcError(400, 'CHAT_ADMIN_REQUIRED');
  }
  run(() => setForum(call.world, channel, call.req.enabled === true));
  return call.changed();
}

/** channels.createForumTopic: the new topic's "created" message, with `updateMessageID` for the app's random_id. */
export function createForumTopic(call: ForumTopicCall): TlObject {
  requireForum(call);
  const { req } = call;
  const { message } = run(() =>
    createTopic(call.world, call.channel, me(call), {
      title: typeof req.title === 'string' ? req.title : '',
      ...(req.icon_color !== undefined ? { iconColor: num(req.icon_color) } : {}),
      ...(typeof req.icon_emoji_id === 'bigint' && req.icon_emoji_id !== 0n
        ? { iconEmojiId: req.icon_emoji_id.toString() }
        : {}),
    }),
  );
  const answer = call.changed(message);
  const randomId = typeof req.random_id === 'bigint' ? req.random_id : 0n;
  return {
    ...answer,
    updates: [{ _: 'updateMessageID', id: message.id, random_id: randomId }, ...(answer.updates as TlObject[])],
  };
}

/**
 * channels.getForumTopics: the forum's topics (the General topic among them) whose title holds `q`, newest activity
 * first, after `offset_topic` when given, `limit` at most.
 */
export function getForumTopics(call: ForumTopicCall): TlObject {
  requireForum(call);
  requireMember(call);
  const { channel, req } = call;
  const q = typeof req.q === 'string' ? req.q.trim().toLowerCase() : '';
  const matching = listTopics(channel)
    .filter((t) => !q || t.name.toLowerCase().includes(q))
    .sort((a, b) => (topMessageOf(channel, b)?.id ?? b.id) - (topMessageOf(channel, a)?.id ?? a.id));
  const offsetTopic = num(req.offset_topic);
  const start = offsetTopic > 0 ? matching.findIndex((t) => t.id === offsetTopic) + 1 : 0;
  const limit = Math.min(Math.max(num(req.limit) || MAX_TOPICS, 1), MAX_TOPICS);
  return forumTopicsToTl(call, matching.slice(start, start + limit), matching.length);
}

/** channels.getForumTopicsByID: the topics asked for, in that order; one that is not there is `forumTopicDeleted`. */
export function getForumTopicsById(call: ForumTopicCall): TlObject {
  requireForum(call);
  requireMember(call);
  const ids = Array.isArray(call.req.topics) ? call.req.topics.map(num) : [];
  const topics = ids.map((id) => findTopic(call.channel, id) ?? id);
  return forumTopicsToTl(call, topics, topics.length);
}

/**
 * channels.editForumTopic: a new title or custom emoji icon (0: none), or `closed`, or (the General topic) `hidden`.
 * One change per call, as apps make them; nothing to change is TOPIC_NOT_MODIFIED.
 */
export function editForumTopic(call: ForumTopicCall): TlObject {
  requireForum(call);
  const { req } = call;
  const id = num(req.topic_id);
  let service: ChannelMessage;
  if (req.title !== undefined || req.icon_emoji_id !== undefined) {
    service = run(() =>
      editTopic(call.world, call.channel, me(call), id, {
        ...(typeof req.title === 'string' ? { title: req.title } : {}),
        ...(typeof req.icon_emoji_id === 'bigint' ? { iconEmojiId: req.icon_emoji_id.toString() } : {}),
      }),
    );
  } else if (typeof req.closed === 'boolean') {
    const closed = req.closed;
    service = run(() => setTopicClosed(call.world, call.channel, me(call), id, closed));
  } else if (typeof req.hidden === 'boolean') {
    // Only the General topic can be hidden (wording guessed).
    if (id !== GENERAL_TOPIC_ID) throw new RpcError(400, 'TOPIC_ID_INVALID');
    const hidden = req.hidden;
    service = run(() => setGeneralHidden(call.world, call.channel, me(call), hidden));
  } else {
    throw new RpcError(400, 'TOPIC_NOT_MODIFIED');
  }
  return call.changed(service);
}

/** channels.deleteTopicHistory: the topic goes with all its messages (`messages.affectedHistory`). */
export function deleteTopicHistory(call: ForumTopicCall): TlObject {
  requireForum(call);
  const ids = run(() => deleteTopic(call.world, call.channel, me(call), num(call.req.top_msg_id)));
  return { _: 'messages.affectedHistory', pts: call.channel.pts, pts_count: ids.length, offset: 0 };
}

/**
 * The topic of a message an app sends into a channel (`reply_to.top_msg_id`, or `top_msg_id` of layers 148-158, else
 * the topic of the message it answers): see `topicOfNewMessage`.
 */
export function topicOfAppMessage(
  channel: SandboxChannel,
  userId: number,
  req: TlObject,
  replyToId: number | undefined,
): number | undefined {
  const top = isTlObject(req.reply_to) ? num(req.reply_to.top_msg_id) : num(req.top_msg_id);
  return run(() =>
    topicOfNewMessage(
      channel,
      { kind: 'user', id: userId },
      Number.isInteger(top) && top > 0 ? top : undefined,
      replyToId,
    ),
  );
}

/** The topic a read names (`messages.getReplies`'s `msg_id`, `messages.search`'s `top_msg_id`), if any. */
export function topicOfRead(id: unknown): number | undefined {
  const n = num(id);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
