import { waitForAnswer } from './runtime-state';
import { randomBytes } from 'node:crypto';
import {
  type SandboxBot,
  type SandboxEntity,
  type SentRandomId,
  SandboxNotFoundError,
  type SandboxUser,
  type SandboxWorld,
  WorldEvent,
} from './world';

/**
 * Inline mode, as both doors share it. A bot with inline mode on (BotFather's /setinline: `bot.inlinePlaceholder`)
 * hears `@bot query` typed in any chat as an inline query (an app's messages.getInlineBotResults, a bot's
 * `inline_query` update), answers it with results (answerInlineQuery), and the app sends one of them as the user's
 * own message "via @bot" (messages.sendInlineBotResult); the bot then hears which one was chosen
 * (`chosen_inline_result`) unless its inline feedback is off. Queries and answers live while the sandbox runs (as
 * Telegram forgets them), not in its stored world.
 */

/** Where the user typed the query (Bot API `chat_type`; MTProto `inlineQueryPeerType*`). */
export type InlineChatType = 'sender' | 'private' | 'group' | 'supergroup' | 'channel';

/** One result of a bot's answer, as the world keeps it: what the app shows, and what sending it writes. */
export interface InlineResult {
  id: string;
  /** The Bot API type: `article`, `photo` (a cached photo) or `document` (a cached file). */
  type: 'article' | 'photo' | 'document';
  title?: string;
  description?: string;
  url?: string;
  thumbnailUrl?: string;
  /** A photo's or document's file (of `world.files`). */
  fileId?: string;
  /** The file is only shown: sending the result sends `text` (its own input_message_content) instead. */
  sendsText?: boolean;
  /** The text sent (an article's input_message_content), or the caption of the file. */
  text: string;
  entities?: SandboxEntity[];
  /** An inline keyboard sent with the message (Bot API `InlineKeyboardMarkup`). */
  replyMarkup?: Record<string, unknown>;
}

/** A bot's answerInlineQuery. */
export interface InlineAnswer {
  results: InlineResult[];
  /** Seconds the answer may be given again to the same query without asking the bot. */
  cacheTime: number;
  /** Cached for the user who asked only (else for anyone typing the same query). */
  isPersonal: boolean;
  nextOffset: string;
  /** The button shown above the results: opens the bot's chat with a start parameter, or a Web App. */
  button?: { text: string; startParameter?: string; webAppUrl?: string };
}

/** One inline query: who asked which bot what, and the bot's answer once given. */
export interface InlineQueryRecord {
  /** A positive 64-bit number in decimal (the Bot API's `id`, MTProto's `query_id`). */
  id: string;
  botId: number;
  userId: number;
  query: string;
  offset: string;
  chatType?: InlineChatType;
  /** Other users given its answer from the cache (not personal): they may send its results too. */
  sharedWith?: number[];
  answer?: InlineAnswer;
  /** The world's time (ms) of the answer: a cached answer lasts `cacheTime` from then. */
  answeredAt?: number;
  /** Set while an app's call waits for the answer; called once it is given. */
  onAnswer?: () => void;
}

/** Payload of {@link WorldEvent.InlineQuery}: a new query for the bot, or a result of one that a user sent. */
export type InlineQueryEvent =
  | { kind: 'query'; bot: SandboxBot; user: SandboxUser; query: InlineQueryRecord }
  | {
      kind: 'chosen';
      bot: SandboxBot;
      user: SandboxUser;
      query: InlineQueryRecord;
      resultId: string;
      /** The sent message's id for the bot, when the result had an inline keyboard. */
      inlineMessageId?: string;
    };

/** A refusal worded as Telegram's servers word it (an MTProto error; the Bot API words its own). */
export class InlineQueryError extends Error {
  constructor(readonly code: string) {
    super(code);
    this.name = 'InlineQueryError';
  }
}

/** Queries kept per world; older ones are forgotten, as Telegram forgets old queries. */
const MAX_QUERIES = 2000;
/** The longest query an app may send (Telegram cuts at 256 characters; longer is refused here). */
export const MAX_INLINE_QUERY_LENGTH = 256;

/** The queries of one world (runtime: not stored with it). */
class InlineQueryBook {
  readonly queries = new Map<string, InlineQueryRecord>();

  remember(query: InlineQueryRecord): void {
    this.queries.set(query.id, query);
    if (this.queries.size > MAX_QUERIES) {
      const oldest = this.queries.keys().next().value;
      if (oldest !== undefined) this.queries.delete(oldest);
    }
  }
}

const books = new WeakMap<SandboxWorld, InlineQueryBook>();

function bookOf(world: SandboxWorld): InlineQueryBook {
  let book = books.get(world);
  if (!book) {
    book = new InlineQueryBook();
    books.set(world, book);
  }
  return book;
}

/** Whether the bot answers inline queries. */
export const supportsInline = (bot: SandboxBot): boolean => bot.inlinePlaceholder !== undefined;

/** Whether the bot hears which result a user chose (BotFather's /setinlinefeedback; on unless turned off). */
export const inlineFeedbackOf = (bot: SandboxBot): boolean => bot.inlineFeedback ?? true;

/**
 * BotFather's /setinline (a placeholder turns inline mode on, null off) and /setinlinefeedback; what is not given
 * stays as it was.
 */
