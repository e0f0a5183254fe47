import { isSecretQueryKey, REDACTED, scrubText } from './redaction';

describe('scrubText on URLs', () => {
  it('redacts credential query parameters and keeps the rest', () => {
    const url =
      '/api/x?page=2&access_token=AT&token=T&code=12345&password=P&secret=S&hash=H&api_hash=AH&phone=%2B1555&init_data=ID&refresh_token=RT&q=kept';
    const out = scrubText(url);
    for (const value of ['AT', '=T&', '12345', '=P&', '=S&', '=H&', 'AH', '%2B1555', 'ID', 'RT']) {
      expect(out).not.toContain(value);
    }
    expect(out).toBe(
      `/api/x?page=2&access_token=${REDACTED}&token=${REDACTED}&code=${REDACTED}&password=${REDACTED}&secret=${REDACTED}&hash=${REDACTED}&api_hash=${REDACTED}&phone=${REDACTED}&init_data=${REDACTED}&refresh_token=${REDACTED}&q=kept`,
    );
  });

  it('finds URLs inside error messages, and percent-encoded or differently cased names', () => {
    expect(scrubText('request to https://h.example/cb?state=1&CODE=abc failed')).toBe(
      `request to https://h.example/cb?state=1&CODE=${REDACTED} failed`,
    );
    expect(scrubText('/a?access%5Ftoken=zzz')).toBe(`/a?access%5Ftoken=${REDACTED}`);
    expect(scrubText('/a?webhook_secret=s1&bot_token=s2')).not.toMatch(/s1|s2/);
  });

  it('leaves ordinary parameters and text alone', () => {
    expect(scrubText('/api/channels?page=1&page_size=20&search=code')).toBe(
      '/api/channels?page=1&page_size=20&search=code',
    );
    expect(isSecretQueryKey('page')).toBe(false);
    expect(isSecretQueryKey('phone_code_hash')).toBe(true);
  });
});
