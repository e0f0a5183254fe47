import {
  answerInline,
  findInlineQuery,
  type InlineAnswer,
  type InlineQueryEvent,
  type InlineResult,
} from '../inline-queries';
import type { MediaKind } from '../world';
import { BotApiError } from './bot-api-error';
import {
  formatCaption,
  inputFileRef,
  type Method,
  type MethodContext,
  NOT_MODIFIED,
  ok,
  replyMarkupJson,
  parseJsonParam,
} from './bot-api-methods';
import { formatText } from './parse-mode';
import { Params } from './params';
import { entitiesFromJson, type Json, userJson } from './serializers';
import type { UpdateType } from './bot-session';

/**
 * Inline mode for the bot (`../inline-queries.ts` keeps the queries): the `inline_query` and `chosen_inline_result`
 * updates, and answerInlineQuery. The sandbox serves article results (a text to send) and photo and document results
 * (a file_id, or an HTTP URL the sandbox fetches when the bot answers); the other result types are refused in the
 * official server's words for a type it does not know. Gathered by `method-table.ts`.
 */

/** The update a query event makes for its bot, as the official server writes it (its fields in that order). */
export function inlineQueryUpdate(e: InlineQueryEvent): { type: UpdateType; payload: Json } {
  const { query, user } = e;
  if (e.kind === 'chosen') {
    return {
      type: 'chosen_inline_result',
      payload: {
        from: userJson(user),
        ...(e.inlineMessageId ? { inline_message_id: e.inlineMessageId } : {}),
        query: query.query,
        result_id: e.resultId,
      },
    };
  }
  return {
    type: 'inline_query',
    payload: {
      id: query.id,
      from: userJson(user),
      ...(query.chatType ? { chat_type: query.chatType } : {}),
      query: query.query,
      offset: query.offset,
    },
  };
}

/** At most this many results per answer (the official server's MAX_INLINE_QUERY_RESULT_COUNT). */
const MAX_RESULTS = 50;
/** A result's id and the next offset are at most 64 bytes (Bot API docs). */
const MAX_ID_BYTES = 64;
const MAX_TEXT = 4096;
/** cache_time is read as the official server reads it: 300 by default, within 0 to a day. */
const DEFAULT_CACHE_SECONDS = 300;
const MAX_CACHE_SECONDS = 24 * 60 * 60;

/** A result's refusal, prefixed as the official server prefixes the reason it could not read one. */
const cantParseResult = (why: string): BotApiError => BotApiError.badRequest(`Can't parse inline query result: ${why}`);

/** A field the official server reads with `get_required_string_field` (a number is taken as its digits). */
function requiredString(object: Json, name: string): string {
  const v = object[name];
  if (v === undefined || v === null) throw cantParseResult(`Can't find field "${name}"`);
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw cantParseResult(`Field "${name}" must be of type String`);
}

function optionalString(object: Json, name: string): string | undefined {
  const v = object[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw cantParseResult(`Field "${name}" must be of type String`);
}

/** A text to send (`InputTextMessageContent`, or an article's legacy `message_text`), formatted and checked. */
function textContent(
  raw: string,
  parseMode: string | undefined,
  entities: unknown,
): Pick<InlineResult, 'text'> & {
  entities: InlineResult['entities'];
} {
  if (raw === '') throw cantParseResult('Message text is empty');
  const formatted = formatText(raw, parseMode, entities);
  if (!formatted.text.trim()) throw BotApiError.badRequest('message text is empty');
  if (formatted.text.length > MAX_TEXT) throw BotApiError.badRequest('message is too long');
  return { text: formatted.text, entities: entitiesFromJson(formatted.entities) };
}

/** The inline keyboard of a result, checked as a message's is (only inline keyboards are kept). */
function resultMarkup(ctx: MethodContext, markup: unknown): Record<string, unknown> | undefined {
  if (markup === undefined || markup === null) return undefined;
  if (typeof markup !== 'object' || Array.isArray(markup)) {
    throw cantParseResult('Field "reply_markup" must be of type Object');
  }
  const params = new Params({ fields: { reply_markup: markup }, files: new Map() });
  return replyMarkupJson({ ...ctx, params });
}

/**
 * One result of `results` (or answerWebAppQuery's `result`), read as the official server reads it; a URL's file is
 * fetched and kept.
 */
export async function readResult(ctx: MethodContext, value: unknown): Promise<InlineResult> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw cantParseResult('Inline query result must be an object');
  }
  const object = value as Json;
  const type = requiredString(object, 'type').toLowerCase();
  const id = requiredString(object, 'id');
  const contentValue = object.input_message_content;
  if (
    contentValue !== undefined &&
    contentValue !== null &&
    (typeof contentValue !== 'object' || Array.isArray(contentValue))
  ) {
    throw cantParseResult('Field "input_message_content" must be of type Object');
  }
  const contentObject = (contentValue ?? undefined) as Json | undefined;
  let content: ReturnType<typeof textContent> | undefined;
  if (contentObject) {
    const text = optionalString(contentObject, 'message_text') ?? '';
    // The sandbox sends texts only; a location, venue, contact or invoice to send is not served.
    if (text === '') throw cantParseResult('Input message content is not specified');
    content = textContent(text, optionalString(contentObject, 'parse_mode'), contentObject.entities);
  } else if (type === 'article' || optionalString(object, 'message_text')) {
    // The legacy fields, required of an article without input_message_content.
    const text =
      type === 'article' ? requiredString(object, 'message_text') : (optionalString(object, 'message_text') ?? '');
    content = textContent(text, optionalString(object, 'parse_mode'), object.entities);
  }
  const replyMarkup = resultMarkup(ctx, object.reply_markup);
  const thumbnailUrl = optionalString(object, 'thumbnail_url') ?? optionalString(object, 'thumb_url');
  const shown = {
    id,
    title: optionalString(object, 'title'),
    description: optionalString(object, 'description'),
    ...(thumbnailUrl ? { thumbnailUrl } : {}),
    ...(replyMarkup ? { replyMarkup } : {}),
  };
  if (type === 'article') {
    const title = requiredString(object, 'title');
    const url = object.hide_url === true ? undefined : optionalString(object, 'url');
    return { ...shown, type, title, ...(url ? { url } : {}), text: content?.text ?? '', entities: content?.entities };
  }
  if (type === 'photo' || type === 'document') {
    if (type === 'document') requiredString(object, 'title');
    const url = optionalString(object, `${type}_url`);
    if (type === 'document' && url) requiredString(object, 'mime_type');
    const ref = url || requiredString(object, `${type}_file_id`);
    const file = await inputFileRef(ctx, ref, type satisfies MediaKind, 'wrong file identifier/HTTP URL specified');
    if (content) return { ...shown, type, fileId: file.fileId, sendsText: true, ...content };
    const caption = formatCaption(
      optionalString(object, 'caption') ?? '',
      optionalString(object, 'parse_mode'),
      object.caption_entities,
    );
    return {
      ...shown,
      type,
      fileId: file.fileId,
      text: caption?.text ?? '',
      entities: caption ? entitiesFromJson(caption.entities) : undefined,
    };
  }
  throw cantParseResult(`type "${type}" is unsupported for the inline query result`);
}

