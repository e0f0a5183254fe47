/**
 * What the logs must never carry. Field names are matched at any depth in plain
 * objects; strings are scrubbed of anything shaped like a bot token (telegraf
 * errors put the token in the request URL).
 */
export const REDACTED = '[redacted]';

const SECRET_KEY =
  /^(authorization|cookie|set-cookie|x-telegram-bot-api-secret-token|password|password_hash|new_password|verification_code|phone_code|bot_token|token|access_token|refresh_token|telegram_api_hash|api_hash|telegram_phone|phone|session|session_string|pending_session|webhook_secret|secret|secret_token|init_data|jwt_secret|encryption_keys|private_key)$/i;

const BOT_TOKEN_IN_TEXT = /\b(\d{3,12}):[A-Za-z0-9_-]{30,}\b/g;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) || (/(_token|_secret|_password|_hash)$/i.test(key) && !/^phone_code_hash$/i.test(key));
}

/**
 * Query parameters whose value is a credential or personal data even where the
 * same name in a JSON body would not be (`code` is a login or OAuth code,
 * `hash` a Telegram login hash). Any name isSecretKey knows is redacted too.
 */
const SECRET_QUERY_KEY =
  /^(code|hash|phone_code_hash|key|api_key|apikey|sig|signature|auth|jwt|otp|pin|tgwebappdata|telegram_phone|id_token|client_secret)$/i;

/** `name=value` after `?`, `&` or `;` in any text (a logged URL, an error message quoting one). */
const QUERY_PARAM = /([?&;])([^=&#?\s"'<>]{1,100})=([^&#\s"'<>]*)/g;

function decodedKey(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** Whether a query parameter of this name is never logged with its value. */
export function isSecretQueryKey(raw: string): boolean {
  const key = decodedKey(raw).trim();
  return isSecretKey(key) || SECRET_QUERY_KEY.test(key);
}

export function scrubText(text: string): string {
  return text
    .replace(BOT_TOKEN_IN_TEXT, `$1:${REDACTED}`)
    .replace(QUERY_PARAM, (whole, sep: string, key: string, value: string) =>
      value && isSecretQueryKey(key) ? `${sep}${key}=${REDACTED}` : whole,
    );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Deep copy with secret fields replaced; errors become plain objects first. */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const plain: Record<string, unknown> = {
      type: value.name,
      message: value.message,
      stack: value.stack,
    };
    for (const [k, v] of Object.entries(value)) plain[k] = v;
    return redactDeep(plain, depth + 1);
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null ? REDACTED : redactDeep(v, depth + 1);
  }
  return out;
}
