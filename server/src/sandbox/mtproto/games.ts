import type { SandboxGameScoreNotice } from '../world';
import { RpcError } from './rpc-error';
import type { TlObject } from './tl-codec';

/**
 * Bots' HTML5 games through the MTProto door (the games are the world's: `../games.ts`). An app sees a game as
 * `messageMediaGame` (tl-builders.ts), presses its Play button with `messages.getBotCallbackAnswer {game: true}`
 * (bot-interaction.ts: the bot hears the game's short name and its answerCallbackQuery's URL comes back as
 * `messages.botCallbackAnswer.url`), and sees a player's new score as `messageActionGameScore`. Setting and reading
 * scores are the bot's (the Bot API door's): a user's app is refused them here.
 */

/** A game score's service message action: the game's id and the score. */
export function gameScoreActionToTl(notice: SandboxGameScoreNotice): TlObject {
  return { _: 'messageActionGameScore', game_id: BigInt(notice.gameId), score: notice.score };
}

/** The score methods only bots may call. */
export const BOT_ONLY_GAME_METHODS = [
  'messages.setGameScore',
  'messages.setInlineGameScore',
  'messages.getGameHighScores',
  'messages.getInlineGameHighScores',
];

/** A user's call of a bot's score method. */
export function refuseUserGameCall(): never {
  // wording guessed: Telegram's refusal of a bot-only method to a user account.
  throw new RpcError(400, 'BOT_METHOD_INVALID');
}
