import { Algorithm, hash, verify } from '@node-rs/argon2';
import { TenantsError, TenantsErrorCode } from './tenants.errors';

export const MIN_PASSWORD_LENGTH = 10;

/** The rules a new password must meet; the message says what to change. */
export function assertAcceptablePassword(password: string, email: string | null): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new TenantsError(
      TenantsErrorCode.WeakPassword,
      `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`,
    );
  }
  if (email && password.trim().toLowerCase() === email.trim().toLowerCase()) {
    throw new TenantsError(TenantsErrorCode.WeakPassword, 'The password must not be the email address.');
  }
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: Algorithm.Argon2id });
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * Verified against when the email is unknown, so a login for a missing account
 * takes as long as one with a wrong password.
 */
export const DUMMY_PASSWORD_HASH = hashPassword('tenantgram-timing-equaliser');
