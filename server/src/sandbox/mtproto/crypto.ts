import {
  constants,
  createCipheriv,
  createDiffieHellman,
  DiffieHellman,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  privateDecrypt,
} from 'node:crypto';
import { TlWriter } from './tl-codec';

/** Telegram's documented 2048-bit safe prime for DH and SRP (core.telegram.org/mtproto/auth_key), g = 3. */
export const DH_PRIME = Buffer.from(
  'c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f48198a0aa7c14058229493d22530f4dbfa336f6e0ac9251395' +
    '43aed44cce7c3720fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f642477fe96bb2a941d5bcd1d4ac8cc498807' +
    '08fa9b378e3c4f3a9060bee67cf9a4a4a695811051907e162753b56b0f6b410dba74d8a84b2a14b3144e0ef1284754fd17ed950d5965b4b9' +
    'dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f0d' +
    '8115f635b105ee2e4e15d04b2454bf6f4fadf034b10403119cd8e3b92fcc5b',
  'hex',
);
export const DH_G = 3;

let sharedDh: DiffieHellman | undefined;

/**
 * Native exponentiation modulo DH_PRIME. Building a DiffieHellman object checks the prime (about
 * half a second), so one object is reused and handed each exponent just before use; every call is
 * synchronous, so concurrent handshakes cannot interleave.
 */
function dhWith(exponent: Buffer): DiffieHellman {
  sharedDh ??= createDiffieHellman(DH_PRIME, Buffer.from([DH_G]));
  sharedDh.setPrivateKey(exponent);
  return sharedDh;
}

/** g^exponent mod p, 256 bytes big-endian. */
export const dhPowG = (exponent: Buffer): Buffer => dhWith(exponent).generateKeys();

/** base^exponent mod p, 256 bytes big-endian; throws when base is outside (1, p-1). */
export const dhPow = (base: Buffer, exponent: Buffer): Buffer => dhWith(exponent).computeSecret(base);

export const sha1 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
};

export const sha256 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

export const bufferToBigInt = (buf: Buffer): bigint => (buf.length === 0 ? 0n : BigInt(`0x${buf.toString('hex')}`));

/** Big-endian bytes, left-padded to `size` when given, else the minimal length. */
export function bigIntToBuffer(value: bigint, size?: number): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const raw = Buffer.from(hex, 'hex');
  if (size === undefined || raw.length === size) return raw;
  if (raw.length > size) throw new RangeError('number does not fit');
  return Buffer.concat([Buffer.alloc(size - raw.length), raw]);
}

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    e >>= 1n;
    b = (b * b) % mod;
  }
  return result;
}

/** Drops leading zero bytes, the way the client turns big integers into key material. */
export function stripLeadingZeros(buf: Buffer): Buffer {
  let i = 0;
  while (i < buf.length - 1 && buf[i] === 0) i++;
  return buf.subarray(i);
}

/** AES-256 in Infinite Garble Extension mode, as MTProto uses it (no padding). */
export function aesIge(data: Buffer, key: Buffer, iv: Buffer, encrypt: boolean): Buffer {
  if (data.length % 16 !== 0) throw new RangeError('AES-IGE data must be a multiple of 16 bytes');
  const cipher = encrypt ? createCipheriv('aes-256-ecb', key, null) : createDecipheriv('aes-256-ecb', key, null);
  cipher.setAutoPadding(false);
  const out = Buffer.alloc(data.length);
  // IGE chains both the previous plaintext and ciphertext blocks into each block.
  let prevX = Buffer.from(encrypt ? iv.subarray(16, 32) : iv.subarray(0, 16));
  let prevY = Buffer.from(encrypt ? iv.subarray(0, 16) : iv.subarray(16, 32));
  const block = Buffer.alloc(16);
  for (let off = 0; off < data.length; off += 16) {
    const x = data.subarray(off, off + 16);
    for (let i = 0; i < 16; i++) block[i] = (x[i] ?? 0) ^ (prevY[i] ?? 0);
    const y = cipher.update(block);
    for (let i = 0; i < 16; i++) out[off + i] = (y[i] ?? 0) ^ (prevX[i] ?? 0);
    prevX = Buffer.from(x);
    prevY = out.subarray(off, off + 16);
  }
  return out;
}

