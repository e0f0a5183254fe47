import { randomBytes } from 'node:crypto';
import {
  aesIge,
  authKeyIdOf,
  bigIntToBuffer,
  DH_G,
  DH_PRIME,
  dhPow,
  dhPowG,
  handshakeAesKeyIv,
  messageAesKeyIvV1,
  rsaOldDecrypt,
  rsaPadDecrypt,
  ServerRsaKey,
  sha1,
  stripLeadingZeros,
} from './crypto';
import { TlCodec, TlObject, TlReader } from './tl-codec';

/**
 * pq for the proof of work: a product of two primes below 2^63 (the client reads pq as a signed
 * 64-bit number). Its smaller factor is kept near 2^20 so the client's Pollard rho finishes in about
 * a millisecond: the sandbox has no use for the DoS cost real servers impose.
 */
const P = 1000003n;
const Q = 4398046511119n;
const PQ = P * Q;

export class HandshakeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HandshakeError';
  }
}

export interface NewAuthKey {
  key: Buffer;
  id: Buffer;
  /** The first server salt: new_nonce[0:8] XOR server_nonce[0:8], read as a little-endian long. */
  salt: bigint;
  /** Temporary keys (p_q_inner_data_temp*): unix time at which the key stops working. */
  expiresAt?: number;
  /** How the client encrypted p_q_inner_data. */
  innerEncryption: 'rsa_pad' | 'rsa_sha1';
}

/** Longest lifetime a temporary key may ask for; Telegram's clients ask for a day at most. */
const MAX_TEMP_KEY_SECONDS = 7 * 24 * 3600;

/** The p_q_inner_data variants a client may send, and whether each makes a temporary key. */
const INNER_DATA = new Map<string, { temp: boolean }>([
  ['p_q_inner_data', { temp: false }],
  ['p_q_inner_data_dc', { temp: false }],
  ['p_q_inner_data_temp', { temp: true }],
  ['p_q_inner_data_temp_dc', { temp: true }],
]);

const sameBytes = (a: unknown, b: Buffer): boolean => Buffer.isBuffer(a) && a.equals(b);

/**
 * One connection's key exchange (core.telegram.org/mtproto/auth_key): req_pq_multi → resPQ,
 * req_DH_params → server_DH_params_ok, set_client_DH_params → dh_gen_ok.
 */
export class Handshake {
  private nonce?: Buffer;
  private serverNonce?: Buffer;
  private newNonce?: Buffer;
  /** The server's secret DH exponent a. */
  private a?: Buffer;
  private aes?: { key: Buffer; iv: Buffer };
  private expiresIn?: number;
  private innerEncryption: NewAuthKey['innerEncryption'] = 'rsa_pad';

  constructor(
    private readonly codec: TlCodec,
    private readonly rsa: ServerRsaKey,
    private readonly isKeyIdTaken: (id: Buffer) => boolean,
  ) {}

  /** Answers one plain (unencrypted) request; `done` carries the new auth key after the last step. */
  handle(request: TlObject): { reply: TlObject; done?: NewAuthKey } {
    switch (request._) {
      case 'req_pq_multi':
      case 'req_pq':
        return { reply: this.resPq(request) };
      case 'req_DH_params':
        return { reply: this.dhParams(request) };
      case 'set_client_DH_params':
        return this.clientDhParams(request);
      default:
        throw new HandshakeError(`unexpected plain message ${request._}`);
    }
  }

  private resPq(req: TlObject): TlObject {
    if (!Buffer.isBuffer(req.nonce)) throw new HandshakeError('missing nonce');
    this.nonce = req.nonce;
    this.serverNonce = randomBytes(16);
    this.newNonce = undefined;
    this.a = undefined;
    return {
      _: 'resPQ',
      nonce: this.nonce,
      server_nonce: this.serverNonce,
      pq: bigIntToBuffer(PQ),
      server_public_key_fingerprints: [this.rsa.fingerprintValue],
    };
  }

  private checkNonces(req: TlObject): { nonce: Buffer; serverNonce: Buffer } {
    const { nonce, serverNonce } = this;
    if (!nonce || !serverNonce || !sameBytes(req.nonce, nonce) || !sameBytes(req.server_nonce, serverNonce)) {
      throw new HandshakeError('nonce mismatch');
    }
    return { nonce, serverNonce };
  }

