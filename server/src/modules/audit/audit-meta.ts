import { isSecretKey, redactDeep } from '../../common/logging/redaction';

const snake = (key: string): string => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/**
 * Meta as stored: secret-named fields (in either case style) are dropped, not
 * masked, and strings are scrubbed of anything shaped like a bot token.
 */
export function sanitizeAuditMeta(meta: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) {
    if (value === undefined || isSecretKey(key) || isSecretKey(snake(key))) continue;
    out[key] =
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? sanitizeAuditMeta(value as Record<string, unknown>)
        : redactDeep(value);
  }
  return out;
}
