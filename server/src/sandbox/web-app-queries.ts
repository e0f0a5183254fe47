import { runtimeMap } from './runtime-state';
import { randomBytes } from 'node:crypto';
import type { InlineResult } from './inline-queries';
import { mediaOfFile } from './media-kinds';
import { queryIdString, WebAppError } from './web-apps';
import { type PrivateMessage, type SandboxBot, type SandboxUser, type SandboxWorld, WorldEvent } from './world';

/**
 * Web view queries: a Mini App opened with `messages.requestWebView` (the bot's menu button, an inline keyboard
 * button) gets a `query_id` in its initData; the app hands it to the bot's backend, which answers it once with
 * answerWebAppQuery (MTProto `messages.sendWebViewResultMessage`): the result goes to the chat the web view was opened
 * in as the user's own message "via @bot", and the user's apps are told (`updateWebViewResultSent`). Only the bot the
 * web view was opened for may answer, once; the app keeps the query alive with `messages.prolongWebView` (Telegram's
 * apps call it every minute while the web view is open). Queries live while the sandbox runs, as inline queries do
 * (inline-queries.ts), not in its stored world.
 */

/** One open web view the bot may answer. */
export interface WebViewQuery {
  /** The initData `query_id` (what the bot is handed): also the book's key. */
  key: string;
  /** The MTProto `query_id` of `webViewResultUrl`. */
  queryId: bigint;
  botId: number;
  userId: number;
  /** The world's time (ms) after which an unanswered, unprolonged query is forgotten. */
  expiresAt: number;
}

/** Payload of {@link WorldEvent.WebViewResultSent}: the user's apps close the web view the bot answered. */
export interface WebViewResultSentEvent {
  userId: number;
  queryId: bigint;
}

/**
 * How long a query lives after its web view opened or was last prolonged. Telegram does not publish it; its apps
 * prolong every 60 seconds, so five minutes leaves an open web view alive and forgets an abandoned one.
 */
export const WEB_VIEW_QUERY_LIFETIME_MS = 5 * 60_000;
/** Queries kept per world; older ones are forgotten. */
const MAX_QUERIES = 2000;

/** The open web views of each world (runtime: not stored with it). */
const bookOf = runtimeMap<WebViewQuery>();

/** A web view opened by `user` for `bot` under MTProto `queryId`: the bot may now answer it. */
export function openWebViewQuery(world: SandboxWorld, bot: SandboxBot, user: SandboxUser, queryId: bigint): void {
  const book = bookOf(world);
  const key = queryIdString(user.id, queryId);
  book.set(key, { key, queryId, botId: bot.id, userId: user.id, expiresAt: world.now() + WEB_VIEW_QUERY_LIFETIME_MS });
  if (book.size > MAX_QUERIES) {
    const oldest = book.keys().next().value;
    if (oldest !== undefined) book.delete(oldest);
  }
}

/** A live query by its initData id, for `botId` only; QUERY_ID_INVALID otherwise (unknown, used, expired). */
function liveQuery(world: SandboxWorld, key: string, botId: number): WebViewQuery {
  const book = bookOf(world);
  const query = book.get(key);
  if (query && query.expiresAt <= world.now()) book.delete(key);
  if (!query || query.expiresAt <= world.now() || query.botId !== botId) throw new WebAppError('QUERY_ID_INVALID');
  return query;
}

/**
 * `messages.prolongWebView`: the user's app says its web view is still open; the query lives on. QUERY_ID_INVALID
 * (the app then closes the web view) for one that is not the user's with this bot, answered or expired.
 */
export function prolongWebViewQuery(world: SandboxWorld, bot: SandboxBot, user: SandboxUser, queryId: bigint): void {
  const query = liveQuery(world, queryIdString(user.id, queryId), bot.id);
  query.expiresAt = world.now() + WEB_VIEW_QUERY_LIFETIME_MS;
}

/**
 * The bot answers a web view query with one result: the user sends it to the bot's chat "via @bot" (a result with an
 * inline keyboard keeps it under a new inline_message_id, returned), the query is used up, and the user's apps are
 * told. QUERY_ID_INVALID for a query unknown, used, expired or opened for another bot.
 */
export function answerWebViewQuery(
  world: SandboxWorld,
  bot: SandboxBot,
  key: string,
  result: InlineResult,
): { message: PrivateMessage; inlineMessageId?: string } {
  const query = liveQuery(world, key, bot.id);
  const user = world.findUserById(query.userId);
  if (!user) throw new WebAppError('QUERY_ID_INVALID');
  const file = result.type === 'article' || result.sendsText ? undefined : world.files.get(result.fileId ?? '');
  const message = world.sendPrivateMessage({
    fromKind: 'user',
    fromId: user.id,
    toKind: 'bot',
    toId: bot.id,
    text: result.text,
    entities: result.entities,
    media: file ? mediaOfFile(file) : undefined,
    inlineBotId: bot.id,
  });
  bookOf(world).delete(key);
  let inlineMessageId: string | undefined;
  if (result.replyMarkup) {
    inlineMessageId = randomBytes(18).toString('base64url');
    world.inlineMessages[inlineMessageId] = {
      botId: bot.id,
      sent: { messageId: message.id },
      replyMarkup: result.replyMarkup,
    };
  }
  const event: WebViewResultSentEvent = { userId: user.id, queryId: query.queryId };
  world.emit(WorldEvent.WebViewResultSent, event);
  return { message, ...(inlineMessageId ? { inlineMessageId } : {}) };
}
