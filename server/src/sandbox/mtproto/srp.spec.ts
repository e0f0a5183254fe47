import { Api } from 'telegram';
import { returnBigInt } from 'telegram/Helpers';
import { computeCheck } from 'telegram/Password';
import { DH_G, DH_PRIME } from './crypto';
import { createVerifier, SrpSession } from './srp';

describe('server-side SRP for 2FA', () => {
  async function clientProof(session: SrpSession, verifier: { salt1: Buffer; salt2: Buffer }, password: string) {
    const request = new Api.account.Password({
      hasPassword: true,
      currentAlgo: new Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow({
        salt1: verifier.salt1,
        salt2: verifier.salt2,
        g: DH_G,
        p: DH_PRIME,
      }),
      srp_B: session.B,
      srpId: returnBigInt(session.srpId.toString()),
      newAlgo: new Api.PasswordKdfAlgoUnknown(),
      newSecureAlgo: new Api.SecurePasswordKdfAlgoUnknown(),
      secureRandom: Buffer.alloc(32),
    });
    return computeCheck(request, password);
  }

  it("accepts the client's proof for the right password and rejects it for a wrong one", async () => {
    const verifier = await createVerifier('s3cret');
    const session = new SrpSession(42n, verifier);
    const right = await clientProof(session, verifier, 's3cret');
    expect(session.check(Buffer.from(right.A), Buffer.from(right.M1))).toBe(true);
    const wrong = await clientProof(session, verifier, 'guess');
    expect(session.check(Buffer.from(wrong.A), Buffer.from(wrong.M1))).toBe(false);
  });
});
