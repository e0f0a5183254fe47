import { chosenBy, isPoll, newPoll, optionBytes, type PollChat, pollClosed, pollCounts, POLL_LIMITS } from '../polls';
import type { SandboxPoll } from '../world';
import { RpcError } from './rpc-error';
import { isTlObject, type TlObject } from './tl-codec';

/**
 * A poll as members' apps read it. The question and options are `textWithEntities` (layer 179 on); the codec
 * writes their text where an older layer has a plain string.
 */
export function pollToTl(poll: SandboxPoll, now: number): TlObject {
  return {
    _: 'poll',
    id: BigInt(poll.pollId),
    closed: pollClosed(poll, now),
    public_voters: !poll.anonymous,
    multiple_choice: poll.multipleAnswers,
    quiz: poll.quiz,
    question: { _: 'textWithEntities', text: poll.question, entities: [] },
    answers: poll.options.map((text, i) => ({
      _: 'pollAnswer',
      text: { _: 'textWithEntities', text, entities: [] },
      option: optionBytes(poll, i),
    })),
    close_period: poll.openPeriod,
    close_date: poll.closeDate,
  };
}

/**
 * A poll's results as one member sees them (`viewerId`): the options they chose, and for a quiz the right one once
 * they have answered or the poll is closed, with the explanation. Without a viewer the results are `min`, the
 * same for everyone and without anyone's choice, as Telegram marks them.
 */
export function pollResultsToTl(
  poll: SandboxPoll,
  viewerId: number | undefined,
  now: number,
  /** The explanation's entities as MTProto writes them (tl-builders' entitiesToTl). */
  solutionEntities: TlObject[] = [],
): TlObject {
  const { voters, total } = pollCounts(poll);
  const chosen = viewerId === undefined ? [] : chosenBy(poll, viewerId);
  const revealed = poll.quiz && (chosen.length > 0 || pollClosed(poll, now));
  return {
    _: 'pollResults',
    min: viewerId === undefined,
    results: poll.options.map((_, i) => ({
      _: 'pollAnswerVoters',
      chosen: chosen.includes(i),
      correct: revealed && poll.correctOption === i,
      option: optionBytes(poll, i),
      voters: voters[i] ?? 0,
      // Layer 227 puts the count and the recent voters under one flag: both are written, none of them named.
      recent_voters: [],
    })),
    total_voters: total,
    solution: revealed ? (poll.explanation ?? undefined) : undefined,
    solution_entities: revealed && poll.explanation ? solutionEntities : undefined,
  };
}

export function messageMediaPollToTl(
  poll: SandboxPoll,
  viewerId: number | undefined,
  now: number,
  solutionEntities?: TlObject[],
): TlObject {
  return {
    _: 'messageMediaPoll',
    poll: pollToTl(poll, now),
    results: pollResultsToTl(poll, viewerId, now, solutionEntities),
  };
}

/**
 * `updateMessagePoll` for one member of the poll's chat (`viewerId`): the poll and its results as they see them.
 * The peer and message (layer 227 on) name the chat as the viewer sees it.
 */
export function updateMessagePollToTl(
  chat: PollChat,
  viewerId: number,
  now: number,
  solutionEntities?: TlObject[],
): TlObject | undefined {
  const poll = chat.message.media;
  if (!isPoll(poll)) return undefined;
  return {
    _: 'updateMessagePoll',
    peer: pollPeerToTl(chat, viewerId),
    msg_id: chat.message.id,
    poll_id: BigInt(poll.pollId),
    poll: pollToTl(poll, now),
    results: pollResultsToTl(poll, viewerId, now, solutionEntities),
  };
}

function pollPeerToTl(chat: PollChat, viewerId: number): TlObject {
  if (chat.kind === 'channel') return { _: 'peerChannel', channel_id: BigInt(chat.channel.id) };
  if (chat.kind === 'group') return { _: 'peerChat', chat_id: BigInt(chat.group.id) };
  const { message } = chat;
  const other = message.fromKind === 'user' && message.fromId === viewerId ? message.toId : message.fromId;
  return { _: 'peerUser', user_id: BigInt(other) };
}