/** `results`: a JSON array of InlineQueryResult objects (none is an empty answer). */
async function readResults(ctx: MethodContext): Promise<InlineResult[]> {
  const encoded = ctx.params.json('results');
  if (encoded === undefined || encoded === null) return [];
  if (!Array.isArray(encoded)) throw BotApiError.badRequest('Expected an Array of inline query results');
  if (encoded.length > MAX_RESULTS) throw BotApiError.badRequest('Too many inline query results specified');
  const results: InlineResult[] = [];
  for (const value of encoded) {
    try {
      results.push(await readResult(ctx, value));
    } catch (err) {
      // A refusal of the result's own parts (a file, a text) is the reason it could not be read.
      if (err instanceof BotApiError && !err.description.includes("an't parse inline query result")) {
        throw cantParseResult(err.description.replace(/^Bad Request: /, ''));
      }
      throw err;
    }
  }
  return results;
}

/** `button` (InlineQueryResultsButton), or the older switch_pm_text and switch_pm_parameter. */
function readButton(ctx: MethodContext): InlineAnswer['button'] {
  const raw = ctx.params.text('button');
  if (raw === '') {
    const text = ctx.params.text('switch_pm_text');
    return text ? { text, startParameter: ctx.params.text('switch_pm_parameter') } : undefined;
  }
  const cantParse = (why: string): BotApiError =>
    BotApiError.badRequest(`Can't parse inline query results button: ${why}`);
  const value = parseJsonParam(raw, 'inline query results button');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw cantParse('InlineQueryResultsButton must be an Object');
  }
  const object = value as Json;
  if (typeof object.text !== 'string') throw cantParse('Can\'t find field "text"');
  if (typeof object.start_parameter === 'string') {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(object.start_parameter)) throw BotApiError.badRequest('START_PARAM_INVALID');
    return { text: object.text, startParameter: object.start_parameter };
  }
  const webApp = object.web_app as Json | undefined;
  if (typeof webApp?.url === 'string') return { text: object.text, webAppUrl: webApp.url };
  throw cantParse('InlineQueryResultsButton must have exactly one optional field');
}

/**
 * answerInlineQuery: the bot's results for a query (once per query). The parameters are read first, as the official
 * server does, then Telegram's own checks: the query (QUERY_ID_INVALID, in the official server's words), the ids of
 * the results (unique, at most 64 bytes) and the next offset.
 */