export interface ServerRsaKey {
  pem: string;
  /** Signed 64-bit fingerprint as a decimal string (the client's key-registry key). */
  fingerprint: string;
  fingerprintValue: bigint;
  privateKey: KeyObject;
}

export function rsaFingerprint(n: Buffer, e: Buffer): bigint {
  const w = new TlWriter().bytes(n).bytes(e);
  return sha1(w.toBuffer()).subarray(12, 20).readBigInt64LE();
}

/**
 * A fresh 2048-bit RSA key, as Telegram's servers hold one for the handshake. Keys whose fingerprint
 * has a zero top nibble are skipped: mtcute looks fingerprints up by their hex text without leading
 * zeros and would not find such a key (Telegram's own keys have none).
 */
export function generateServerRsaKey(): ServerRsaKey {
  for (;;) {
    const key = generateRsaKey();
    if (BigInt.asUintN(64, key.fingerprintValue) >> 60n !== 0n) return key;
  }
}

function generateRsaKey(): ServerRsaKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  return serverRsaKeyOf(privateKey);
}

/** The server key of a stored private key (PKCS#8 PEM, as {@link exportServerRsaKey} writes it). */
export function importServerRsaKey(privatePem: string): ServerRsaKey {
  const privateKey = createPrivateKey(privatePem);
  if (privateKey.asymmetricKeyType !== 'rsa' || privateKey.asymmetricKeyDetails?.modulusLength !== 2048) {
    throw new Error('not a 2048-bit RSA private key');
  }
  return serverRsaKeyOf(privateKey);
}

export function exportServerRsaKey(key: ServerRsaKey): string {
  return key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function serverRsaKeyOf(privateKey: KeyObject): ServerRsaKey {
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') throw new Error('RSA key without modulus');
  const fingerprintValue = rsaFingerprint(Buffer.from(jwk.n, 'base64url'), Buffer.from(jwk.e, 'base64url'));
  return {
    pem: publicKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    fingerprint: fingerprintValue.toString(),
    fingerprintValue,
    privateKey,
  };
}

/** Modulus and exponent of a PEM public key (PKCS#1 or SPKI). */
export function rsaPublicNumbers(pem: string): { n: bigint; e: bigint } {
  const jwk = createPublicKey(pem).export({ format: 'jwk' });
  if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') throw new Error('not an RSA public key');
  return { n: bufferToBigInt(Buffer.from(jwk.n, 'base64url')), e: bufferToBigInt(Buffer.from(jwk.e, 'base64url')) };
}

/**
 * Undoes the client's RSA_PAD encryption of p_q_inner_data (core.telegram.org/mtproto/auth_key, step 4).
 * Returns the 192 bytes of data_with_padding, or undefined when the hash does not match.
 */
export function rsaPadDecrypt(privateKey: KeyObject | string, encrypted: Buffer): Buffer | undefined {
  if (encrypted.length !== 256) return undefined;
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  let keyAesEncrypted: Buffer;
  try {
    keyAesEncrypted = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, encrypted);
  } catch {
    return undefined;
  }
  const tempKeyXor = keyAesEncrypted.subarray(0, 32);
  const aesEncrypted = keyAesEncrypted.subarray(32);
  const aesHash = sha256(aesEncrypted);
  const tempKey = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) tempKey[i] = (tempKeyXor[i] ?? 0) ^ (aesHash[i] ?? 0);
  const dataWithHash = aesIge(aesEncrypted, tempKey, Buffer.alloc(32), false);
  const dataWithPadding = Buffer.from(dataWithHash.subarray(0, 192)).reverse();
  const hash = dataWithHash.subarray(192, 224);
  if (!sha256(tempKey, dataWithPadding).equals(hash)) return undefined;
  return dataWithPadding;
}