/** Telegram's limits on a poll a member's app sends (its errors name what is wrong). */
const MEMBER_QUESTION_MAX = 255;

const tlText = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : isTlObject(v) && typeof v.text === 'string' ? v.text : undefined;

/**
 * The poll of a member's `inputMediaPoll`, checked as Telegram checks it: the question 1-255 characters
 * (POLL_QUESTION_INVALID), 2-12 options (POLL_ANSWERS_INVALID) of 1-100 characters (POLL_ANSWER_INVALID) with
 * distinct bytes of at most 100 (POLL_OPTION_DUPLICATE, POLL_OPTION_INVALID); a quiz has exactly one right
 * answer among them (QUIZ_CORRECT_ANSWERS_EMPTY, QUIZ_CORRECT_ANSWERS_TOO_MUCH, QUIZ_CORRECT_ANSWER_INVALID) and
 * takes one vote (QUIZ_MULTIPLE_INVALID). Layer 227 names the right answer by its position, older ones by bytes.
 */
export function pollFromInputMedia(input: TlObject, now: number): SandboxPoll {
  if (!isTlObject(input.poll)) throw new RpcError(400, 'MEDIA_INVALID');
  const tl = input.poll;
  const question = tlText(tl.question) ?? '';
  if (question.trim() === '' || [...question].length > MEMBER_QUESTION_MAX) {
    throw new RpcError(400, 'POLL_QUESTION_INVALID');
  }
  const answers = Array.isArray(tl.answers) ? tl.answers.filter(isTlObject) : [];
  if (answers.length < POLL_LIMITS.minOptions || answers.length > POLL_LIMITS.maxOptions) {
    throw new RpcError(400, 'POLL_ANSWERS_INVALID');
  }
  const options = answers.map((a) => tlText(a.text) ?? '');
  if (options.some((o) => o.trim() === '' || [...o].length > POLL_LIMITS.option)) {
    throw new RpcError(400, 'POLL_ANSWER_INVALID');
  }
  const ids = answers.map((a) => (Buffer.isBuffer(a.option) ? a.option.toString('hex') : ''));
  if (ids.some((id) => id === '' || id.length > 200)) throw new RpcError(400, 'POLL_OPTION_INVALID');
  if (new Set(ids).size !== ids.length) throw new RpcError(400, 'POLL_OPTION_DUPLICATE');
  const quiz = tl.quiz === true;
  let correctOption: number | undefined;
  if (quiz) {
    if (tl.multiple_choice === true) throw new RpcError(400, 'QUIZ_MULTIPLE_INVALID');
    const correct = Array.isArray(input.correct_answers) ? input.correct_answers : [];
    if (correct.length === 0) throw new RpcError(400, 'QUIZ_CORRECT_ANSWERS_EMPTY');
    if (correct.length > 1) throw new RpcError(400, 'QUIZ_CORRECT_ANSWERS_TOO_MUCH');
    const [answer] = correct as unknown[];
    correctOption = Buffer.isBuffer(answer) ? ids.indexOf(answer.toString('hex')) : Number(answer);
    if (!Number.isInteger(correctOption) || correctOption < 0 || correctOption >= options.length) {
      throw new RpcError(400, 'QUIZ_CORRECT_ANSWER_INVALID');
    }
  }
  const solution = quiz && typeof input.solution === 'string' && input.solution ? input.solution : undefined;
  const closePeriod = typeof tl.close_period === 'number' && tl.close_period > 0 ? tl.close_period : undefined;
  const closeDate = typeof tl.close_date === 'number' && tl.close_date > 0 ? tl.close_date : undefined;
  return newPoll(
    {
      question,
      options,
      optionIds: ids,
      anonymous: tl.public_voters !== true,
      quiz,
      multipleAnswers: tl.multiple_choice === true,
      ...(correctOption !== undefined ? { correctOption } : {}),
      ...(solution ? { explanation: solution } : {}),
      ...(closePeriod ? { openPeriod: closePeriod } : closeDate ? { closeDate } : {}),
      closed: tl.closed === true,
    },
    now,
  );
}