  private dhParams(req: TlObject): TlObject {
    const { nonce, serverNonce } = this.checkNonces(req);
    if (!sameBytes(req.p, bigIntToBuffer(P)) || !sameBytes(req.q, bigIntToBuffer(Q)))
      throw new HandshakeError('wrong p/q');
    if (req.public_key_fingerprint !== this.rsa.fingerprintValue) throw new HandshakeError('unknown key fingerprint');
    if (!Buffer.isBuffer(req.encrypted_data)) throw new HandshakeError('missing encrypted data');
    const inner = this.decryptInnerData(req.encrypted_data);
    const variant = INNER_DATA.get(inner._);
    if (!variant) throw new HandshakeError('expected p_q_inner_data');
    if (!sameBytes(inner.nonce, nonce) || !sameBytes(inner.server_nonce, serverNonce)) {
      throw new HandshakeError('inner nonce mismatch');
    }
    if (!sameBytes(inner.pq, bigIntToBuffer(PQ))) throw new HandshakeError('inner pq mismatch');
    if (!Buffer.isBuffer(inner.new_nonce)) throw new HandshakeError('missing new nonce');
    this.expiresIn = undefined;
    if (variant.temp) {
      const expiresIn = inner.expires_in;
      if (typeof expiresIn !== 'number' || expiresIn <= 0 || expiresIn > MAX_TEMP_KEY_SECONDS) {
        throw new HandshakeError('bad expires_in');
      }
      this.expiresIn = expiresIn;
    }
    this.newNonce = inner.new_nonce;
    this.aes = handshakeAesKeyIv(serverNonce, this.newNonce);
    this.a = randomBytes(256);
    const gA = dhPowG(this.a);
    const innerData = this.codec.encode({
      _: 'server_DH_inner_data',
      nonce,
      server_nonce: serverNonce,
      g: DH_G,
      dh_prime: DH_PRIME,
      g_a: stripLeadingZeros(gA),
      server_time: Math.floor(Date.now() / 1000),
    });
    const withHash = Buffer.concat([sha1(innerData), innerData]);
    const padded = Buffer.concat([withHash, randomBytes((16 - (withHash.length % 16)) % 16)]);
    return {
      _: 'server_DH_params_ok',
      nonce,
      server_nonce: serverNonce,
      encrypted_answer: aesIge(padded, this.aes.key, this.aes.iv, true),
    };
  }

  /**
   * Reads p_q_inner_data in either encryption Telegram accepts: RSA_PAD (current clients) or the
   * older raw RSA of sha1(data) + data + padding (Telethon v1, Pyrogram).
   */
  private decryptInnerData(encrypted: Buffer): TlObject {
    const padded = rsaPadDecrypt(this.rsa.privateKey, encrypted);
    if (padded) {
      this.innerEncryption = 'rsa_pad';
      return this.codec.readObject(new TlReader(padded));
    }
    const old = rsaOldDecrypt(this.rsa.privateKey, encrypted);
    if (!old) throw new HandshakeError('p_q_inner_data does not decrypt');
    const reader = new TlReader(old.rest);
    let inner: TlObject;
    try {
      inner = this.codec.readObject(reader);
    } catch {
      throw new HandshakeError('p_q_inner_data does not decrypt');
    }
    if (!sha1(old.rest.subarray(0, reader.offset)).equals(old.hash))
      throw new HandshakeError('p_q_inner_data hash mismatch');
    this.innerEncryption = 'rsa_sha1';
    return inner;
  }

