import { CommonError } from '../../common/errors/common-errors';
import { parseCursor, parseListQuery, parseStreamQuery, parseTypes } from './events-query';
import { EventType } from './event-types';

const failure = (f: () => unknown): { code: string; message: string } => {
  try {
    f();
  } catch (err) {
    if (err instanceof CommonError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a validation failure');
};

describe('events query parsing', () => {
  it('reads cursors as canonical bigints, from 0 to 2^63-1', () => {
    expect(parseCursor(undefined, 'after')).toBe('0');
    expect(parseCursor('', 'after')).toBe('0');
    expect(parseCursor('007', 'after')).toBe('7');
    expect(parseCursor('9223372036854775807', 'after')).toBe('9223372036854775807');
    for (const bad of ['9223372036854775808', '-1', '1.0', 'abc', '1e3', ' 1', '12345678901234567890']) {
      expect(failure(() => parseCursor(bad, 'after'))).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
  });

  it('reads types as a comma-separated list of known types, without repeats', () => {
    expect(parseTypes(undefined)).toEqual([]);
    expect(parseTypes('bot.message, post.sent,bot.message')).toEqual([EventType.BotMessage, EventType.PostSent]);
    expect(failure(() => parseTypes('bot.message,nope')).message).toContain('nope');
  });

  it('bounds limit by 500 and wait by the configured maximum', () => {
    expect(parseListQuery({}, 30)).toEqual({ query: { after: '0', types: [], limit: 100 }, waitMs: 0 });
    expect(parseListQuery({ limit: 500, wait: 30, after: '5' }, 30)).toEqual({
      query: { after: '5', types: [], limit: 500 },
      waitMs: 30_000,
    });
    expect(failure(() => parseListQuery({ limit: 501 }, 30)).message).toContain('limit');
    expect(failure(() => parseListQuery({ wait: 31 }, 30)).message).toContain('wait');
  });

  it('resumes a stream from Last-Event-ID before ?after=', () => {
    expect(parseStreamQuery({ after: '3' }, '9').after).toBe('9');
    expect(parseStreamQuery({ after: '3' }, undefined).after).toBe('3');
    expect(failure(() => parseStreamQuery({}, 'x')).message).toContain('Last-Event-ID');
  });
});
