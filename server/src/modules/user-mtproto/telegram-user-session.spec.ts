import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import { FloodWaitError, RPCError, RPCMessageToError } from 'telegram/errors';
import { telegramRequestInvalid } from './user-mtproto.errors';
import { toCallError } from './telegram-user-session';

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
