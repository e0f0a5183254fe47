import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import { FloodWaitError, RPCError, RPCMessageToError } from 'telegram/errors';
import { telegramRequestInvalid } from './user-mtproto.errors';
import { TelegramCallError, toCallError, toDomainError } from './telegram-errors';

const request = new Api.help.GetConfig();

describe('toCallError', () => {
  it('marks an RPC error of the 400 kind as an invalid request, keeping its name', () => {
    // How gramjs turns Telegram's rpc_error answer into an exception.
    const answer = new Api.RpcError({ errorCode: 400, errorMessage: 'MSG_ID_INVALID' });
    const err = toCallError(RPCMessageToError(answer, request));
    expect(err).toMatchObject({ errorName: 'MSG_ID_INVALID', invalid: true });
  });

  it('marks a value its TL type cannot hold (gramjs serialization) as an invalid request', () => {
    const history = new Api.messages.GetHistory({
      peer: new Api.InputPeerEmpty(),
      offsetId: 1e20,
      offsetDate: 0,
      addOffset: 0,
      limit: 10,
      maxId: 0,
      minId: 0,
      hash: returnBigInt(0),
    });
    let thrown: unknown;
    try {
      history.getBytes();
    } catch (e) {
      thrown = e;
    }
    expect((thrown as NodeJS.ErrnoException).code).toBe('ERR_OUT_OF_RANGE');
    expect(toCallError(thrown)).toMatchObject({ errorName: 'REQUEST_NOT_SERIALIZABLE', invalid: true });
  });

  it('keeps outages and other Telegram answers what they were', () => {
    expect(toCallError(new Error('socket hang up'))).toMatchObject({ errorName: 'NETWORK', invalid: false });
    expect(toCallError(new RPCError('INTERNAL', request, 500))).toMatchObject({
      errorName: 'INTERNAL',
      invalid: false,
    });
    expect(toCallError(new FloodWaitError({ request, capture: 7 }))).toMatchObject({
      errorName: 'FLOOD_WAIT',
      seconds: 7,
    });
  });
});

describe('telegramRequestInvalid', () => {
  it('is a 400 TELEGRAM_REQUEST_INVALID, never the 503 of an outage', () => {
    const err = telegramRequestInvalid('MSG_ID_INVALID');
    expect(err.httpStatus).toBe(400);
    expect(err.code).toBe('TELEGRAM_REQUEST_INVALID');
  });
});

describe('toDomainError', () => {
  const answer = (name: string, opts: { seconds?: number; invalid?: boolean } = {}) =>
    new TelegramCallError(name, opts.seconds, opts.invalid ?? false);

  it("names the user's own mistakes in a login step", () => {
    expect(toDomainError(answer('PHONE_CODE_INVALID', { invalid: true }), 'login').code).toBe('PHONE_CODE_INVALID');
    expect(toDomainError(answer('PHONE_CODE_EMPTY', { invalid: true }), 'login').code).toBe('PHONE_CODE_INVALID');
    expect(toDomainError(answer('PHONE_CODE_EXPIRED', { invalid: true }), 'login').code).toBe('PHONE_CODE_EXPIRED');
    expect(toDomainError(answer('PASSWORD_HASH_INVALID', { invalid: true }), 'login').code).toBe('PASSWORD_INVALID');
    expect(toDomainError(answer('PHONE_NUMBER_BANNED', { invalid: true }), 'login').code).toBe('PHONE_NUMBER_INVALID');
    expect(toDomainError(answer('API_ID_INVALID', { invalid: true }), 'login').code).toBe('API_CREDENTIALS_INVALID');
  });

  it('leaves login-only names to the generic answers on an account call', () => {
    expect(toDomainError(answer('API_ID_INVALID', { invalid: true }), 'account').code).toBe('TELEGRAM_REQUEST_INVALID');
  });

  it('reads a dead auth key as a revoked session on an account call only', () => {
    const revoked = toDomainError(answer('AUTH_KEY_UNREGISTERED'), 'account');
    expect(revoked.code).toBe('MTPROTO_NOT_CONFIGURED');
    expect(revoked.message).toContain('revoked');
    expect(toDomainError(answer('AUTH_KEY_UNREGISTERED'), 'login').code).toBe('TELEGRAM_UNAVAILABLE');
  });

  it('answers flood waits, silence, refusals and outages alike in both contexts', () => {
    for (const during of ['login', 'account'] as const) {
      const flood = toDomainError(answer('FLOOD_WAIT', { seconds: 12 }), during);
      expect(flood.code).toBe('FLOOD_WAIT');
      expect(flood.details).toEqual({ retry_after: 12 });
      expect(toDomainError(answer('NETWORK'), during).code).toBe('TELEGRAM_UNAVAILABLE');
      expect(toDomainError(answer('MSG_ID_INVALID', { invalid: true }), during).code).toBe('TELEGRAM_REQUEST_INVALID');
      expect(toDomainError(answer('INTERNAL'), during).code).toBe('TELEGRAM_UNAVAILABLE');
    }
  });

  it('names what the account may not do to someone, on an account call', () => {
    const code = (name: string, invalid = true) => toDomainError(answer(name, { invalid }), 'account').code;
    expect(code('PEER_ID_INVALID')).toBe('PEER_NOT_FOUND');
    expect(code('USERNAME_NOT_OCCUPIED')).toBe('PEER_NOT_FOUND');
    expect(code('USER_PRIVACY_RESTRICTED', false)).toBe('PRIVACY_RESTRICTED');
    expect(code('CHAT_WRITE_FORBIDDEN', false)).toBe('PRIVACY_RESTRICTED');
    expect(code('CHANNELS_TOO_MUCH')).toBe('CHANNELS_TOO_MUCH');
    expect(toDomainError(answer('PEER_ID_INVALID', { invalid: true }), 'account').httpStatus).toBe(404);
  });
});
