import { adminRightsOf } from '../channel-administration';
import {
  canCreateTopics,
  canManageTopics,
  cleanTopicName,
  createTopic,
  deleteTopic,
  editTopic,
  findTopic,
  ForumTopicError,
  GENERAL_TOPIC_ID,
  setGeneralHidden,
  setTopicClosed,
  type TopicActor,
  topicMessages,
} from '../forum-topics';
import type { SandboxChannel, SandboxForumTopic } from '../world';
import { BotApiError } from './bot-api-error';
import {
  botMember,
  findGroup,
  type Method,
  type MethodContext,
  ok,
  requireVisible,
  resolveChat,
} from './bot-api-methods';

/**
 * Forum topics for a bot (see `../forum-topics.ts`): createForumTopic, editForumTopic, closeForumTopic,
 * reopenForumTopic, deleteForumTopic, unpinAllForumTopicMessages, the General topic's edit, close, reopen, hide, unhide
 * and unpin, and getForumTopicIconStickers. The checks the official server makes itself (TDLib's) are worded as it
 * words them; the refusals of Telegram's servers are passed on by their names (TOPIC_NOT_MODIFIED, TOPIC_ID_INVALID).
 * Gathered by `method-table.ts`.
 */

const NOT_FORUM = 'the chat is not a forum';

const asBot = (ctx: MethodContext): TopicActor => ({ kind: 'bot', id: ctx.session.bot.id });

/** The forum chat_id names: a supergroup the bot can see that is a forum. */
function forumParam(ctx: MethodContext): SandboxChannel {
  const chatId = ctx.params.chatId();
  if (findGroup(ctx, chatId)) throw BotApiError.badRequest(NOT_FORUM);
  const target = resolveChat(ctx, chatId);
  if (target.kind !== 'channel') throw BotApiError.badRequest(NOT_FORUM);
  requireVisible(ctx, target.channel);
  if (!target.channel.forum) throw BotApiError.badRequest(NOT_FORUM);
  return target.channel;
}

/** message_thread_id: a topic's id as the official server reads it (junk or not positive is invalid). */
function threadParam(ctx: MethodContext): number {
  const id = ctx.params.messageId('message_thread_id');
  if (id <= 0) throw BotApiError.badRequest('invalid message thread identifier specified');
  return id;
}

/** A refusal of the world's, passed on as the official server passes MTProto's errors on. */
function asBotApiError(err: unknown): unknown {
  return err instanceof ForumTopicError ? BotApiError.badRequest(err.code) : err;
}

function run<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asBotApiError(err);
  }
}

/**
 * Whether the bot may change the topic, as TDLib checks it before asking: one that may manage topics may, else only
 * the topic's maker (a topic the bot does not know of is left to the server).
 */
function mayChange(ctx: MethodContext, channel: SandboxChannel, topic: SandboxForumTopic | undefined): boolean {
  if (canManageTopics(channel, asBot(ctx)) || !topic) return true;
  return topic.creator?.kind === 'bot' && topic.creator.id === ctx.session.bot.id;
}

/** A ForumTopic object. */
const forumTopicJson = (topic: SandboxForumTopic) => ({
  message_thread_id: topic.id,
  name: topic.name,
  icon_color: topic.iconColor,
  ...(topic.iconEmojiId ? { icon_custom_emoji_id: topic.iconEmojiId } : {}),
});

const createForumTopic: Method = (ctx) => {
  const channel = forumParam(ctx);
  if (!canCreateTopics(ctx.world, channel, asBot(ctx))) {
    throw BotApiError.badRequest('not enough rights to create a topic');
  }
  const name = cleanTopicName(ctx.params.text('name'));
  if (!name) throw BotApiError.badRequest('title must be non-empty');
  const color = ctx.params.clampedInteger('icon_color', 0);
  if (color < 0 || color > 0xffffff) throw BotApiError.badRequest('invalid icon color specified');
  const emoji = ctx.params.string('icon_custom_emoji_id');
  const { topic } = run(() =>
    createTopic(ctx.world, channel, asBot(ctx), {
      title: name,
      iconColor: color,
      ...(emoji && /^\d+$/.test(emoji) ? { iconEmojiId: emoji } : {}),
    }),
  );
  return ok(forumTopicJson(topic));
};

