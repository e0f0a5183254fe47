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

  static badRequest(what: string): BotApiError {
    return new BotApiError(400, `Bad Request: ${what}`);
  }

  static forbidden(what: string): BotApiError {
    return new BotApiError(403, `Forbidden: ${what}`);
  }

  static tooManyRequests(retryAfter: number): BotApiError {
    return new BotApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
  }

  static unauthorized(): BotApiError {
    return new BotApiError(401, 'Unauthorized');
  }

  static notFound(): BotApiError {
    return new BotApiError(404, 'Not Found');
  }

  static chatNotFound(): BotApiError {
    return BotApiError.badRequest('chat not found');
  }
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
  return BotApiError.badRequest(fault);
}
