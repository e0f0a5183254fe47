import type { ButtonPress, InlineButtonPress } from '../bot-api/bot-api-door';
import type { CallbackAnswer } from '../bot-api/bot-session';
import { type SandboxChannel, SandboxInvalidError, SandboxNotFoundError, type SandboxUser } from '../world';
import { RpcError } from './rpc-error';
import { isTlObject, type TlObject } from './tl-codec';

/**
 * How long an app's `messages.getBotCallbackAnswer` waits for the bot's answerCallbackQuery before Telegram answers
 * BOT_RESPONSE_TIMEOUT. Telegram does not publish its wait; apps see the error after a few seconds, so five.
 */
export const DEFAULT_CALLBACK_ANSWER_TIMEOUT_MS = 5_000;

/**
 * Whether a request (under any wrappers: invokeWithLayer, initConnection...) waits for a bot's answer (a button
 * press, an inline query), so its connection answers its other calls meanwhile.
 */
export function answersLater(request: TlObject): boolean {
  let call: unknown = request;
  for (let depth = 0; isTlObject(call) && depth < 8; depth++) {
    // A press waits for the bot's answer, an inline query for its results, a payment in Stars for its answer to the
    // pre-checkout query.
    if (
      call._ === 'messages.getBotCallbackAnswer' ||
      call._ === 'messages.getInlineBotResults' ||
      call._ === 'payments.sendStarsForm'
    )
      return true;
    call = call.query;
  }
  return false;
}

/** What the MTProto door asks of the Bot API door when an app presses an inline button. */
export interface ButtonPressDoor {
  pressButton(press: ButtonPress): { callbackQueryId: string };
  /** A press on a message sent via a bot's inline mode: the bot hears it with the message's inline_message_id. */
  pressInlineButton(press: InlineButtonPress): { callbackQueryId: string };
  waitForCallbackAnswer(botId: number, queryId: string, timeoutMs: number): Promise<CallbackAnswer | undefined>;
}

/** The chat of the pressed message, as the call's peer names it; or a message sent via a bot (inline-queries.ts). */
export type ButtonChat =
  | { kind: 'bot'; botId: number }
  | { kind: 'channel'; channel: SandboxChannel }
  | { kind: 'inline'; botId: number; inlineMessageId: string };

export interface CallbackPressCall {
  door: ButtonPressDoor | undefined;
  me: SandboxUser;
  chat: ButtonChat;
  req: TlObject;
  timeoutMs: number;
}

/**
 * messages.getBotCallbackAnswer: the app presses a callback button of a bot's message. The bot hears a
 * callback_query (through the Bot API door's own press, the one the control API makes), and the call waits for the
 * bot's answerCallbackQuery: its text, alert, URL and cache time come back as `messages.botCallbackAnswer`, or
 * BOT_RESPONSE_TIMEOUT when the bot stays silent.
 */
export async function getBotCallbackAnswer(call: CallbackPressCall): Promise<TlObject> {
  const { door, me, chat, req } = call;
  const messageId = typeof req.msg_id === 'number' ? req.msg_id : 0;
  // A game's Play button (games.ts) carries no data: the bot hears the game's short name.
  const game = req.game === true;
  const data = game ? undefined : callbackData(req.data);
  if (!door) throw new RpcError(400, 'BOT_RESPONSE_TIMEOUT');
  let botId: number;
  let channelId: number | undefined;
  if (chat.kind === 'inline') {
    let pressed: { callbackQueryId: string };
    try {
      pressed = door.pressInlineButton({
        botId: chat.botId,
        userId: me.id,
        inlineMessageId: chat.inlineMessageId,
        callbackData: data ?? '',
      });
    } catch (err) {
      throw pressRefusal(err);
    }
    return answerOf(door, chat.botId, pressed.callbackQueryId, call.timeoutMs);
  }
  if (chat.kind === 'bot') {
    botId = chat.botId;
  } else {
    const post = chat.channel.messages.find((m) => m.id === messageId && !m.deleted);
    if (post?.viaBotId === undefined) throw new RpcError(400, 'MESSAGE_ID_INVALID');
    botId = post.viaBotId;
    channelId = chat.channel.id;
  }
  let queryId: string;
  try {
    queryId = door.pressButton({
      botId,
      userId: me.id,
      channelId,
      messageId,
      ...(game ? { game: true } : { callbackData: data ?? '' }),
    }).callbackQueryId;
  } catch (err) {
    throw pressRefusal(err);
  }
  return answerOf(door, botId, queryId, call.timeoutMs);
}

/** The bot's answer to a press once it gives it, as the app gets it. */
async function answerOf(door: ButtonPressDoor, botId: number, queryId: string, timeoutMs: number): Promise<TlObject> {
  const answer = await door.waitForCallbackAnswer(botId, queryId, timeoutMs);
  // Documented among the method's errors with code 400 (not the 5xx of a server-side timeout).
  if (!answer) throw new RpcError(400, 'BOT_RESPONSE_TIMEOUT');
  return callbackAnswerToTl(answer);
}

/** The bot's answer as `messages.botCallbackAnswer`: has_url goes with a URL to open (a game's or a t.me link). */
export function callbackAnswerToTl(answer: CallbackAnswer): TlObject {
  return {
    _: 'messages.botCallbackAnswer',
    alert: answer.showAlert || undefined,
    has_url: answer.url !== undefined || undefined,
    message: answer.text,
    url: answer.url,
    cache_time: answer.cacheTime,
  };
}

/** The pressed button's data as the Bot API hands it to the bot (a UTF-8 string of 1-64 bytes). */
function callbackData(raw: unknown): string | undefined {
  if (!Buffer.isBuffer(raw) || raw.length === 0 || raw.length > 64) return undefined;
  const text = raw.toString('utf8');
  return Buffer.from(text, 'utf8').equals(raw) ? text : undefined;
}

/** The door's refusal of a press, as Telegram answers the app. */
function pressRefusal(err: unknown): unknown {
  if (err instanceof SandboxNotFoundError) return new RpcError(400, 'MESSAGE_ID_INVALID');
  if (err instanceof SandboxInvalidError) {
    return new RpcError(400, err.message.includes('CHANNEL_PRIVATE') ? 'CHANNEL_PRIVATE' : 'DATA_INVALID');
  }
  return err;
}

/** A deep-link start parameter (`t.me/bot?start=...`): 1-64 characters of A-Z, a-z, 0-9, _ and -. */
const START_PARAM = /^[A-Za-z0-9_-]+$/;
const MAX_START_PARAM = 64;

/**
 * The text messages.startBot writes to the bot, as a deep link's start: "/start <param>", the command marked as
 * one (the bot reads the parameter after it, as `bot.start` handlers do).
 */
export function startBotMessage(rawParam: unknown): { text: string; entities: TlObject[] } {
  const param = typeof rawParam === 'string' ? rawParam : '';
  if (param === '') throw new RpcError(400, 'START_PARAM_EMPTY');
  if (param.length > MAX_START_PARAM) throw new RpcError(400, 'START_PARAM_TOO_LONG');
  if (!START_PARAM.test(param)) throw new RpcError(400, 'START_PARAM_INVALID');
  return {
    text: `/start ${param}`,
    entities: [{ _: 'messageEntityBotCommand', offset: 0, length: '/start'.length }],
  };
}
