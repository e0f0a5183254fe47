import {
  askInline,
  chosenResult,
  type InlineAnswer,
  type InlineChatType,
  InlineQueryError,
  type InlineResult,
  MAX_INLINE_QUERY_LENGTH,
  tellChosen,
  waitForInlineAnswer,
} from '../inline-queries';
import { mediaOfFile } from '../media-kinds';
import type { SandboxBot, SandboxEntity, SandboxFileMedia, SandboxUser, SandboxWorld } from '../world';
import { RpcError } from './rpc-error';
import { isTlObject, type TlObject } from './tl-codec';
import { botToTl, entitiesToTl, mediaToTl } from './tl-builders';

/**
 * Inline mode as a user's app meets it (the queries and answers are `../inline-queries.ts`'s):
 * messages.getInlineBotResults asks a bot (`@bot query` typed in a chat) and waits for its answerInlineQuery, and
 * messages.sendInlineBotResult sends one of the results as the user's message "via @bot".
 */

/** What the two calls need of the door. */
export interface InlineCall {
  world: SandboxWorld;
  me: SandboxUser;
  req: TlObject;
  /** How long getInlineBotResults waits for the bot's answer before BOT_RESPONSE_TIMEOUT. */
  timeoutMs: number;
}

/** The chat the app is typing in, as `inlineQueryPeerType*` (what the bot reads as `chat_type`). */
export function inlineChatType(
  peer:
    | { kind: 'self' }
    | { kind: 'user' | 'bot'; id: number }
    | { kind: 'group' }
    | { kind: 'channel'; megagroup: boolean },
  botId: number,
): InlineChatType | undefined {
  switch (peer.kind) {
    case 'self':
      return 'private';
    case 'bot':
      // The bot's own chat with the user is the "sender" chat.
      return peer.id === botId ? 'sender' : 'private';
    case 'user':
      return 'private';
    case 'group':
      return 'group';
    case 'channel':
      return peer.megagroup ? 'supergroup' : 'channel';
  }
}

/**
 * messages.getInlineBotResults: the bot hears an inline query (`inline_query`) and the call waits for its answer, or
 * takes the bot's cached answer to the same query; BOT_INLINE_DISABLED for a bot without inline mode,
 * BOT_RESPONSE_TIMEOUT when the bot stays silent.
 */
export async function getInlineBotResults(
  call: InlineCall,
  bot: SandboxBot,
  chatType: InlineChatType | undefined,
): Promise<TlObject> {
  const { world, me, req } = call;
  const text = typeof req.query === 'string' ? req.query : '';
  const offset = typeof req.offset === 'string' ? req.offset : '';
  // wording guessed: Telegram's apps cut a longer query before sending it.
  if (text.length > MAX_INLINE_QUERY_LENGTH) throw new RpcError(400, 'QUERY_TOO_LONG');
  let query;
  try {
    query = askInline(world, { bot, user: me, query: text, offset, chatType });
  } catch (err) {
    throw err instanceof InlineQueryError ? new RpcError(400, err.code) : err;
  }
  const answer = await waitForInlineAnswer(query, call.timeoutMs);
  if (!answer) throw new RpcError(400, 'BOT_RESPONSE_TIMEOUT');
  return botResultsToTl(world, bot, query.id, answer);
}

/** The bot's answer as `messages.botResults`. */
export function botResultsToTl(world: SandboxWorld, bot: SandboxBot, queryId: string, answer: InlineAnswer): TlObject {
  const { button } = answer;
  return {
    _: 'messages.botResults',
    query_id: BigInt(queryId),
    next_offset: answer.nextOffset || undefined,
    switch_pm:
      button?.startParameter !== undefined
        ? { _: 'inlineBotSwitchPM', text: button.text, start_param: button.startParameter }
        : undefined,
    switch_webview:
      button?.webAppUrl !== undefined ? { _: 'inlineBotWebView', text: button.text, url: button.webAppUrl } : undefined,
    results: answer.results.map((r) => resultToTl(world, r)),
    cache_time: answer.cacheTime,
    users: [botToTl(bot)],
  };
}

