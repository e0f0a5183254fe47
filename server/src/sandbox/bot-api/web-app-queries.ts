import { answerWebViewQuery } from '../web-app-queries';
import { WebAppError } from '../web-apps';
import { BotApiError } from './bot-api-error';
import { type Method, ok } from './bot-api-methods';
import { readResult } from './inline-queries';

/**
 * answerWebAppQuery: the bot answers a Mini App's web view (its initData `query_id`) with one InlineQueryResult,
 * read by inline mode's reader (`./inline-queries.ts`); the world sends it as the user's message via the bot
 * (`../web-app-queries.ts`). Gathered by `method-table.ts`.
 */

/** The prefix inline mode's reader puts on a result it cannot read: the official server adds it to `results` only. */
const RESULTS_PREFIX = "Bad Request: can't parse inline query result: ";

/**
 * answerWebAppQuery: `result` is read first, as the official server does ("Result isn't specified" without one), then
 * the query: QUERY_ID_INVALID for one unknown, already answered, expired or opened for another bot. Answers
 * SentWebAppMessage: `inline_message_id` when the result has an inline keyboard, else an empty object.
 */
const answerWebAppQuery: Method = async (ctx) => {
  const queryId = ctx.params.text('web_app_query_id');
  const raw = ctx.params.text('result');
  if (raw === '') throw BotApiError.badRequest("Result isn't specified");
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    // wording guessed after the official server's prefix: its JSON parser words the reason its own way.
    throw new BotApiError(
      400,
      `Bad Request: Can't parse JSON encoded web view query results ${(err as Error).message}`,
    );
  }
  let result;
  try {
    result = await readResult(ctx, value);
  } catch (err) {
    if (err instanceof BotApiError && err.description.toLowerCase().startsWith(RESULTS_PREFIX.toLowerCase())) {
      throw BotApiError.badRequest(err.description.slice(RESULTS_PREFIX.length));
    }
    throw err;
  }
  let sent;
  try {
    sent = answerWebViewQuery(ctx.world, ctx.session.bot, queryId, result);
  } catch (err) {
    // wording guessed: Telegram's documented error of messages.sendWebViewResultMessage, passed on as is.
    if (err instanceof WebAppError) throw new BotApiError(400, `Bad Request: ${err.code}`);
    throw err;
  }
  return ok(sent.inlineMessageId ? { inline_message_id: sent.inlineMessageId } : {});
};

export const WEB_APP_QUERY_METHODS: Record<string, Method> = { answerWebAppQuery };
