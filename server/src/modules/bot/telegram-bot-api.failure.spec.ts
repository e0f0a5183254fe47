import { TelegramError } from 'telegraf';
import { classifyTelegramFailure, describeFailure, safeErrorMessage } from './telegram-bot-api.failure';

describe('Telegram failures', () => {
  it('reads a 429 as a flood wait with its retry_after', () => {
    const err = new TelegramError({
      error_code: 429,
      description: 'Too Many Requests: retry after 2',
      parameters: { retry_after: 2 },
    });
    expect(classifyTelegramFailure(err)).toEqual({ kind: 'flood', retryAfter: 2 });
  });

  it('tells a rejected token, a refusal and an outage apart', () => {
    expect(classifyTelegramFailure(new TelegramError({ error_code: 401, description: 'Unauthorized' })).kind).toBe(
      'unauthorized',
    );
    expect(
      classifyTelegramFailure(new TelegramError({ error_code: 400, description: 'Bad Request: chat not found' })),
    ).toEqual({ kind: 'refused', status: 400, description: 'Bad Request: chat not found' });
    expect(classifyTelegramFailure(new TelegramError({ error_code: 502, description: 'Bad Gateway' })).kind).toBe(
      'unavailable',
    );
  });

  it('never repeats a bot token that a network error carries in its URL', () => {
    const token = `123456789:${'A'.repeat(35)}`;
    const err = new Error(`request to http://127.0.0.1:8081/bot${token}/getMe failed, reason: connect ECONNREFUSED`);
    const failure = classifyTelegramFailure(err);
    expect(describeFailure(failure)).not.toContain(token.split(':')[1]);
    expect(safeErrorMessage(err)).toContain('/bot<token>/getMe');
  });
});
