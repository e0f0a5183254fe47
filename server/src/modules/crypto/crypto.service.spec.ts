import { randomBytes } from 'node:crypto';
import { DomainError } from '../../common/errors/domain-error';
import { CryptoService } from './crypto.service';
import { ConfigError, loadConfig } from '../../config/app-config';
import { parseKeyring } from './keyring';

const k = (id: string): string => `${id}:${randomBytes(32).toString('base64')}`;
const service = (keys: string, activeKeyId?: string, minKeyId?: string) =>
  new CryptoService({ encryption: { keys, activeKeyId, minKeyId } });

const A = { tenantId: '11111111-1111-4111-8111-111111111111', table: 'user_bot_credentials', column: 'bot_token' };
const B = { ...A, tenantId: '22222222-2222-4222-8222-222222222222' };

const failure = (fn: () => unknown): DomainError => {
  try {
    fn();
  } catch (err) {
    return err as DomainError;
  }
  throw new Error('expected a failure');
};

describe('CryptoService', () => {
  const key1 = k('1');
  const key2 = k('2');

  it('round-trips and stores v1:<key_id>:<base64>', () => {
    const c = service(key1);
    const sealed = c.encrypt('123:secret', A);
    expect(sealed).toMatch(/^v1:1:[A-Za-z0-9+/]+=*$/);
    expect(c.decrypt(sealed, A)).toBe('123:secret');
  });

  it('uses a fresh nonce for every value', () => {
    const c = service(key1);
    expect(c.encrypt('same', A)).not.toBe(c.encrypt('same', A));
  });

  it('fails with DECRYPTION_FAILED for another tenant or another column', () => {
    const c = service(key1);
    const sealed = c.encrypt('secret', A);
    expect(failure(() => c.decrypt(sealed, B)).code).toBe('DECRYPTION_FAILED');
    expect(failure(() => c.decrypt(sealed, { ...A, column: 'session_string' })).message).toContain(
      'user_bot_credentials.session_string',
    );
  });

  it('fails with DECRYPTION_FAILED for a flipped bit and for garbage', () => {
    const c = service(key1);
    const sealed = c.encrypt('secret', A);
    const [, , data = ''] = sealed.split(':');
    const raw = Buffer.from(data, 'base64');
    raw.writeUInt8(raw.readUInt8(raw.length - 1) ^ 1, raw.length - 1);
    expect(failure(() => c.decrypt(`v1:1:${raw.toString('base64')}`, A)).code).toBe('DECRYPTION_FAILED');
    expect(failure(() => c.decrypt('plaintext-token', A)).code).toBe('DECRYPTION_FAILED');
    expect(failure(() => c.decrypt('v1:1:AAAA', A)).code).toBe('DECRYPTION_FAILED');
  });

  it('encrypts with the newest key by default and decrypts older ones', () => {
    const old = service(key1).encrypt('secret', A);
    const c = service(`${key1},${key2}`);
    expect(c.activeKeyId).toBe('2');
    expect(c.decrypt(old, A)).toBe('secret');
    expect(c.encrypt('secret', A)).toMatch(/^v1:2:/);
  });

  it('rewraps to the active key and leaves current values alone', () => {
    const old = service(key1).encrypt('secret', A);
    const c = service(`${key1},${key2}`);
    const moved = c.rewrap(old, A);
    expect(moved).toMatch(/^v1:2:/);
    expect(c.decrypt(moved, A)).toBe('secret');
    expect(c.rewrap(moved, A)).toBe(moved);
  });

  it('answers KEY_RETIRED for a value under a key older than the minimum', () => {
    const old = service(key1).encrypt('secret', A);
    const c = service(`${key1},${key2}`, '2', '2');
    expect(failure(() => c.decrypt(old, A)).code).toBe('KEY_RETIRED');
  });

  it('answers KEY_UNKNOWN for a key that is not configured', () => {
    const other = service(k('7')).encrypt('secret', A);
    expect(failure(() => service(key1).decrypt(other, A)).code).toBe('KEY_UNKNOWN');
  });
});

describe('parseKeyring', () => {
  it('names the problem without echoing key material', () => {
    const err = failure(() => parseKeyring('1:c2hvcnQ='));
    expect(err.code).toBe('KEYRING_INVALID');
    expect(err.message).toContain('key 1 must be exactly 32 bytes');
    expect(err.message).not.toContain('c2hvcnQ=');
  });

  it('refuses duplicate versions, an unknown active key and a minimum above the active key', () => {
    expect(failure(() => parseKeyring(`${k('1')},${k('k1')}`)).message).toContain('version 1 appears twice');
    expect(failure(() => parseKeyring(k('1'), '2')).message).toContain('ENCRYPTION_ACTIVE_KEY_ID');
    expect(failure(() => parseKeyring(`${k('1')},${k('2')}`, '1', '2')).message).toContain('ENCRYPTION_MIN_KEY_ID');
  });

  it('orders key ids by their trailing number', () => {
    expect(parseKeyring(`${k('dev9')},${k('dev10')}`).active.id).toBe('dev10');
  });
});

describe('configuration', () => {
  it('fails fast at boot on a malformed keyring, naming the variable', () => {
    expect(() => loadConfig({ ENCRYPTION_KEYS: '1:c2hvcnQ=' })).toThrow(ConfigError);
    expect(() => loadConfig({ ENCRYPTION_KEYS: k('1'), ENCRYPTION_ACTIVE_KEY_ID: '4' })).toThrow(
      /ENCRYPTION_ACTIVE_KEY_ID/,
    );
  });
});
