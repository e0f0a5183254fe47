import { adminRightsOf } from './channel-administration';
import { effectivePermissions } from './chat-permissions';
import {
  type ChannelMessage,
  type SandboxChannel,
  type SandboxForumTopic,
  type SandboxServiceAction,
  type SandboxWorld,
  WorldEvent,
} from './world';

/**
 * Forum topics, as both doors share them: a supergroup made a forum (`is_forum`, MTProto `channel.forum`) splits its
 * messages into topics. A topic's id is that of its "topic created" service message; the General topic (id 1) exists
 * without one, and a message of no topic is in it. A topic has a name, an icon (one of six colors, or a custom emoji),
 * and may be closed (only those who may manage topics write in it then); the General topic may also be hidden.
 * Each change is a service message in the topic, which reaches bots (`forum_topic_created`, `forum_topic_closed`...)
 * and apps (`messageActionTopicCreate`, `messageActionTopicEdit`) like other messages.
 *
 * Refusals are Telegram's servers' (MTProto error names); the Bot API door words its own checks as TDLib does.
 */

/** The General topic's id. */
export const GENERAL_TOPIC_ID = 1;
/** The colors a topic's icon may have (RGB), as Telegram offers them; the first is the default. */
export const TOPIC_COLORS: readonly number[] = [0x6fb9f0, 0xffd67e, 0xcb86db, 0x8eee98, 0xff93b2, 0xfb6f5f];
/** A topic's name is cut to this many characters (TDLib's MAX_FORUM_TOPIC_TITLE_LENGTH). */
export const MAX_TOPIC_NAME = 128;

/** A refusal worded as Telegram's servers word it (an MTProto error; the Bot API passes it on). */
export class ForumTopicError extends Error {
  constructor(readonly code: string) {
    super(code);
    this.name = 'ForumTopicError';
  }
}

/** Who acts: a user (from an app) or a bot. */
export type TopicActor = { kind: 'user' | 'bot'; id: number };

const memberOf = (channel: SandboxChannel, actor: TopicActor) => channel.members.get(`${actor.kind}:${actor.id}`);

/** Whether the user or bot may manage the chat's topics: its creator, or an administrator with can_manage_topics. */
export function canManageTopics(channel: SandboxChannel, actor: TopicActor): boolean {
  return adminRightsOf(memberOf(channel, actor)).can_manage_topics;
}

/**
 * Whether the user or bot may create topics: one who manages them, or a member whom the chat's permissions (and their
 * own restriction) let create them.
 */
export function canCreateTopics(world: SandboxWorld, channel: SandboxChannel, actor: TopicActor): boolean {
  const member = memberOf(channel, actor);
  if (!member) return false;
  if (member.admin || member.creator) return canManageTopics(channel, actor);
  return effectivePermissions(world, channel, actor.kind, actor.id).can_manage_topics;
}

/** The General topic as it is now (its defaults until something of it changed). */
export function generalTopic(channel: SandboxChannel): SandboxForumTopic {
  return (
    channel.topics?.find((t) => t.id === GENERAL_TOPIC_ID) ?? {
      id: GENERAL_TOPIC_ID,
      name: 'General',
      iconColor: TOPIC_COLORS[0] ?? 0,
      date: Math.floor(channel.createdAt.getTime() / 1000),
    }
  );
}

/** The chat's topics, the General topic first, then the others oldest first; none when it is no forum. */
export function listTopics(channel: SandboxChannel): SandboxForumTopic[] {
  if (!channel.forum) return [];
  return [generalTopic(channel), ...(channel.topics ?? []).filter((t) => t.id !== GENERAL_TOPIC_ID)];
}

/** The topic of the forum with that id (the General topic for 1), if there is one. */
export function findTopic(channel: SandboxChannel, id: number): SandboxForumTopic | undefined {
  if (!channel.forum) return undefined;
  if (id === GENERAL_TOPIC_ID) return generalTopic(channel);
  return channel.topics?.find((t) => t.id === id);
}

/** The forum's topic with that id, or TOPIC_ID_INVALID (Telegram's answer for a topic that is not there). */
function requireTopic(channel: SandboxChannel, id: number): SandboxForumTopic {
  const topic = findTopic(channel, id);
  if (!topic) throw new ForumTopicError('TOPIC_ID_INVALID');
  return topic;
}

function requireForum(channel: SandboxChannel): void {
  if (!channel.forum) throw new ForumTopicError('CHANNEL_FORUM_MISSING');
}

/** Keeps the General topic's state once something of it changed. */
function storeGeneral(channel: SandboxChannel, topic: SandboxForumTopic): void {
  if (topic.id !== GENERAL_TOPIC_ID) return;
  const topics = channel.topics ?? [];
  if (!topics.includes(topic)) channel.topics = [topic, ...topics];
}

/**
 * Turns a supergroup's topics on or off (MTProto channels.toggleForum; the control API). Its topics stay kept when
 * they are turned off and come back when turned on again. Apps hear of it as a change of the chat.
 */
