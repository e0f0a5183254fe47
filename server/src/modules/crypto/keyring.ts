import { CryptoError, CryptoErrorCode } from './crypto.errors';

export interface EncryptionKey {
  id: string;
  /** The number the id ends with; orders keys for "active" and "minimum". */
  version: number;
  key: Buffer;
}

export interface Keyring {
  keys: ReadonlyMap<string, EncryptionKey>;
  active: EncryptionKey;
  /** Values under keys older than this fail with KEY_RETIRED. */
  minVersion: number;
}

const KEY_ID = /^[A-Za-z0-9_-]{0,31}?(\d{1,9})$/;

export function keyVersion(id: string): number {
  const m = KEY_ID.exec(id);
  if (!m) {
    throw new CryptoError(
      CryptoErrorCode.KeyringInvalid,
      `Encryption key id ${JSON.stringify(id)} must be letters, digits, "_" or "-" ending in a number (e.g. "3" or "k3").`,
    );
  }
  return Number(m[1]);
}

/**
 * Parses `ENCRYPTION_KEYS` (`<id>:<base64 of 32 bytes>`, comma separated). The
 * active key defaults to the highest version; the minimum defaults to none.
 * Messages name keys by id only, never their material.
 */
export function parseKeyring(spec: string, activeKeyId?: string, minKeyId?: string): Keyring {
  const keys = new Map<string, EncryptionKey>();
  const versions = new Set<number>();
  for (const entry of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const sep = entry.indexOf(':');
    if (sep <= 0) {
      throw new CryptoError(
        CryptoErrorCode.KeyringInvalid,
        'ENCRYPTION_KEYS entries must look like <id>:<base64 of 32 bytes>; one entry has no id.',
      );
    }
    const id = entry.slice(0, sep);
    const version = keyVersion(id);
    const material = entry.slice(sep + 1);
    const key = Buffer.from(material, 'base64');
    if (key.length !== 32 || !/^[A-Za-z0-9+/]+={0,2}$/.test(material)) {
      throw new CryptoError(
        CryptoErrorCode.KeyringInvalid,
        `ENCRYPTION_KEYS: key ${id} must be exactly 32 bytes, base64 encoded (npm run cli -- keys:generate makes one).`,
      );
    }
    if (keys.has(id) || versions.has(version)) {
      throw new CryptoError(CryptoErrorCode.KeyringInvalid, `ENCRYPTION_KEYS: key version ${version} appears twice.`);
    }
    keys.set(id, { id, version, key });
    versions.add(version);
  }
  if (keys.size === 0) throw new CryptoError(CryptoErrorCode.KeyringInvalid, 'ENCRYPTION_KEYS holds no key.');

  const byVersion = [...keys.values()].sort((a, b) => b.version - a.version);
  const active = activeKeyId ? keys.get(activeKeyId) : byVersion[0];
  if (!active) {
    throw new CryptoError(
      CryptoErrorCode.KeyringInvalid,
      `ENCRYPTION_ACTIVE_KEY_ID names ${activeKeyId ?? ''}, which is not in ENCRYPTION_KEYS.`,
    );
  }
  const minVersion = minKeyId ? keyVersion(minKeyId) : 0;
  if (minVersion > active.version) {
    throw new CryptoError(
      CryptoErrorCode.KeyringInvalid,
      `ENCRYPTION_MIN_KEY_ID (${minKeyId ?? ''}) is newer than the active key ${active.id}: nothing could be encrypted.`,
    );
  }
  return { keys, active, minVersion };
}
