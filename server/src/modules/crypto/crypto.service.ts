import { Inject, Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config';
import { CryptoError, CryptoErrorCode } from './crypto.errors';
import { EncryptionKey, Keyring, keyVersion, parseKeyring } from './keyring';

/** Where a value lives: the ciphertext is bound to it and decrypts nowhere else. */
export interface CipherPlace {
  tenantId: string;
  table: string;
  column: string;
}

const FORMAT = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function associatedData(place: CipherPlace): Buffer {
  return Buffer.from(`tenant:${place.tenantId}|${place.table}.${place.column}`, 'utf8');
}

const describe = (p: CipherPlace): string => `${p.table}.${p.column} of tenant ${p.tenantId}`;

/**
 * AES-256-GCM envelopes: `v1:<key_id>:<base64 nonce|ciphertext|tag>`, a fresh
 * 96-bit nonce per value, associated data `tenant:<user_id>|<table>.<column>`.
 */
@Injectable()
export class CryptoService {
  readonly keyring: Keyring;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'encryption'>) {
    this.keyring = parseKeyring(config.encryption.keys, config.encryption.activeKeyId, config.encryption.minKeyId);
  }

  get activeKeyId(): string {
    return this.keyring.active.id;
  }

  encrypt(plaintext: string, place: CipherPlace): string {
    const { active } = this.keyring;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', active.key, nonce);
    cipher.setAAD(associatedData(place));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const sealed = Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
    return `${FORMAT}:${active.id}:${sealed}`;
  }

  decrypt(envelope: string, place: CipherPlace): string {
    const parts = envelope.split(':');
    const [format, keyId, data] = parts;
    if (parts.length !== 3 || format !== FORMAT || keyId === undefined || data === undefined) {
      throw new CryptoError(
        CryptoErrorCode.DecryptionFailed,
        `Cannot decrypt ${describe(place)}: the stored value is not a ${FORMAT}:<key_id>:<data> envelope.`,
      );
    }
    const key = this.keyFor(keyId, place);
    const raw = Buffer.from(data, 'base64');
    if (raw.length < NONCE_BYTES + TAG_BYTES) {
      throw new CryptoError(
        CryptoErrorCode.DecryptionFailed,
        `Cannot decrypt ${describe(place)}: the envelope is truncated.`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, raw.subarray(0, NONCE_BYTES));
      decipher.setAAD(associatedData(place));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new CryptoError(
        CryptoErrorCode.DecryptionFailed,
        `Cannot decrypt ${describe(place)}: the value was not encrypted for this tenant and column, or it was altered.`,
      );
    }
  }

  /** The key id an envelope names, without decrypting it. */
  keyIdOf(envelope: string): string | undefined {
    const parts = envelope.split(':');
    return parts.length === 3 && parts[0] === FORMAT ? parts[1] : undefined;
  }

  isUnderActiveKey(envelope: string): boolean {
    return this.keyIdOf(envelope) === this.keyring.active.id;
  }

  /** Re-encrypts under the active key; a value already there is returned as is. */
  rewrap(envelope: string, place: CipherPlace): string {
    if (this.isUnderActiveKey(envelope)) return envelope;
    return this.encrypt(this.decrypt(envelope, place), place);
  }

  private keyFor(id: string, place: CipherPlace): EncryptionKey {
    const key = this.keyring.keys.get(id);
    let version: number | undefined;
    try {
      version = keyVersion(id);
    } catch {
      version = undefined;
    }
    if (version !== undefined && version < this.keyring.minVersion) {
      throw new CryptoError(
        CryptoErrorCode.KeyRetired,
        `Cannot decrypt ${describe(place)}: it is under key ${id}, which is retired (ENCRYPTION_MIN_KEY_ID is newer). ` +
          'Run keys:rewrap with the old key still allowed, then raise the minimum.',
      );
    }
    if (!key) {
      throw new CryptoError(
        CryptoErrorCode.KeyUnknown,
        `Cannot decrypt ${describe(place)}: it is under key ${id}, which is not in ENCRYPTION_KEYS.`,
      );
    }
    return key;
  }
}