const answerInlineQuery: Method = async (ctx) => {
  const { params } = ctx;
  const queryId = params.text('inline_query_id');
  const isPersonal = params.boolean('is_personal');
  const cacheTime = params.clampedInteger('cache_time', DEFAULT_CACHE_SECONDS, 0, MAX_CACHE_SECONDS);
  const nextOffset = params.text('next_offset');
  const button = readButton(ctx);
  const results = await readResults(ctx);
  const query = findInlineQuery(ctx.world, ctx.session.bot.id, queryId);
  if (!query || query.answer) {
    throw BotApiError.badRequest('query is too old and response timeout expired or query ID is invalid');
  }
  const ids = new Set<string>();
  for (const result of results) {
    // wording guessed: Telegram's error for an empty or over-long id is not published.
    if (result.id === '' || Buffer.byteLength(result.id) > MAX_ID_BYTES)
      throw BotApiError.badRequest('RESULT_ID_INVALID');
    if (ids.has(result.id)) throw BotApiError.badRequest('RESULT_ID_DUPLICATE');
    ids.add(result.id);
  }
  if (Buffer.byteLength(nextOffset) > MAX_ID_BYTES) throw BotApiError.badRequest('NEXT_OFFSET_INVALID');
  answerInline(ctx.world, query, { results, cacheTime, isPersonal, nextOffset, ...(button ? { button } : {}) });
  return ok(true);
};

export const INLINE_QUERY_METHODS: Record<string, Method> = { answerInlineQuery };

/** The message a bot's `inline_message_id` names: one sent via the bot with its inline keyboard. */
function inlineMessage(ctx: MethodContext) {
  const id = ctx.params.text('inline_message_id');
  const record = Object.prototype.hasOwnProperty.call(ctx.world.inlineMessages, id)
    ? ctx.world.inlineMessages[id]
    : undefined;
  if (record?.botId !== ctx.session.bot.id) throw BotApiError.badRequest('MESSAGE_ID_INVALID');
  const { sent } = record;
  const { world } = ctx;
  const message =
    sent.channelId !== undefined
      ? world.findChannel(sent.channelId)?.messages.find((m) => m.id === sent.messageId && !m.deleted)
      : sent.groupId !== undefined
        ? world.findBasicGroup(sent.groupId)?.messages.find((m) => m.id === sent.messageId)
        : world.findPrivateMessage(sent.messageId);
  if (!message) throw BotApiError.badRequest('message to edit not found');
  return { record, message };
}

/** Whether the call names a message by `inline_message_id` alone (no chat_id and message_id). */
export const namesInlineMessage = (ctx: MethodContext): boolean =>
  !ctx.params.has('chat_id') && ctx.params.messageId() === 0 && ctx.params.has('inline_message_id');

/**
 * editMessageText with `inline_message_id`: the text (and keyboard, when given) of a message sent via the bot
 * changes for everyone in its chat, whose apps are pushed the edit; answers `true`, as the official server does.
 */
const editInlineMessageText: Method = (ctx) => {
  // The new text is read first, as the official server does.
  const raw = ctx.params.text('text');
  if (raw === '') throw BotApiError.badRequest('Message text is empty');
  const formatted = formatText(raw, ctx.params.string('parse_mode'), ctx.params.json('entities'));
  const { record, message } = inlineMessage(ctx);
  const { world } = ctx;
  if (!formatted.text.trim()) throw BotApiError.badRequest('message text is empty');
  if (formatted.text.length > MAX_TEXT) throw BotApiError.badRequest('message is too long');
  if (message.media) throw BotApiError.badRequest('there is no text in the message to edit');
  const replyMarkup = replyMarkupJson(ctx);
  const sameMarkup = replyMarkup === undefined || JSON.stringify(replyMarkup) === JSON.stringify(record.replyMarkup);
  if (message.text === formatted.text && sameMarkup) throw BotApiError.badRequest(NOT_MODIFIED);
  if (replyMarkup !== undefined) record.replyMarkup = replyMarkup;
  const entities = entitiesFromJson(formatted.entities);
  const { sent } = record;
  const botId = ctx.session.bot.id;
  if (sent.channelId !== undefined) {
    world.editChannelMessage(sent.channelId, sent.messageId, formatted.text, { editorBotId: botId, entities });
  } else if (sent.groupId !== undefined) {
    world.editBasicGroupMessage(sent.groupId, sent.messageId, formatted.text, entities);
  } else {
    world.editPrivateMessageContent(sent.messageId, formatted.text, entities);
  }
  return ok(true);
};

/**
 * editMessageReplyMarkup with `inline_message_id`: the keyboard of a message sent via the bot is replaced (its
 * presses then read the new one); no markup, or an empty keyboard, leaves no button to press. Answers `true`.
 */
const editInlineMessageReplyMarkup: Method = (ctx) => {
  const given = replyMarkupJson(ctx);
  const { record } = inlineMessage(ctx);
  const markup = given && (given.inline_keyboard as unknown[]).length > 0 ? given : { inline_keyboard: [] };
  if (JSON.stringify(markup) === JSON.stringify(record.replyMarkup)) throw BotApiError.badRequest(NOT_MODIFIED);
  record.replyMarkup = markup;
  return ok(true);
};

/**
 * Methods that also take `inline_message_id` instead of chat_id and message_id: `method-table.ts` sends a call
 * naming a message that way here, and any other to the method's own file.
 */
export const INLINE_MESSAGE_METHODS: Record<string, Method> = {
  editMessageText: editInlineMessageText,
  editMessageReplyMarkup: editInlineMessageReplyMarkup,
};
