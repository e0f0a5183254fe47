import { optionBytes, pollClosed, pollCounts } from '../polls';
import type { SandboxPoll } from '../world';

type Json = Record<string, unknown>;

/**
 * A poll as the official Bot API server writes one (its `JsonPoll`). The right option and the explanation of a
 * quiz are known to the bot that sent it, and to everyone once it is closed.
 * `explanationEntities`: the explanation's formatting as serializers.ts writes entities.
 */
export function pollJson(poll: SandboxPoll, now: number, explanationEntities?: Json[]): Json {
  const { voters, total } = pollCounts(poll);
  const closed = pollClosed(poll, now);
  const json: Json = {
    id: poll.pollId,
    question: poll.question,
    options: poll.options.map((text, i) => ({
      persistent_id: persistentId(poll, i),
      text,
      voter_count: voters[i] ?? 0,
    })),
    total_voter_count: total,
    // Both or neither, as the official server writes them.
    ...(poll.openPeriod && poll.closeDate ? { open_period: poll.openPeriod, close_date: poll.closeDate } : {}),
    is_closed: closed,
    is_anonymous: poll.anonymous,
    allows_multiple_answers: poll.multipleAnswers,
    // A quiz's answer is final; a regular poll's vote can be changed.
    allows_revoting: !poll.quiz,
    members_only: false,
    type: poll.quiz ? 'quiz' : 'regular',
  };
  const known = poll.senderBotId !== undefined || closed;
  if (poll.quiz && known && poll.correctOption !== undefined) {
    json.correct_option_id = poll.correctOption;
    json.correct_option_ids = [poll.correctOption];
  }
  if (poll.quiz && known && poll.explanation) {
    json.explanation = poll.explanation;
    json.explanation_entities = explanationEntities ?? [];
  }
  return json;
}

/** A vote in a non-anonymous poll as the bot that sent the poll hears it (`poll_answer`); none is a retraction. */
export function pollAnswerJson(poll: SandboxPoll, user: Json, options: number[]): Json {
  return {
    poll_id: poll.pollId,
    user,
    option_ids: options,
    option_persistent_ids: options.map((i) => persistentId(poll, i)),
  };
}

/** An option's persistent_id: its MTProto bytes, as text. */
const persistentId = (poll: SandboxPoll, index: number): string => optionBytes(poll, index).toString('latin1');