/** editForumTopic, and editGeneralForumTopic (`general`: its name only). */
function editMethod(general: boolean): Method {
  return (ctx) => {
    const channel = forumParam(ctx);
    const id = general ? GENERAL_TOPIC_ID : threadParam(ctx);
    if (!mayChange(ctx, channel, findTopic(channel, id))) {
      throw BotApiError.badRequest('not enough rights to edit the topic');
    }
    const rawName = ctx.params.text('name');
    const name = rawName ? cleanTopicName(rawName) : undefined;
    if (name === '') throw BotApiError.badRequest('title must be non-empty');
    const editEmoji = !general && ctx.params.has('icon_custom_emoji_id');
    // Nothing to change: the official server answers true without asking Telegram.
    if (name === undefined && !editEmoji) return ok(true);
    const emoji = ctx.params.text('icon_custom_emoji_id');
    run(() =>
      editTopic(ctx.world, channel, asBot(ctx), id, {
        ...(name !== undefined ? { title: name } : {}),
        ...(editEmoji ? { iconEmojiId: /^\d+$/.test(emoji) ? emoji : '' } : {}),
      }),
    );
    return ok(true);
  };
}

/** close/reopen of a topic or of the General topic. */
function closeMethod(general: boolean, closed: boolean): Method {
  return (ctx) => {
    const channel = forumParam(ctx);
    const id = general ? GENERAL_TOPIC_ID : threadParam(ctx);
    if (!mayChange(ctx, channel, findTopic(channel, id))) {
      throw BotApiError.badRequest('not enough rights to close or open the topic');
    }
    run(() => setTopicClosed(ctx.world, channel, asBot(ctx), id, closed));
    return ok(true);
  };
}

function hideMethod(hidden: boolean): Method {
  return (ctx) => {
    const channel = forumParam(ctx);
    if (!canManageTopics(channel, asBot(ctx))) {
      throw BotApiError.badRequest('not enough rights to close or open the topic');
    }
    run(() => setGeneralHidden(ctx.world, channel, asBot(ctx), hidden));
    return ok(true);
  };
}

const deleteForumTopic: Method = (ctx) => {
  const channel = forumParam(ctx);
  const id = threadParam(ctx);
  const topic = findTopic(channel, id);
  const own = topic?.creator?.kind === 'bot' && topic.creator.id === ctx.session.bot.id;
  if (topic && !own && !adminRightsOf(botMember(ctx, channel)).can_delete_messages) {
    throw BotApiError.badRequest('not enough rights to delete the topic');
  }
  run(() => deleteTopic(ctx.world, channel, asBot(ctx), id));
  return ok(true);
};

/** unpinAllForumTopicMessages and unpinAllGeneralForumTopicMessages: the topic's pinned messages are unpinned. */
function unpinAllMethod(general: boolean): Method {
  return (ctx) => {
    const channel = forumParam(ctx);
    const id = general ? GENERAL_TOPIC_ID : threadParam(ctx);
    // Wording of the official server's refusal to unpin (as unpinAllChatMessages); not checked for topics.
    if (!adminRightsOf(botMember(ctx, channel)).can_pin_messages) {
      throw BotApiError.badRequest('not enough rights to manage pinned messages in the chat');
    }
    if (!findTopic(channel, id)) throw BotApiError.badRequest('TOPIC_ID_INVALID');
    const pinned = topicMessages(channel, id)
      .filter((m) => m.pinned)
      .map((m) => m.id);
    if (pinned.length) ctx.world.pinMessages({ kind: 'channel', channel }, pinned, false);
    return ok(true);
  };
}

/** The custom emoji stickers a topic's icon may be: the sandbox has no stickers, so none. */
const getForumTopicIconStickers: Method = () => ok([]);

export const FORUM_TOPIC_METHODS: Record<string, Method> = {
  createForumTopic,
  editForumTopic: editMethod(false),
  closeForumTopic: closeMethod(false, true),
  reopenForumTopic: closeMethod(false, false),
  deleteForumTopic,
  unpinAllForumTopicMessages: unpinAllMethod(false),
  editGeneralForumTopic: editMethod(true),
  closeGeneralForumTopic: closeMethod(true, true),
  reopenGeneralForumTopic: closeMethod(true, false),
  hideGeneralForumTopic: hideMethod(true),
  unhideGeneralForumTopic: hideMethod(false),
  unpinAllGeneralForumTopicMessages: unpinAllMethod(true),
  getForumTopicIconStickers,
};
