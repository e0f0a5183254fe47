import { TelegramError } from 'telegraf';

/**
 * What a failed Bot API call means for the caller. The adapter's calls fail with telegraf's error or a
 * network error as they are; callers read either through these functions and never through telegraf.
 */
export type TelegramFailure =
  /** Telegram said slow down: wait retry_after seconds, then try again. */
  | { kind: 'flood'; retryAfter: number }
  /** The token is no longer valid (revoked or deleted bot). */
  | { kind: 'unauthorized'; description: string }
  /** Telegram refused this request for good (bad chat, no rights, bad content). */
  | { kind: 'refused'; status: number; description: string }
  /** Telegram or the network failed; the same request may work later. */
  | { kind: 'unavailable'; description: string };

export function classifyTelegramFailure(err: unknown): TelegramFailure {
  if (err instanceof TelegramError) {
    const code = err.code;
    if (code === 429) return { kind: 'flood', retryAfter: Math.max(1, err.parameters?.retry_after ?? 1) };
    if (code === 401 || code === 404) return { kind: 'unauthorized', description: err.description };
    if (code >= 500) return { kind: 'unavailable', description: err.description };
    return { kind: 'refused', status: code, description: err.description };
  }
  // node-fetch errors (connection refused, reset, timeout) carry no Telegram answer.
  return { kind: 'unavailable', description: safeErrorMessage(err) };
}

/** Telegram's error code and words when Telegram itself answered the call with an error; undefined for a network failure. */
export function telegramAnswer(err: unknown): { code: number; description: string } | undefined {
  return err instanceof TelegramError ? { code: err.code, description: err.description } : undefined;
}

/** A failed call as a metric label: Telegram's status code, or `network` when no answer came. */
export function failureCode(err: unknown): string {
  return err instanceof TelegramError ? String(err.code) : 'network';
}

/** Telegram's own words, without anything that could carry a token. */
export function describeFailure(f: TelegramFailure): string {
  switch (f.kind) {
    case 'flood':
      return `Too Many Requests: retry after ${f.retryAfter}`;
    case 'unauthorized':
    case 'refused':
    case 'unavailable':
      return f.description.slice(0, 500);
  }
}

const TOKEN_IN_TEXT = /\d{3,}:[A-Za-z0-9_-]{30,}/g;

/** An error's message for a log line, with anything shaped like a bot token (e.g. inside a Bot API URL) removed. */
export function safeErrorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(TOKEN_IN_TEXT, '<token>');
}