  private clientDhParams(req: TlObject): { reply: TlObject; done?: NewAuthKey } {
    const { nonce, serverNonce } = this.checkNonces(req);
    const { aes, a, newNonce } = this;
    if (!aes || !a || !newNonce) throw new HandshakeError('set_client_DH_params before req_DH_params');
    if (!Buffer.isBuffer(req.encrypted_data) || req.encrypted_data.length % 16 !== 0) {
      throw new HandshakeError('bad encrypted data');
    }
    const plain = aesIge(req.encrypted_data, aes.key, aes.iv, false);
    const reader = new TlReader(plain.subarray(20));
    const inner = this.codec.readObject(reader);
    if (!sha1(plain.subarray(20, 20 + reader.offset)).equals(plain.subarray(0, 20))) {
      throw new HandshakeError('client DH inner data hash mismatch');
    }
    if (
      inner._ !== 'client_DH_inner_data' ||
      !sameBytes(inner.nonce, nonce) ||
      !sameBytes(inner.server_nonce, serverNonce)
    ) {
      throw new HandshakeError('bad client DH inner data');
    }
    if (!Buffer.isBuffer(inner.g_b)) throw new HandshakeError('missing g_b');
    let secret: Buffer;
    try {
      secret = dhPow(inner.g_b, a);
    } catch {
      throw new HandshakeError('g_b out of range');
    }
    // The client drops leading zero bytes of g^ab; a server that kept them would disagree on ~1 key in 256.
    const key = Buffer.from(stripLeadingZeros(secret));
    const id = authKeyIdOf(key);
    const auxHash = sha1(key).subarray(0, 8);
    if (this.isKeyIdTaken(id)) {
      return {
        reply: {
          _: 'dh_gen_retry',
          nonce,
          server_nonce: serverNonce,
          new_nonce_hash2: sha1(newNonce, Buffer.from([2]), auxHash).subarray(4, 20),
        },
      };
    }
    this.a = undefined;
    this.aes = undefined;
    return {
      reply: {
        _: 'dh_gen_ok',
        nonce,
        server_nonce: serverNonce,
        new_nonce_hash1: sha1(newNonce, Buffer.from([1]), auxHash).subarray(4, 20),
      },
      done: {
        key,
        id,
        salt: firstServerSalt(newNonce, serverNonce),
        expiresAt: this.expiresIn === undefined ? undefined : Math.floor(Date.now() / 1000) + this.expiresIn,
        innerEncryption: this.innerEncryption,
      },
    };
  }
}

/** The first server salt of a new key (core.telegram.org/mtproto/auth_key, step 9). */
export function firstServerSalt(newNonce: Buffer, serverNonce: Buffer): bigint {
  const salt = Buffer.alloc(8);
  for (let i = 0; i < 8; i++) salt[i] = (newNonce[i] ?? 0) ^ (serverNonce[i] ?? 0);
  return salt.readBigInt64LE();
}

/** What auth.bindTempAuthKey carries, and what the encrypted message inside it must match. */
export interface BindRequest {
  permAuthKeyId: bigint;
  nonce: bigint;
  expiresAt: number;
  encryptedMessage: Buffer;
  /** msg_id of the auth.bindTempAuthKey message itself. */
  msgId: bigint;
  /** The temporary key the request came on, and the session it came in. */
  tempAuthKeyId: bigint;
  tempSessionId: bigint;
}

/**
 * Checks the bind message of auth.bindTempAuthKey (core.telegram.org/method/auth.bindTempAuthKey):
 * bind_auth_key_inner encrypted MTProto 1.0-style with the permanent key, whose msg_id is the bind
 * request's, and whose fields repeat the request and name this temporary key and session.
 * Returns the rpc error message to answer, or undefined when the binding is valid.
 */
export function checkBindMessage(codec: TlCodec, permKey: Buffer, req: BindRequest): string | undefined {
  const em = req.encryptedMessage;
  if (em.length < 24 + 16 || (em.length - 24) % 16 !== 0) return 'ENCRYPTED_MESSAGE_INVALID';
  if (!authKeyIdOf(permKey).equals(em.subarray(0, 8))) return 'ENCRYPTED_MESSAGE_INVALID';
  const msgKey = em.subarray(8, 24);
  const { key, iv } = messageAesKeyIvV1(permKey, msgKey, 0);
  const plain = aesIge(em.subarray(24), key, iv, false);
  const r = new TlReader(plain);
  r.raw(16); // random, in place of salt and session_id
  const msgId = r.long();
  const seqNo = r.int();
  const length = r.int();
  if (length !== 40 || plain.length < 32 + length) return 'ENCRYPTED_MESSAGE_INVALID';
  if (
    !sha1(plain.subarray(0, 32 + length))
      .subarray(4, 20)
      .equals(msgKey)
  )
    return 'ENCRYPTED_MESSAGE_INVALID';
  let inner: TlObject;
  try {
    inner = codec.readObject(new TlReader(plain.subarray(32, 32 + length)));
  } catch {
    return 'ENCRYPTED_MESSAGE_INVALID';
  }
  if (
    msgId !== req.msgId ||
    seqNo !== 0 ||
    inner._ !== 'bind_auth_key_inner' ||
    inner.nonce !== req.nonce ||
    inner.perm_auth_key_id !== req.permAuthKeyId ||
    inner.temp_auth_key_id !== req.tempAuthKeyId ||
    inner.temp_session_id !== req.tempSessionId ||
    inner.expires_at !== req.expiresAt
  ) {
    return 'ENCRYPTED_MESSAGE_INVALID';
  }
  return undefined;
}