export function setForum(world: SandboxWorld, channel: SandboxChannel, enabled: boolean): void {
  // Only a supergroup can be a forum (Telegram's answer to a broadcast channel; wording guessed).
  if (!channel.megagroup) throw new ForumTopicError('CHANNEL_INVALID');
  if (Boolean(channel.forum) === enabled) throw new ForumTopicError('CHAT_NOT_MODIFIED');
  if (enabled) channel.forum = true;
  else delete channel.forum;
  world.emit(WorldEvent.ChannelEdited, channel);
}

/** A service message of the forum, written in the topic `topicId` (undefined: General) by `by`. */
function writeTopicService(
  world: SandboxWorld,
  channel: SandboxChannel,
  by: TopicActor,
  action: SandboxServiceAction,
  topicId: number | undefined,
): ChannelMessage {
  return world.postToChannel(channel.id, {
    text: '',
    ...(by.kind === 'user' ? { fromUserId: by.id } : { viaBotId: by.id }),
    service: action,
    ...(topicId !== undefined && topicId !== GENERAL_TOPIC_ID ? { topicId } : {}),
  });
}

/** A name as Telegram keeps it: trimmed, cut to {@link MAX_TOPIC_NAME} characters. */
export const cleanTopicName = (name: string): string => [...name.trim()].slice(0, MAX_TOPIC_NAME).join('').trim();

/**
 * `by` makes a topic: its "topic created" service message is written in it (its id is the topic's). A color other
 * than Telegram's six is taken as the first (behavior guessed: Telegram documents only the six).
 */
export function createTopic(
  world: SandboxWorld,
  channel: SandboxChannel,
  by: TopicActor,
  input: { title: string; iconColor?: number; iconEmojiId?: string },
): { topic: SandboxForumTopic; message: ChannelMessage } {
  requireForum(channel);
  if (!canCreateTopics(world, channel, by)) throw new ForumTopicError('CHAT_ADMIN_REQUIRED');
  const title = cleanTopicName(input.title);
  if (!title) throw new ForumTopicError('TOPIC_TITLE_EMPTY');
  const color = TOPIC_COLORS.includes(input.iconColor ?? -1) ? (input.iconColor ?? 0) : (TOPIC_COLORS[0] ?? 0);
  const emoji = input.iconEmojiId && input.iconEmojiId !== '0' ? input.iconEmojiId : undefined;
  // Message 1 is a chat's "created" message on Telegram, never a topic's (1 is the General topic's id): a chat made
  // with no history (the control API's) gets it now.
  if (!channel.messages.length) {
    world.postToChannel(channel.id, { text: '', service: { type: 'channel_create', title: channel.title } });
  }
  // The service message takes the next id of the chat: the topic's.
  const id = (channel.messages[channel.messages.length - 1]?.id ?? 0) + 1;
  const topic: SandboxForumTopic = {
    id,
    name: title,
    iconColor: color,
    ...(emoji ? { iconEmojiId: emoji } : {}),
    creator: { kind: by.kind, id: by.id },
    date: world.unixNow(),
  };
  channel.topics = [...(channel.topics ?? []), topic];
  const message = writeTopicService(
    world,
    channel,
    by,
    { type: 'topic_create', title, iconColor: color, ...(emoji ? { iconEmojiId: emoji } : {}) },
    id,
  );
  return { topic, message };
}

/** Whether `by` may edit, close or reopen the topic: one who manages topics, or the topic's maker. */
function mayChange(channel: SandboxChannel, by: TopicActor, topic: SandboxForumTopic): boolean {
  if (canManageTopics(channel, by)) return true;
  return topic.creator?.kind === by.kind && topic.creator.id === by.id && memberOf(channel, by) !== undefined;
}

/**
 * `by` renames the topic and/or changes its custom emoji icon ('' or '0' takes it away). Nothing to change is
 * TOPIC_NOT_MODIFIED. The General topic takes a new name only.
 */
export function editTopic(
  world: SandboxWorld,
  channel: SandboxChannel,
  by: TopicActor,
  id: number,
  change: { title?: string; iconEmojiId?: string },
): ChannelMessage {
  requireForum(channel);
  const topic = requireTopic(channel, id);
  if (!mayChange(channel, by, topic)) throw new ForumTopicError('CHAT_ADMIN_REQUIRED');
  const title = change.title === undefined ? undefined : cleanTopicName(change.title);
  if (title === '') throw new ForumTopicError('TOPIC_TITLE_EMPTY');
  const emoji = change.iconEmojiId === undefined ? undefined : change.iconEmojiId === '0' ? '' : change.iconEmojiId;
  const newTitle = title !== undefined && title !== topic.name ? title : undefined;
  const newEmoji =
    emoji !== undefined && id !== GENERAL_TOPIC_ID && emoji !== (topic.iconEmojiId ?? '') ? emoji : undefined;
  if (newTitle === undefined && newEmoji === undefined) throw new ForumTopicError('TOPIC_NOT_MODIFIED');
  if (newTitle !== undefined) topic.name = newTitle;
  if (newEmoji !== undefined) {
    if (newEmoji) topic.iconEmojiId = newEmoji;
    else delete topic.iconEmojiId;
  }
  storeGeneral(channel, topic);
  return writeTopicService(
    world,
    channel,
    by,
    {
      type: 'topic_edit',
      ...(newTitle !== undefined ? { title: newTitle } : {}),
      ...(newEmoji !== undefined ? { iconEmojiId: newEmoji } : {}),
    },
    id,
  );
}