export function setInlineMode(
  world: SandboxWorld,
  botId: number,
  change: { placeholder?: string | null; feedback?: boolean },
): SandboxBot {
  const bot = world.findBotById(botId);
  if (!bot) throw new SandboxNotFoundError('bot not found');
  if (change.placeholder === null) delete bot.inlinePlaceholder;
  else if (change.placeholder !== undefined) bot.inlinePlaceholder = change.placeholder;
  if (change.feedback !== undefined) bot.inlineFeedback = change.feedback;
  return bot;
}

/**
 * A user types `@bot query`: the bot's answer to the same query, while cached (the same user's, or anyone's when it
 * was not personal), or a new query the bot hears. BOT_INLINE_DISABLED for a bot without inline mode.
 */
export function askInline(
  world: SandboxWorld,
  ask: { bot: SandboxBot; user: SandboxUser; query: string; offset: string; chatType?: InlineChatType },
): InlineQueryRecord {
  const { bot, user } = ask;
  if (!supportsInline(bot)) throw new InlineQueryError('BOT_INLINE_DISABLED');
  const book = bookOf(world);
  const now = world.now();
  for (const q of [...book.queries.values()].reverse()) {
    if (q.botId !== bot.id || q.query !== ask.query || q.offset !== ask.offset || !q.answer) continue;
    if (q.answer.isPersonal && q.userId !== user.id) continue;
    if ((q.answeredAt ?? 0) + q.answer.cacheTime * 1000 <= now) continue;
    if (q.userId !== user.id && !q.sharedWith?.includes(user.id)) q.sharedWith = [...(q.sharedWith ?? []), user.id];
    return q;
  }
  const query: InlineQueryRecord = {
    id: (randomBytes(8).readBigUInt64BE() >> 1n).toString(),
    botId: bot.id,
    userId: user.id,
    query: ask.query,
    offset: ask.offset,
    chatType: ask.chatType,
  };
  book.remember(query);
  const event: InlineQueryEvent = { kind: 'query', bot, user, query };
  world.emit(WorldEvent.InlineQuery, event);
  return query;
}

/** A query of the bot's, by id, while the world remembers it. */
export function findInlineQuery(world: SandboxWorld, botId: number, queryId: string): InlineQueryRecord | undefined {
  const query = bookOf(world).queries.get(queryId);
  return query?.botId === botId ? query : undefined;
}

/** A query a user asked (or was given the cached answer of), by id, whichever bot it went to. */
export function userInlineQuery(world: SandboxWorld, userId: number, queryId: string): InlineQueryRecord | undefined {
  const query = bookOf(world).queries.get(queryId);
  return query && (query.userId === userId || query.sharedWith?.includes(userId)) ? query : undefined;
}

/** The bot answers its query (once); the app waiting for it gets it. */
export function answerInline(world: SandboxWorld, query: InlineQueryRecord, answer: InlineAnswer): void {
  query.answer = answer;
  query.answeredAt = world.now();
  query.onAnswer?.();
}

/** The bot's answer to the query once it gives it (at once if it did); undefined when none comes in `timeoutMs`. */
export function waitForInlineAnswer(query: InlineQueryRecord, timeoutMs: number): Promise<InlineAnswer | undefined> {
  return waitForAnswer(query, timeoutMs);
}

/**
 * The result of a user's answered query they chose to send: QUERY_ID_INVALID for a query that is not theirs (or
 * forgotten), RESULT_ID_INVALID for an id the answer does not hold.
 */
export function chosenResult(
  world: SandboxWorld,
  user: SandboxUser,
  queryId: string,
  resultId: string,
): { query: InlineQueryRecord; bot: SandboxBot; result: InlineResult } {
  const query = userInlineQuery(world, user.id, queryId);
  const bot = query && world.findBotById(query.botId);
  if (!query?.answer || !bot) throw new InlineQueryError('QUERY_ID_INVALID');
  const result = query.answer.results.find((r) => r.id === resultId);
  if (!result) throw new InlineQueryError('RESULT_ID_INVALID');
  return { query, bot, result };
}

/**
 * The user sent a result: a result with an inline keyboard keeps it on the message, under a new inline_message_id
 * (its presses go to the bot), and the bot hears `chosen_inline_result` unless its inline feedback is off.
 */
export function tellChosen(
  world: SandboxWorld,
  sent: { bot: SandboxBot; user: SandboxUser; query: InlineQueryRecord; result: InlineResult; at?: SentRandomId },
): void {
  const { bot, user, query, result, at } = sent;
  let inlineMessageId: string | undefined;
  if (result.replyMarkup && at) {
    inlineMessageId = randomBytes(18).toString('base64url');
    world.inlineMessages[inlineMessageId] = { botId: bot.id, sent: { ...at }, replyMarkup: result.replyMarkup };
  }
  if (!inlineFeedbackOf(bot)) return;
  const event: InlineQueryEvent = {
    kind: 'chosen',
    bot,
    user,
    query,
    resultId: result.id,
    ...(inlineMessageId ? { inlineMessageId } : {}),
  };
  world.emit(WorldEvent.InlineQuery, event);
}

/** The inline_message_id of a message sent via a bot with an inline keyboard, found by where the message is. */
export function inlineMessageAt(world: SandboxWorld, at: SentRandomId): { id: string; botId: number } | undefined {
  for (const [id, m] of Object.entries(world.inlineMessages)) {
    if (m.sent.messageId === at.messageId && m.sent.channelId === at.channelId && m.sent.groupId === at.groupId) {
      return { id, botId: m.botId };
    }
  }
  return undefined;
}
