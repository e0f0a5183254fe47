import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { bigIntToBuffer, bufferToBigInt, DH_G, DH_PRIME, dhPow, dhPowG, modPow, sha256 } from './crypto';

const pbkdf2Async = promisify(pbkdf2);
const P = bufferToBigInt(DH_PRIME);
const G = BigInt(DH_G);
const pad256 = (n: bigint): Buffer => bigIntToBuffer(n, 256);
/** Telegram's SRP multiplier k = H(p | pad(g)). */
const K = bufferToBigInt(sha256(DH_PRIME, pad256(G)));
const MIN_SAFE_BITS = 2048n - 64n;

/** The public half of a stored 2FA password: what account.getPassword reveals about it. */
export interface SrpVerifier {
  salt1: Buffer;
  salt2: Buffer;
  /** v = g^x mod p. */
  v: bigint;
}

/**
 * x = PH2(password, salt1, salt2) for the algorithm
 * passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow (core.telegram.org/api/srp).
 */
export async function passwordHash(password: string, salt1: Buffer, salt2: Buffer): Promise<Buffer> {
  const sh = (data: Buffer, salt: Buffer): Buffer => sha256(salt, data, salt);
  const ph1 = sh(sh(Buffer.from(password, 'utf8'), salt1), salt2);
  const slow = await pbkdf2Async(ph1, salt1, 100000, 64, 'sha512');
  return sh(slow, salt2);
}

export async function createVerifier(password: string): Promise<SrpVerifier> {
  const salt1 = randomBytes(40);
  const salt2 = randomBytes(16);
  const x = bufferToBigInt(await passwordHash(password, salt1, salt2));
  return { salt1, salt2, v: modPow(G, x, P) };
}

const isSafeModExp = (value: bigint): boolean =>
  value > 0n &&
  value < P &&
  BigInt(value.toString(2).length) >= MIN_SAFE_BITS &&
  BigInt((P - value).toString(2).length) >= MIN_SAFE_BITS;

/** One server-side SRP round: B is sent with account.getPassword, the proof checked by auth.checkPassword. */
export class SrpSession {
  readonly B: Buffer;
  /** The server's secret exponent b. */
  private readonly b: Buffer;

  constructor(
    readonly srpId: bigint,
    private readonly verifier: SrpVerifier,
  ) {
    let b: Buffer;
    let gb: bigint;
    do {
      b = randomBytes(256);
      gb = bufferToBigInt(dhPowG(b));
    } while (!isSafeModExp(gb));
    this.b = b;
    this.B = pad256((K * verifier.v + gb) % P);
  }

  /** True when M1 proves knowledge of the password for the client's A. */
  check(aBytes: Buffer, m1: Buffer): boolean {
    const A = bufferToBigInt(aBytes);
    if (A <= 0n || A >= P || m1.length !== 32) return false;
    const aPadded = pad256(A);
    const u = bufferToBigInt(sha256(aPadded, this.B));
    if (u === 0n) return false;
    const base = (A * modPow(this.verifier.v, u, P)) % P;
    if (base <= 1n || base >= P - 1n) return false;
    let S: bigint;
    try {
      S = bufferToBigInt(dhPow(pad256(base), this.b));
    } catch {
      return false;
    }
    const sessionKey = sha256(pad256(S));
    const pHash = sha256(DH_PRIME);
    const gHash = sha256(pad256(G));
    for (let i = 0; i < pHash.length; i++) pHash[i] = (pHash[i] ?? 0) ^ (gHash[i] ?? 0);
    const expected = sha256(
      pHash,
      sha256(this.verifier.salt1),
      sha256(this.verifier.salt2),
      aPadded,
      this.B,
      sessionKey,
    );
    return timingSafeEqual(expected, m1);
  }
}
