import {
  findGame,
  type GameMessageRef,
  GameScoreError,
  gameMedia,
  highScoresAround,
  playKeyboard,
  setGameScore,
} from '../games';
import type { SandboxGameMedia, SandboxMessageMedia } from '../world';
import { BotApiError } from './bot-api-error';
import {
  channelMessageJson,
  deliver,
  findGroup,
  groupMessageJson,
  inGroup,
  type Method,
  type MethodContext,
  ok,
  privateMessageJson,
  resolveChat,
  resolveSendTarget,
} from './bot-api-methods';
import { type Json, userJson } from './serializers';

/**
 * Bots' HTML5 games on the Bot API: sendGame (a game registered for the bot, with its Play button unless the bot
 * gives a keyboard), setGameScore and getGameHighScores on a game message named by chat_id and message_id.
 * Gathered by `method-table.ts`; the games and scores themselves are the world's (`../games.ts`). A press on the
 * Play button reaches the bot as a callback_query with `game_short_name` (bot-api-door.ts).
 */

const sendGame: Method = (ctx) => {
  // The official server reads the short name first (get_required_string_arg).
  const shortName = ctx.params.required('game_short_name');
  const target = resolveSendTarget(ctx);
  // TDLib's refusal of a game for a broadcast channel.
  if (target.kind === 'channel' && !target.channel.megagroup) {
    throw BotApiError.badRequest("Games can't be sent to channel chats");
  }
  const game = findGame(ctx.world, ctx.session.bot.id, shortName);
  // wording guessed (Telegram refuses a short name the bot has no game under)
  if (!game) throw BotApiError.badRequest('wrong game short name specified');
  const json = deliver(ctx, target, { method: 'sendGame', plain: gameMedia(ctx.session.bot.id, game) });
  if (json.reply_markup === undefined) {
    // Without a keyboard of the bot's, Telegram gives the game its Play button.
    const markup = playKeyboard(game.title);
    const messageId = json.message_id as number;
    if (target.kind === 'private') {
      const record = ctx.session.privateMessages.get(messageId);
      if (record) record.replyMarkup = markup;
    } else if (target.kind === 'channel') {
      const post = target.channel.messages.find((m) => m.id === messageId);
      if (post) post.replyMarkup = markup;
    }
    json.reply_markup = markup;
  }
  return ok(json);
};

/** A game message of the bot, named by chat_id and message_id, with how the bot sees it now. */
interface GameMessage {
  ref: GameMessageRef;
  media: SandboxGameMedia;
  json: () => Json;
}

/**
 * The game message a score call names, refused as the official server refuses it: inline_message_id (a game sent
 * via inline mode) is not served here; a message that is not there is "<what> not found".
 */
function gameMessage(ctx: MethodContext, what: string): GameMessage {
  const { params, world, session } = ctx;
  const messageId = params.messageId();
  if (!params.has('chat_id') && messageId === 0) {
    if (!params.has('inline_message_id')) throw BotApiError.badRequest('Message identifier is not specified');
    // wording guessed: games sent via inline mode are not kept by the sandbox.
    throw BotApiError.badRequest('MESSAGE_ID_INVALID');
  }
  const notFound = BotApiError.badRequest(`${what} not found`);
  const chatId = params.chatId();
  const isGame = (media: SandboxMessageMedia | undefined): media is SandboxGameMedia =>
    media?.kind === 'game' && media.botId === session.bot.id;
  const group = findGroup(ctx, chatId);
  if (group) {
    if (!inGroup(ctx, group)) throw BotApiError.forbidden('bot is not a member of the group chat');
    const message = group.messages.find((m) => m.id === messageId);
    if (!message || !isGame(message.media)) throw notFound;
    return {
      ref: { kind: 'group', groupId: group.id, messageId },
      media: message.media,
      json: () => groupMessageJson(world, group, message),
    };
  }
  const target = resolveChat(ctx, chatId);
  if (target.kind === 'channel') {
    const { channel } = target;
    const post = channel.messages.find((m) => m.id === messageId && !m.deleted);
    if (!post || !isGame(post.media)) throw notFound;
    return {
      ref: { kind: 'channel', channelId: channel.id, messageId },
      media: post.media,
      json: () => channelMessageJson(world, channel, post),
    };
  }
  const record = session.privateMessages.get(messageId);
  const stored = world.findPrivateMessage(messageId);
  if (!record || record.userId !== target.user.id || session.deletedPrivateIds.has(messageId)) throw notFound;
  if (!isGame(stored?.media)) throw notFound;
  return {
    ref: { kind: 'private', messageId },
    media: stored.media,
    json: () => privateMessageJson(world, session.bot, target.user, record, session.privateMessages),
  };
}

/** The player a score call names: a user of the sandbox. */
function player(ctx: MethodContext): { id: number; json: Json } {
  const userId = ctx.params.userId();
  const user = ctx.world.findUserById(userId);
  // wording guessed (Telegram's refusal of a user it does not know)
  if (!user) throw BotApiError.badRequest('USER_ID_INVALID');
  return { id: user.id, json: userJson(user) };
}

const setGameScoreMethod: Method = (ctx) => {
  const { params, world, session } = ctx;
  const score = params.clampedInteger('score', 0);
  const force = params.boolean('force');
  // disable_edit_message, or the older edit_message, as the official server reads them.
  const edit = params.has('disable_edit_message')
    ? !params.boolean('disable_edit_message')
    : params.has('edit_message')
      ? params.boolean('edit_message')
      : true;
  const message = gameMessage(ctx, 'message to set game score');
  const { id: userId } = player(ctx);
  // wording guessed (Telegram refuses a negative score)
  if (score < 0) throw BotApiError.badRequest('SCORE_INVALID');
  try {
    setGameScore(world, message.ref, userId, score, force);
  } catch (err) {
    if (err instanceof GameScoreError) throw BotApiError.badRequest(err.code);
    throw err;
  }
  // The chat's "scored" service message (only a private chat's is kept by the sandbox); bots never receive it.
  const chatUserId = message.ref.kind === 'private' ? world.findPrivateMessage(message.ref.messageId)?.toId : undefined;
  if (edit && message.ref.kind === 'private' && chatUserId !== undefined) {
    world.sendPrivateMessage({
      fromKind: 'bot',
      fromId: session.bot.id,
      toKind: 'user',
      toId: chatUserId,
      text: '',
      replyToId: message.ref.messageId,
      gameScore: { userId, score, gameMessageId: message.ref.messageId, gameId: message.media.gameId },
    });
  }
  return ok(message.json());
};

const getGameHighScores: Method = (ctx) => {
  const message = gameMessage(ctx, 'message to get game high scores');
  const { id: userId } = player(ctx);
  const rows = highScoresAround(ctx.world, message.ref, userId).flatMap((s) => {
    const user = ctx.world.findUserById(s.userId);
    return user ? [{ position: s.position, user: userJson(user), score: s.score }] : [];
  });
  return ok(rows);
};

export const GAME_METHODS: Record<string, Method> = {
  sendGame,
  setGameScore: setGameScoreMethod,
  getGameHighScores,
};