/** The media a photo or document result sends (or shows), as the file the world keeps. */
function resultMedia(world: SandboxWorld, result: InlineResult): SandboxFileMedia | undefined {
  const file = result.fileId === undefined ? undefined : world.files.get(result.fileId);
  return file ? mediaOfFile(file) : undefined;
}

/** One result: an article as `botInlineResult`, a photo or document as `botInlineMediaResult` with its file. */
function resultToTl(world: SandboxWorld, result: InlineResult): TlObject {
  const entities = entitiesToTl(result.entities);
  const sendMessage: TlObject =
    result.type === 'article' || result.sendsText
      ? { _: 'botInlineMessageText', message: result.text, entities }
      : { _: 'botInlineMessageMediaAuto', message: result.text, entities };
  const thumb = result.thumbnailUrl
    ? { _: 'webDocumentNoProxy', url: result.thumbnailUrl, size: 0, mime_type: 'image/jpeg', attributes: [] }
    : undefined;
  const media = resultMedia(world, result);
  if (result.type === 'article' || !media) {
    return {
      _: 'botInlineResult',
      id: result.id,
      type: result.type,
      title: result.title,
      description: result.description,
      url: result.url,
      thumb,
      send_message: sendMessage,
    };
  }
  const shown = mediaToTl(media, world.unixNow());
  return {
    _: 'botInlineMediaResult',
    id: result.id,
    // MTProto names a document result `file`.
    type: result.type === 'document' ? 'file' : 'photo',
    photo: shown.photo,
    document: shown.document,
    title: result.title,
    description: result.description,
    send_message: sendMessage,
  };
}

/** What sending a result writes: its text (or caption) and entities, and its file unless it sends a text. */
export interface InlineSend {
  text: string;
  entities: SandboxEntity[];
  media?: SandboxFileMedia;
  inlineBotId: number;
}

/**
 * messages.sendInlineBotResult: the result of a user's own answered query goes to the chat as the user's message
 * "via @bot" (through `send`, the door's one way of sending, with its random_id and rights), and the bot hears which
 * result was chosen unless its inline feedback is off. QUERY_ID_EMPTY, RESULT_ID_EMPTY; a query the world no longer
 * holds (or not the user's), INLINE_RESULT_EXPIRED; an id its answer does not have, RESULT_ID_INVALID.
 */
export function sendInlineBotResult(
  call: InlineCall,
  send: (content: InlineSend) => { answer: TlObject; repeated: boolean },
): TlObject {
  const { world, me, req } = call;
  const queryId = typeof req.query_id === 'bigint' ? req.query_id : 0n;
  if (queryId === 0n) throw new RpcError(400, 'QUERY_ID_EMPTY');
  const resultId = typeof req.id === 'string' ? req.id : '';
  if (resultId === '') throw new RpcError(400, 'RESULT_ID_EMPTY');
  let chosen;
  try {
    chosen = chosenResult(world, me, BigInt.asUintN(64, queryId).toString(), resultId);
  } catch (err) {
    if (err instanceof InlineQueryError) {
      throw new RpcError(400, err.code === 'QUERY_ID_INVALID' ? 'INLINE_RESULT_EXPIRED' : err.code);
    }
    throw err;
  }
  const { bot, query, result } = chosen;
  const media = result.type === 'article' || result.sendsText ? undefined : resultMedia(world, result);
  const sent = send({ text: result.text, entities: result.entities ?? [], media, inlineBotId: bot.id });
  if (!sent.repeated) {
    const at = typeof req.random_id === 'bigint' ? world.findSentByRandomId(me.id, req.random_id) : undefined;
    tellChosen(world, { bot, user: me, query, result, at });
  }
  return sent.answer;
}

/** Whether a TL value is a peer the app typed in that names no chat (`inputPeerEmpty`). */
export const isEmptyPeer = (peer: unknown): boolean => !isTlObject(peer) || peer._ === 'inputPeerEmpty';
