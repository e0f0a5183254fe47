/**
 * Every encrypted column in the schema, by table. keys:rewrap walks exactly
 * these; a module that adds an encrypted column adds it here.
 */
export const ENCRYPTED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  user_bot_credentials: ['bot_token', 'telegram_api_hash', 'telegram_phone', 'session_string', 'webhook_secret'],
  mtproto_logins: ['phone', 'pending_session'],
};