/**
 * `by` closes or reopens the topic (the General topic too: reopened, it is shown again); no change is
 * TOPIC_NOT_MODIFIED.
 */
export function setTopicClosed(
  world: SandboxWorld,
  channel: SandboxChannel,
  by: TopicActor,
  id: number,
  closed: boolean,
): ChannelMessage {
  requireForum(channel);
  const topic = requireTopic(channel, id);
  if (!mayChange(channel, by, topic)) throw new ForumTopicError('CHAT_ADMIN_REQUIRED');
  if (Boolean(topic.closed) === closed) throw new ForumTopicError('TOPIC_NOT_MODIFIED');
  if (closed) topic.closed = true;
  else delete topic.closed;
  if (!closed) delete topic.hidden;
  storeGeneral(channel, topic);
  return writeTopicService(world, channel, by, { type: 'topic_edit', closed }, id);
}

/**
 * `by` hides the General topic from the topic list (closing it too), or shows it again (it stays closed); no change is
 * TOPIC_NOT_MODIFIED.
 */
export function setGeneralHidden(
  world: SandboxWorld,
  channel: SandboxChannel,
  by: TopicActor,
  hidden: boolean,
): ChannelMessage {
  requireForum(channel);
  const topic = generalTopic(channel);
  if (!canManageTopics(channel, by)) throw new ForumTopicError('CHAT_ADMIN_REQUIRED');
  if (Boolean(topic.hidden) === hidden) throw new ForumTopicError('TOPIC_NOT_MODIFIED');
  if (hidden) Object.assign(topic, { hidden: true, closed: true });
  else delete topic.hidden;
  storeGeneral(channel, topic);
  return writeTopicService(world, channel, by, { type: 'topic_edit', hidden }, GENERAL_TOPIC_ID);
}

/** Whether the message is in the topic (a message of no topic is in General). */
export const inTopic = (message: ChannelMessage, id: number): boolean =>
  id === GENERAL_TOPIC_ID ? message.topicId === undefined : message.topicId === id;

/** The messages of the topic still there, oldest first (its "topic created" message among them). */
export function topicMessages(channel: SandboxChannel, id: number): ChannelMessage[] {
  return channel.messages.filter((m) => !m.deleted && inTopic(m, id));
}

/**
 * `by` deletes the topic with all its messages (each deleted as a message is). One who may delete messages may
 * delete any topic, another member only a topic they made; the General topic cannot be deleted. Answers the ids of
 * the messages deleted.
 */
export function deleteTopic(world: SandboxWorld, channel: SandboxChannel, by: TopicActor, id: number): number[] {
  requireForum(channel);
  // The General topic is no topic to delete (wording guessed).
  if (id === GENERAL_TOPIC_ID) throw new ForumTopicError('TOPIC_ID_INVALID');
  const topic = requireTopic(channel, id);
  const own = topic.creator?.kind === by.kind && topic.creator.id === by.id;
  if (!own && !adminRightsOf(memberOf(channel, by)).can_delete_messages) {
    throw new ForumTopicError('CHAT_ADMIN_REQUIRED');
  }
  channel.topics = (channel.topics ?? []).filter((t) => t !== topic);
  const ids = topicMessages(channel, id).map((m) => m.id);
  for (const messageId of ids) world.deleteChannelMessage(channel.id, messageId);
  return ids;
}

/**
 * The topic a new message of `sender` goes to: the one asked for (`threadId`), else that of the message it answers,
 * else General (undefined). In a chat that is no forum there are no topics (undefined). A topic that is not there is
 * TOPIC_ID_INVALID; a closed one (the General topic too) takes messages only from those who manage topics
 * (TOPIC_CLOSED).
 */
export function topicOfNewMessage(
  channel: SandboxChannel,
  sender: TopicActor,
  threadId: number | undefined,
  replyToId: number | undefined,
): number | undefined {
  if (!channel.forum) return undefined;
  const replied = replyToId === undefined ? undefined : channel.messages.find((m) => m.id === replyToId);
  const id = threadId || replied?.topicId || GENERAL_TOPIC_ID;
  const topic = requireTopic(channel, id);
  if (topic.closed && !canManageTopics(channel, sender)) throw new ForumTopicError('TOPIC_CLOSED');
  return id === GENERAL_TOPIC_ID ? undefined : id;
}
