import { sanitizeAuditMeta } from './audit-meta';

describe('sanitizeAuditMeta', () => {
  it('drops secret-named fields in either case style, at any depth', () => {
    const meta = sanitizeAuditMeta({
      fields: ['bot_token'],
      botToken: '1:abc',
      password: 'hunter22',
      nested: { telegram_phone: '+1555', sessionString: 'x', reason: 'ok' },
    });
    expect(meta).toEqual({ fields: ['bot_token'], nested: { reason: 'ok' } });
  });

  it('scrubs anything shaped like a bot token from strings', () => {
    const meta = sanitizeAuditMeta({ note: 'failed for 123456789:AAHk3j4k5l6m7n8o9p0qRsTuVwXyZ0123456' });
    expect(JSON.stringify(meta)).not.toContain('AAHk3j4k5l6m7n8o9p0q');
  });
});
