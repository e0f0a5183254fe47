import { answersLater, callbackAnswerToTl, startBotMessage } from './bot-interaction';
import { RpcError } from './rpc-error';

const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof RpcError) return err.errorMessage;
    throw err;
  }
  throw new Error('expected a refusal');
};

describe('an app talking to a bot', () => {
  it('writes a deep-link start as "/start <param>" with the command marked', () => {
    expect(startBotMessage('ref_42-A')).toEqual({
      text: '/start ref_42-A',
      entities: [{ _: 'messageEntityBotCommand', offset: 0, length: 6 }],
    });
    expect(startBotMessage('x'.repeat(64)).text).toHaveLength(7 + 64);
  });

  it("refuses a start parameter Telegram's deep links cannot carry", () => {
    expect(refusal(() => startBotMessage(''))).toBe('START_PARAM_EMPTY');
    expect(refusal(() => startBotMessage(undefined))).toBe('START_PARAM_EMPTY');
    expect(refusal(() => startBotMessage('x'.repeat(65)))).toBe('START_PARAM_TOO_LONG');
    expect(refusal(() => startBotMessage('has space'))).toBe('START_PARAM_INVALID');
    expect(refusal(() => startBotMessage('ünï'))).toBe('START_PARAM_INVALID');
  });

  it('knows a button press waits for the bot under any wrapper, and nothing else does', () => {
    const press = { _: 'messages.getBotCallbackAnswer', peer: { _: 'inputPeerSelf' }, msg_id: 1 };
    expect(answersLater(press)).toBe(true);
    expect(answersLater({ _: 'invokeWithLayer', layer: 198, query: { _: 'initConnection', query: press } })).toBe(true);
    expect(answersLater({ _: 'invokeWithLayer', layer: 198, query: { _: 'messages.getHistory' } })).toBe(false);
    // A payment in Stars waits for the bot's answer to its pre-checkout query.
    expect(answersLater({ _: 'invokeWithLayer', layer: 198, query: { _: 'payments.sendStarsForm' } })).toBe(true);
  });

  it('marks an answer with a URL as has_url, and leaves out what the bot did not say', () => {
    expect(callbackAnswerToTl({ showAlert: false, cacheTime: 0, date: 1 })).toEqual({
      _: 'messages.botCallbackAnswer',
      alert: undefined,
      has_url: undefined,
      message: undefined,
      url: undefined,
      cache_time: 0,
    });
    expect(callbackAnswerToTl({ showAlert: true, url: 'https://t.me/g', cacheTime: 5, date: 1 })).toMatchObject({
      alert: true,
      has_url: true,
      url: 'https://t.me/g',
    });
  });
});
