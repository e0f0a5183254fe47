/**
 * Every encrypted column in the schema, by table. keys:rewrap walks exactly
 * these; a module that adds an encrypted column adds it here, and the module
 * owning a table registers its store with KeyRewrapService (encrypted-row-store.ts)
 * so the rewrap writes the table through it.
 */
export const ENCRYPTED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  user_bot_credentials: ['bot_token', 'telegram_api_hash', 'telegram_phone', 'session_string', 'webhook_secret'],
  mtproto_logins: ['phone', 'pending_session'],
  webhook_endpoints: ['secret', 'previous_secret'],
};
