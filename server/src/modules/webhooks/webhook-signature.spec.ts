import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signDelivery } from './webhook-signature';

describe('webhook signatures', () => {
  it('makes whsec_ secrets of 32 random bytes', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('signs so that a receiver holding either secret verifies, and a stranger does not', () => {
    const [current, previous, stranger] = [newWebhookSecret(), newWebhookSecret(), newWebhookSecret()];
    const body = JSON.stringify({ id: '7', type: 'ping', created_at: new Date().toISOString(), data: {} });
    const headers = signDelivery([current, previous], '7', new Date(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, { ...headers })).toMatchObject({ id: '7' });
    expect(new Webhook(previous).verify(body, { ...headers })).toMatchObject({ id: '7' });
    expect(() => new Webhook(stranger).verify(body, { ...headers })).toThrow();
    expect(() => new Webhook(current).verify(`${body} `, { ...headers })).toThrow();
  });

  it('signs bodies beyond ASCII exactly as standardwebhooks does, for secrets with and without the prefix', () => {
    const secret = newWebhookSecret();
    const at = new Date();
    const body = JSON.stringify({ id: '9', type: 'bot.message', data: { text: 'héllo — 你好 👋' } });
    for (const s of [secret, secret.slice('whsec_'.length)]) {
      expect(signDelivery([s], '9', at, body)['webhook-signature']).toBe(new Webhook(secret).sign('9', at, body));
    }
  });
});
