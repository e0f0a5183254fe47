import { closePoll, isPoll, newPoll, type PollChat, pollClosed, POLL_LIMITS } from '../polls';
import type { SandboxPoll } from '../world';
import { BotApiError } from './bot-api-error';
import {
  deliver,
  findGroup,
  inGroup,
  messageInChat,
  type Method,
  type MethodContext,
  ok,
  replyMarkupJson,
  requireConversation,
  requirePostRight,
  resolveChat,
  resolveSendTarget,
  type SendTarget,
} from './bot-api-methods';
import { formatText } from './parse-mode';
import { pollJson } from './poll-json';
import { entitiesFromJson, entitiesJson, type Json } from './serializers';

/**
 * sendPoll and stopPoll. Parameters are read as the official Bot API server reads them (a refusal of the JSON in its
 * words, before the chat is looked at); what TDLib and Telegram refuse about the poll itself comes after the chat,
 * in TDLib's words, first letter lowercased as the official server passes them on.
 */

/** The longest open_period the official server takes (a month); it clamps what is beyond. */
const MAX_OPEN_PERIOD_PARAM = 2628000;

interface PollRequest {
  question: string;
  options: string[];
  anonymous: boolean;
  quiz: boolean;
  multipleAnswers: boolean;
  correctOption: number;
  explanation?: { text: string; entities: Json[] };
  openPeriod: number;
  closeDate: number;
  closed: boolean;
}

/** `options`: a JSON array of strings or InputPollOption objects ({text, text_parse_mode, text_entities}). */
function readOptions(ctx: MethodContext): string[] {
  const value = ctx.params.json('options');
  if (value === undefined) throw BotApiError.badRequest("can't parse options JSON object");
  if (!Array.isArray(value)) throw BotApiError.badRequest('expected an Array of String as options');
  return value.map((option: unknown) => {
    if (typeof option === 'string') return option;
    if (typeof option !== 'object' || option === null || Array.isArray(option)) {
      throw BotApiError.badRequest('expected an option to be of type String');
    }
    const { text, text_parse_mode: parseMode, text_entities: entities } = option as Json;
    if (text === undefined) throw BotApiError.badRequest('can\'t find field "text"');
    if (typeof text !== 'string') throw BotApiError.badRequest('field "text" must be of type String');
    // Options keep their text; formatting of an option is read (and refused when broken) but not kept.
    return formatText(text, typeof parseMode === 'string' ? parseMode : undefined, entities).text;
  });
}

function readPoll(ctx: MethodContext): PollRequest {
  const { params } = ctx;
  const question = formatText(params.text('question'), params.string('question_parse_mode'), undefined).text;
  const options = readOptions(ctx);
  const type = params.text('type');
  if (type !== '' && type !== 'quiz' && type !== 'regular') {
    throw BotApiError.badRequest('unsupported poll type specified');
  }
  const quiz = type === 'quiz';
  const explanation = quiz
    ? formatText(
        params.text('explanation'),
        params.string('explanation_parse_mode'),
        params.json('explanation_entities'),
      )
    : undefined;
  return {
    question,
    options,
    anonymous: params.has('is_anonymous') ? params.boolean('is_anonymous') : true,
    quiz,
    multipleAnswers: params.boolean('allows_multiple_answers'),
    correctOption: quiz ? params.clampedInteger('correct_option_id', -1) : -1,
    explanation: explanation?.text ? explanation : undefined,
    openPeriod: params.clampedInteger('open_period', 0, 0, MAX_OPEN_PERIOD_PARAM),
    closeDate: params.clampedInteger('close_date', 0),
    closed: params.boolean('is_closed'),
  };
}

/** What TDLib and Telegram refuse about a poll (after the chat is known), in their words. */
function checkPoll(request: PollRequest, target: SendTarget): void {
  const refuse = (what: string): never => {
    throw BotApiError.badRequest(what);
  };
  const { question, options } = request;
  if (question.trim() === '') refuse('poll question must be non-empty');
  if ([...question].length > POLL_LIMITS.question)
    refuse(`poll question length must not exceed ${POLL_LIMITS.question}`);
  if (options.length < POLL_LIMITS.minOptions) refuse('poll must have at least 2 option');
  if (options.length > POLL_LIMITS.maxOptions) refuse(`poll can't have more than ${POLL_LIMITS.maxOptions} options`);
  for (const option of options) {
    if (option.trim() === '') refuse('poll options must be non-empty');
    if ([...option].length > POLL_LIMITS.option) refuse(`poll options length must not exceed ${POLL_LIMITS.option}`);
  }
  if (request.quiz && (request.correctOption < 0 || request.correctOption >= options.length)) {
    refuse('wrong correct option ID specified');
  }
  if (target.kind === 'channel' && !target.channel.megagroup && !request.anonymous) {
    refuse("non-anonymous polls can't be sent to channel chats");
  }
}