/**
 * Undoes the older encryption of p_q_inner_data that Telethon v1 and Pyrogram still send: raw RSA over
 * sha1(data) + data + random padding to 255 bytes. Returns the 20-byte hash and what follows it (data
 * and padding); the caller checks the hash once it knows where the TL object ends.
 */
export function rsaOldDecrypt(
  privateKey: KeyObject | string,
  encrypted: Buffer,
): { hash: Buffer; rest: Buffer } | undefined {
  if (encrypted.length > 256 || encrypted.length < 32) return undefined;
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  let plain: Buffer;
  try {
    // Some clients drop the leading zero byte of the ciphertext; RSA works on the number.
    const padded = Buffer.concat([Buffer.alloc(256 - encrypted.length), encrypted]);
    plain = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, padded);
  } catch {
    return undefined;
  }
  // 255 bytes of plaintext read as a 256-byte number: the first byte is zero.
  if (plain[0] !== 0) return undefined;
  return { hash: plain.subarray(1, 21), rest: plain.subarray(21) };
}

/**
 * MTProto 1.0 message key derivation (sha1 based), still used for the encrypted bind_auth_key_inner
 * of auth.bindTempAuthKey; x = 0 for client→server.
 */
export function messageAesKeyIvV1(authKey: Buffer, msgKey: Buffer, x: 0 | 8): { key: Buffer; iv: Buffer } {
  const a = sha1(msgKey, authKey.subarray(x, x + 32));
  const b = sha1(authKey.subarray(32 + x, 48 + x), msgKey, authKey.subarray(48 + x, 64 + x));
  const c = sha1(authKey.subarray(64 + x, 96 + x), msgKey);
  const d = sha1(msgKey, authKey.subarray(96 + x, 128 + x));
  return {
    key: Buffer.concat([a.subarray(0, 8), b.subarray(8, 20), c.subarray(4, 16)]),
    iv: Buffer.concat([a.subarray(8, 20), b.subarray(0, 8), c.subarray(16, 20), d.subarray(0, 8)]),
  };
}

/** tmp_aes_key / tmp_aes_iv of the handshake, from server_nonce and new_nonce. */
export function handshakeAesKeyIv(serverNonce: Buffer, newNonce: Buffer): { key: Buffer; iv: Buffer } {
  const h1 = sha1(newNonce, serverNonce);
  const h2 = sha1(serverNonce, newNonce);
  const h3 = sha1(newNonce, newNonce);
  return {
    key: Buffer.concat([h1, h2.subarray(0, 12)]),
    iv: Buffer.concat([h2.subarray(12, 20), h3, newNonce.subarray(0, 4)]),
  };
}

/** MTProto 2.0 message key derivation; x = 0 for client→server, 8 for server→client. */
export function messageAesKeyIv(authKey: Buffer, msgKey: Buffer, x: 0 | 8): { key: Buffer; iv: Buffer } {
  const a = sha256(msgKey, authKey.subarray(x, x + 36));
  const b = sha256(authKey.subarray(40 + x, 76 + x), msgKey);
  return {
    key: Buffer.concat([a.subarray(0, 8), b.subarray(8, 24), a.subarray(24, 32)]),
    iv: Buffer.concat([b.subarray(0, 8), a.subarray(8, 24), b.subarray(24, 32)]),
  };
}

export function computeMsgKey(authKey: Buffer, plaintextWithPadding: Buffer, x: 0 | 8): Buffer {
  return sha256(authKey.subarray(88 + x, 120 + x), plaintextWithPadding).subarray(8, 24);
}

/**
 * The quick-ack token for a client message: the first 32 bits of msg_key_large (the hash the msg_key
 * is cut from), read little-endian, with the top bit set.
 */
export function quickAckToken(authKey: Buffer, plaintextWithPadding: Buffer): number {
  return (sha256(authKey.subarray(88, 120), plaintextWithPadding).readUInt32LE(0) | 0x80000000) >>> 0;
}

/** The 8-byte auth_key_id (lower 64 bits of sha1(auth_key)), as bytes on the wire. */
export const authKeyIdOf = (authKey: Buffer): Buffer => sha1(authKey).subarray(12, 20);
