import { constants, publicEncrypt, randomBytes } from 'node:crypto';
import { IGE } from 'telegram/crypto/IGE';
import { _serverKeys } from 'telegram/crypto/RSA';
import {
  aesIge,
  bigIntToBuffer,
  computeMsgKey,
  generateServerRsaKey,
  rsaFingerprint,
  rsaOldDecrypt,
  rsaPadDecrypt,
  sha1,
  rsaPublicNumbers,
  sha256,
  stripLeadingZeros,
} from './crypto';

describe('sandbox MTProto crypto', () => {
  it('encrypts and decrypts AES-IGE exactly like the client', () => {
    const key = randomBytes(32);
    const iv = randomBytes(32);
    const plain = randomBytes(16 * 7);
    const ours = aesIge(plain, key, iv, true);
    expect(ours.equals(new IGE(key, iv).encryptIge(plain))).toBe(true);
    expect(aesIge(ours, key, iv, false).equals(plain)).toBe(true);
  });

  it("computes Telegram's published key fingerprints", () => {
    // gramjs ships Telegram's production keys keyed by fingerprint: ours must agree for each.
    for (const [fingerprint, key] of _serverKeys) {
      const n = bigIntToBuffer(BigInt(key.n.toString()));
      const e = bigIntToBuffer(BigInt(key.e));
      expect(rsaFingerprint(n, e).toString()).toBe(fingerprint);
    }
  });

  it('publishes a 2048-bit key whose fingerprint matches its PEM', () => {
    const key = generateServerRsaKey();
    const { n, e } = rsaPublicNumbers(key.pem);
    expect(n.toString(2)).toHaveLength(2048);
    expect(rsaFingerprint(bigIntToBuffer(n), bigIntToBuffer(e)).toString()).toBe(key.fingerprint);
  });

  it('undoes RSA_PAD and rejects tampered data', () => {
    const key = generateServerRsaKey();
    const { n } = rsaPublicNumbers(key.pem);
    const data = randomBytes(192);
    let encrypted: Buffer | undefined;
    while (!encrypted) {
      const tempKey = randomBytes(32);
      const dataWithHash = Buffer.concat([Buffer.from(data).reverse(), sha256(tempKey, data)]);
      const aesEncrypted = aesIge(dataWithHash, tempKey, Buffer.alloc(32), true);
      const hash = sha256(aesEncrypted);
      const tempKeyXor = Buffer.from(tempKey.map((b, i) => b ^ (hash[i] ?? 0)));
      const block = Buffer.concat([tempKeyXor, aesEncrypted]);
      // As the client does: retry until the block is below the modulus.
      if (BigInt(`0x${block.toString('hex')}`) >= n) continue;
      encrypted = publicEncrypt({ key: key.pem, padding: constants.RSA_NO_PADDING }, block);
    }
    expect(rsaPadDecrypt(key.privateKey, encrypted)?.equals(data)).toBe(true);
    const tampered = Buffer.from(encrypted);
    tampered.writeUInt8(tampered.readUInt8(100) ^ 1, 100);
    expect(rsaPadDecrypt(key.privateKey, tampered)).toBeUndefined();
  });

  it('derives msg_key from the auth key slice for each direction', () => {
    const authKey = randomBytes(256);
    const plain = randomBytes(64);
    expect(computeMsgKey(authKey, plain, 0).equals(sha256(authKey.subarray(88, 120), plain).subarray(8, 24))).toBe(
      true,
    );
    expect(computeMsgKey(authKey, plain, 8).equals(sha256(authKey.subarray(96, 128), plain).subarray(8, 24))).toBe(
      true,
    );
  });

  it('drops leading zero bytes the way the client shortens g^ab', () => {
    expect(stripLeadingZeros(Buffer.from([0, 0, 5, 0])).equals(Buffer.from([5, 0]))).toBe(true);
    expect(stripLeadingZeros(Buffer.from([7, 1])).equals(Buffer.from([7, 1]))).toBe(true);
  });

  it('undoes the older p_q_inner_data encryption: raw RSA of sha1(data) + data + padding to 255 bytes', () => {
    const key = generateServerRsaKey();
    const data = randomBytes(96);
    const plain = Buffer.concat([Buffer.alloc(1), sha1(data), data, randomBytes(255 - 20 - data.length)]);
    const encrypted = publicEncrypt({ key: key.pem, padding: constants.RSA_NO_PADDING }, plain);
    const out = rsaOldDecrypt(key.privateKey, encrypted);
    expect(out?.hash.equals(sha1(data))).toBe(true);
    expect(out?.rest.subarray(0, data.length).equals(data)).toBe(true);
  });

  it('picks RSA keys whose fingerprint has a non-zero top nibble', () => {
    for (let i = 0; i < 3; i++) expect(BigInt.asUintN(64, generateServerRsaKey().fingerprintValue) >> 60n).not.toBe(0n);
  });
});