/** The message a stopPoll names, in the chat it names, with the poll it carries and whether the bot sent it. */
function namedPoll(ctx: MethodContext): { chat?: PollChat; own: boolean } {
  const { world, session, params } = ctx;
  const notFound = BotApiError.badRequest('message with poll to stop not found');
  const messageId = params.messageId();
  const group = findGroup(ctx, params.chatId());
  if (group) {
    if (!inGroup(ctx, group)) throw BotApiError.forbidden('bot is not a member of the group chat');
    const message = messageId > 0 ? group.messages.find((m) => m.id === messageId) : undefined;
    if (!message) throw notFound;
    const chat: PollChat = { kind: 'group', group, message };
    return { chat: isPoll(message.media) ? chat : undefined, own: message.fromBotId === session.bot.id };
  }
  const target = resolveChat(ctx, params.chatId());
  if (target.kind === 'channel') {
    requirePostRight(ctx, target.channel);
    const message = target.channel.messages.find((m) => m.id === messageId && !m.deleted);
    if (!message) throw notFound;
    const chat: PollChat = { kind: 'channel', channel: target.channel, message };
    return { chat: isPoll(message.media) ? chat : undefined, own: message.viaBotId === session.bot.id };
  }
  requireConversation(ctx, target.user);
  if (messageId <= 0 || !messageInChat(ctx, target, messageId)) throw notFound;
  const message = world.findPrivateMessage(messageId);
  if (!message) throw notFound;
  const own = message.fromKind === 'bot' && message.fromId === session.bot.id;
  return { chat: isPoll(message.media) ? { kind: 'private', message } : undefined, own };
}

/** A poll's reply_markup, given to stopPoll: the message shows it from then on (the bot's record, for a private chat). */
function setMarkup(ctx: MethodContext, chat: PollChat, markup: Json | undefined): void {
  if (markup === undefined) return;
  const kept = (markup.inline_keyboard as unknown[]).length > 0 ? markup : undefined;
  if (chat.kind === 'channel') chat.message.replyMarkup = kept;
  const record = chat.kind === 'private' ? ctx.session.privateMessages.get(chat.message.id) : undefined;
  if (record) record.replyMarkup = kept;
}

export const POLL_METHODS: Record<string, Method> = {
  sendPoll: (ctx) => {
    const request = readPoll(ctx);
    const target = resolveSendTarget(ctx);
    checkPoll(request, target);
    const explanationEntities = request.explanation?.entities.length
      ? entitiesFromJson(request.explanation.entities)
      : undefined;
    const poll: SandboxPoll = newPoll(
      {
        question: request.question,
        options: request.options,
        anonymous: request.anonymous,
        quiz: request.quiz,
        multipleAnswers: request.multipleAnswers,
        ...(request.quiz ? { correctOption: request.correctOption } : {}),
        ...(request.explanation ? { explanation: request.explanation.text } : {}),
        ...(explanationEntities ? { explanationEntities } : {}),
        // With an open_period, Telegram takes no close_date.
        ...(request.openPeriod > 0 ? { openPeriod: request.openPeriod } : {}),
        ...(request.openPeriod === 0 && request.closeDate > 0 ? { closeDate: request.closeDate } : {}),
        closed: request.closed,
        senderBotId: ctx.session.bot.id,
      },
      ctx.world.unixNow(),
    );
    return ok(deliver(ctx, target, { method: 'sendPoll', plain: poll }));
  },

  stopPoll: (ctx) => {
    const markup = replyMarkupJson(ctx);
    const { chat, own } = namedPoll(ctx);
    if (!chat || !isPoll(chat.message.media)) throw BotApiError.badRequest('message is not a poll');
    if (pollClosed(chat.message.media, ctx.world.unixNow()))
      throw BotApiError.badRequest('poll has already been closed');
    if (!own) throw BotApiError.badRequest("poll can't be stopped");
    const poll = closePoll(ctx.world, chat);
    setMarkup(ctx, chat, markup);
    return ok(pollJson(poll, ctx.world.unixNow(), entitiesJson(ctx.world, poll.explanationEntities)));
  },
};
