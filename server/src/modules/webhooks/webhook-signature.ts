import { createHmac, randomBytes } from 'node:crypto';

/** Standard Webhooks secrets start with this; the rest is the key in base64. */
const SECRET_PREFIX = 'whsec_';

/** A new endpoint secret as Standard Webhooks writes them: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The Standard Webhooks headers of one delivery. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The HMAC key of a secret: its base64 part decoded (a secret without the prefix is all base64). */
const keyOf = (secret: string): Buffer =>
  Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');

/**
 * Signs a delivery with each secret (the current one first, then the previous one during a
 * rotation's overlap), as Standard Webhooks defines it: `v1,` and the base64 HMAC-SHA256 of
 * `id.timestamp.body`, computed by node:crypto, once per secret. The signatures are space-separated,
 * so a receiver holding either secret verifies it (webhook-signature.spec checks against the
 * `standardwebhooks` package). Written here rather than calling that package's `Webhook.sign`
 * because the package computes the HMAC in JavaScript, a cost paid on every delivery at the
 * worker's busiest path, where node:crypto's native HMAC gives the same bytes for less.
 */
export function signDelivery(secrets: readonly string[], id: string, at: Date, body: string): SignedHeaders {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signatures = secrets.map(
    (s) => `v1,${createHmac('sha256', keyOf(s)).update(`${id}.${timestamp}.`).update(body).digest('base64')}`,
  );
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
}
