/** An error answered exactly as the Bot API answers it: `{ok: false, error_code, description, parameters?}`. */
export class BotApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number },
  ) {
    super(description);
    this.name = 'BotApiError';
  }

  toBody(): Record<string, unknown> {
    return {
      ok: false,
      error_code: this.errorCode,
      description: this.description,
      ...(this.parameters ? { parameters: this.parameters } : {}),
    };
  }

  /** 400 with the official server's prefix; the message is worded by its rule (see `officialMessage`). */
  static badRequest(what: string): BotApiError {
    return new BotApiError(400, `Bad Request: ${officialMessage(what)}`);
  }

  static forbidden(what: string): BotApiError {
    return new BotApiError(403, `Forbidden: ${officialMessage(what)}`);
  }

  static tooManyRequests(retryAfter: number): BotApiError {
    return new BotApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
  }

  /** A well-formed token of no bot (see `malformedTokenError` for one that cannot be a token). */
  static unauthorized(): BotApiError {
    return new BotApiError(401, 'Unauthorized');
  }

  /** A path that names no Bot API call, or a file that is not there. */
  static notFound(): BotApiError {
    return new BotApiError(404, 'Not Found');
  }

  /** A call of a method the Bot API does not have, in the official server's words. */
  static methodNotFound(): BotApiError {
    return new BotApiError(404, 'Not Found: method not found');
  }

  static chatNotFound(): BotApiError {
    return BotApiError.badRequest('chat not found');
  }
}

/**
 * A refusal's message as the official Bot API server words it after its prefix (`Client::fail_query_with_error`):
 * the first letter is lowercased, unless the second is an uppercase letter or '_' (an error code such as
 * `MESSAGE_TOO_LONG`, or an abbreviation such as "HTTP"), which is kept as it is.
 */
export function officialMessage(message: string): string {
  const second = message[1];
  if (second === undefined || second === '_' || (second >= 'A' && second <= 'Z')) return message;
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/**
 * Why a token cannot be any bot's, checked as the official server checks it before it looks for the bot; undefined
 * when it has a bot token's shape: the bot's id (a positive number below 2^54, not starting with 0), ':' and the
 * secret, at most 80 characters and no '/'. An id that is not a number is answered 421, as there.
 */
export function malformedTokenError(token: string): BotApiError | undefined {
  const invalid = new BotApiError(401, 'Unauthorized: invalid token specified');
  const colon = token.indexOf(':');
  if (token === '' || token.startsWith('0') || token.length > 80 || token.includes('/') || colon < 0) return invalid;
  const id = token.slice(0, colon);
  if (!/^-?[1-9]\d*$/.test(id) || BigInt.asIntN(64, BigInt(id)) !== BigInt(id)) {
    return new BotApiError(421, 'Misdirected Request: unallowed token specified');
  }
  return BigInt(id) > 0n && BigInt(id) < 2n ** 54n ? undefined : invalid;
}

const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const DEFAULT_FAULT_RETRY_AFTER = 2;

/**
 * Turns an injected fault into the error Telegram would answer. Accepted forms: a status number
 * (429 → retry after 2 s), '429:5' (retry after 5 s), 'FLOOD_WAIT_30' (429, retry after 30 s),
 * '403:Forbidden: bot was blocked by the user' (status plus description), or any other text
 * (400 with that text).
 */
export function faultToError(fault: string | number): BotApiError {
  if (typeof fault === 'number') {
    if (fault === 429) return BotApiError.tooManyRequests(DEFAULT_FAULT_RETRY_AFTER);
    return new BotApiError(
      fault,
      STATUS_DESCRIPTIONS[fault] ?? (fault >= 500 ? 'Internal Server Error' : 'Bad Request'),
    );
  }
  const flood = /^FLOOD_WAIT_(\d+)$/i.exec(fault.trim());
  if (flood) return BotApiError.tooManyRequests(Math.max(1, Number(flood[1])));
  const coded = /^(\d{3})(?:\s*:\s*(.*))?$/s.exec(fault.trim());
  if (coded) {
    const status = Number(coded[1]);
    const rest = coded[2]?.trim();
    if (status === 429) {
      const seconds = rest && /^\d+$/.test(rest) ? Math.max(1, Number(rest)) : DEFAULT_FAULT_RETRY_AFTER;
      return BotApiError.tooManyRequests(seconds);
    }
    if (rest) return new BotApiError(status, rest);
    return faultToError(status);
  }
  // The text is the developer's own: it is answered as given, without the official server's rewording.
  return new BotApiError(400, `Bad Request: ${fault}`);
}
