import { QueryFailedError } from 'typeorm';
import { outageOf } from './outage';

const pgError = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

describe('outageOf', () => {
  it('names Postgres for a refused connection, a server shutting down or a connection cut mid-query', () => {
    expect(outageOf(pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'))).toBe('postgres');
    expect(outageOf(new QueryFailedError('SELECT 1', [], pgError('57P01')))).toBe('postgres');
    expect(outageOf(new QueryFailedError('SELECT 1', [], pgError('57P03')))).toBe('postgres');
    expect(outageOf(new QueryFailedError('SELECT 1', [], pgError('08006')))).toBe('postgres');
    expect(outageOf(new Error('Connection terminated unexpectedly'))).toBe('postgres');
  });

  it('names Redis for a command given up on while Redis is unreachable', () => {
    const gaveUp = Object.assign(new Error('Reached the max retries per request limit (which is 2).'), {
      name: 'MaxRetriesPerRequestError',
    });
    expect(outageOf(gaveUp)).toBe('redis');
    expect(outageOf(new Error('Connection is closed.'))).toBe('redis');
  });

  it('leaves a query error or a bug alone (a 4xx or a 500, never a 503)', () => {
    expect(outageOf(new QueryFailedError('INSERT', [], pgError('23505')))).toBeUndefined();
    expect(outageOf(new TypeError('x is undefined'))).toBeUndefined();
    expect(outageOf('a string')).toBeUndefined();
    expect(outageOf(null)).toBeUndefined();
  });
});
