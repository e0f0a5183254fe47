-- A send's idempotency key claimed in one statement (AccountSendsRepository.claim): the key's row is
-- written (with its file) if the key is new, else the row a previous request wrote is answered as it
-- is; `created` tells which. Scoped to the one tenant in p_tenants before any row is touched
-- (transaction-local app.user_id, as TenantDb.run does), so row-level security decides what it sees and
-- writes. Old keys are forgotten by the worker's sweep (AccountSendsRepository.forgetOlderThan).
-- Committed without waiting for its WAL to reach the disk (synchronous_commit off, this transaction
-- only; other sessions see the row at once): a claim lost to a database crash is harmless, because the
-- key's random_id is derived from the key and Telegram sends one message per random_id however often it
-- is asked. The answer (tenant_account_send_record) commits durably, and with it every earlier commit.
CREATE OR REPLACE FUNCTION public.tenant_account_send_claim(p_tenants uuid[], p_key text, p_random_id bigint, p_fingerprint text, p_file bytea, p_file_name text, p_mime_type text)
 RETURNS TABLE(id uuid, random_id bigint, fingerprint text, result jsonb, has_file boolean, created boolean)
 LANGUAGE plpgsql
AS $function$
  #variable_conflict use_column
  DECLARE
    t uuid := p_tenants[1];
  BEGIN
    PERFORM set_config('app.user_id', t::text, true);
    PERFORM set_config('synchronous_commit', 'off', true);
    RETURN QUERY
      INSERT INTO mtproto_account_sends AS s (user_id, idempotency_key, random_id, fingerprint, file_bytes, file_name, mime_type)
      VALUES (t, p_key, p_random_id, p_fingerprint, p_file, p_file_name, p_mime_type)
      ON CONFLICT (user_id, idempotency_key) DO NOTHING
      RETURNING s.id, s.random_id, s.fingerprint::text, s.result, s.file_bytes IS NOT NULL, true;
    IF FOUND THEN
      RETURN;
    END IF;
    RETURN QUERY
      SELECT s.id, s.random_id, s.fingerprint::text, s.result, s.file_bytes IS NOT NULL, false
        FROM mtproto_account_sends s
       WHERE s.user_id = t AND s.idempotency_key = p_key;
  END $function$
