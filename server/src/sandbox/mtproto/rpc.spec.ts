import { faultToRpcError } from './rpc';

describe('injected MTProto faults', () => {
  it('maps fault names and numbers to the rpc_error Telegram sends', () => {
    expect(faultToRpcError('FLOOD_WAIT_30')).toMatchObject({ code: 420, errorMessage: 'FLOOD_WAIT_30' });
    expect(faultToRpcError('AUTH_KEY_UNREGISTERED')).toMatchObject({ code: 401 });
    expect(faultToRpcError('PHONE_MIGRATE_4')).toMatchObject({ code: 303 });
    expect(faultToRpcError('CHANNEL_INVALID')).toMatchObject({ code: 400 });
    expect(faultToRpcError(500)).toMatchObject({ code: 500, errorMessage: 'INTERNAL' });
    expect(faultToRpcError(403)).toMatchObject({ code: 403, errorMessage: 'FORBIDDEN' });
  });
});
