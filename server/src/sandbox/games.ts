import { randomBytes } from 'node:crypto';
import {
  type SandboxGame,
  type SandboxGameMedia,
  type SandboxGameScore,
  SandboxConflictError,
  SandboxInvalidError,
  SandboxNotFoundError,
  type SandboxWorld,
} from './world';

/**
 * Bots' HTML5 games: what BotFather's /newgame registers (here the control API's `POST /sandbox/bots/:id/games`),
 * the game a bot sends (sendGame) and the players' scores in the chat of each game message (setGameScore,
 * getGameHighScores). The Bot API door serves them in bot-api/games.ts, the MTProto door in mtproto/games.ts.
 */

/** BotFather's rule for a game's short name: 3-64 characters of letters, digits and underscores. */
const SHORT_NAME = /^[A-Za-z0-9_]{3,64}$/;
const MAX_TITLE = 64;
const MAX_DESCRIPTION = 512;

/** Registers a game of a bot, as BotFather's /newgame does; a short name is the bot's once. */
export function registerGame(
  world: SandboxWorld,
  botId: number,
  input: { shortName: string; title: string; description: string },
): SandboxGame {
  if (!world.findBotById(botId)) throw new SandboxNotFoundError('bot not found');
  if (!SHORT_NAME.test(input.shortName)) {
    throw new SandboxInvalidError('short_name must be 3-64 characters: letters, digits and underscores');
  }
  const title = input.title.trim();
  if (!title || title.length > MAX_TITLE) throw new SandboxInvalidError('title must be 1-64 characters');
  if (input.description.length > MAX_DESCRIPTION) throw new SandboxInvalidError('description is too long');
  const games = (world.botGames[String(botId)] ??= []);
  if (games.some((g) => g.shortName.toLowerCase() === input.shortName.toLowerCase())) {
    throw new SandboxConflictError('the bot already has a game with this short name');
  }
  const game: SandboxGame = {
    shortName: input.shortName,
    title,
    description: input.description,
    createdAt: world.unixNow(),
  };
  games.push(game);
  return game;
}

/** A bot's games, in the order registered. */
export function gamesOf(world: SandboxWorld, botId: number): SandboxGame[] {
  return world.botGames[String(botId)] ?? [];
}

/** A bot's game by its short name (as sendGame names it: exactly). */
export function findGame(world: SandboxWorld, botId: number, shortName: string): SandboxGame | undefined {
  return gamesOf(world, botId).find((g) => g.shortName === shortName);
}

/** The media of a message carrying the game. */
export function gameMedia(botId: number, game: SandboxGame): SandboxGameMedia {
  return {
    kind: 'game',
    gameId: (randomBytes(8).readBigUInt64BE() >> 1n).toString(),
    botId,
    shortName: game.shortName,
    title: game.title,
    description: game.description,
  };
}

/** The inline keyboard Telegram gives a game sent without one: its Play button. */
export function playKeyboard(title: string): Record<string, unknown> {
  return { inline_keyboard: [[{ text: `Play ${title}`, callback_game: {} }]] };
}

/** Where a game message is: the key of its scores in `world.gameScores`. */
export type GameMessageRef =
  | { kind: 'private'; messageId: number }
  | { kind: 'group'; groupId: number; messageId: number }
  | { kind: 'channel'; channelId: number; messageId: number };

export function scoresKey(ref: GameMessageRef): string {
  if (ref.kind === 'private') return `private:${ref.messageId}`;
  if (ref.kind === 'group') return `group:${ref.groupId}:${ref.messageId}`;
  return `channel:${ref.channelId}:${ref.messageId}`;
}

/** Telegram's refusal of a score that is not above the player's own (without `force`). */
export class GameScoreError extends Error {
  constructor(readonly code: 'BOT_SCORE_NOT_MODIFIED') {
    super(code);
  }
}

/**
 * Sets a player's score in a game message's chat. A score not above the player's current one is refused
 * (BOT_SCORE_NOT_MODIFIED) unless `force` (which may also lower it). Returns the player's entry.
 */
export function setGameScore(
  world: SandboxWorld,
  ref: GameMessageRef,
  userId: number,
  score: number,
  force: boolean,
): SandboxGameScore {
  const scores = (world.gameScores[scoresKey(ref)] ??= []);
  const current = scores.find((s) => s.userId === userId);
  if (current && !force && score <= current.score) throw new GameScoreError('BOT_SCORE_NOT_MODIFIED');
  if (current) {
    current.score = score;
    current.date = world.unixNow();
    return current;
  }
  const entry: SandboxGameScore = { userId, score, date: world.unixNow() };
  scores.push(entry);
  return entry;
}

/** A game's high score table: best first (ties: who got there first), with 1-based positions. */
export function highScores(world: SandboxWorld, ref: GameMessageRef): (SandboxGameScore & { position: number })[] {
  const scores = [...(world.gameScores[scoresKey(ref)] ?? [])];
  scores.sort((a, b) => b.score - a.score || a.date - b.date);
  return scores.map((s, i) => ({ ...s, position: i + 1 }));
}

/**
 * The part of the table getGameHighScores gives for a player: the top three, and the player with their
 * neighbours (as Telegram answers: "the score of the specified user and several of their neighbors").
 */
export function highScoresAround(
  world: SandboxWorld,
  ref: GameMessageRef,
  userId: number,
): (SandboxGameScore & { position: number })[] {
  const table = highScores(world, ref);
  const at = table.findIndex((s) => s.userId === userId);
  return table.filter((_, i) => i < 3 || (at >= 0 && Math.abs(i - at) <= 1));
}
