-- Frozen: tenant_account_send_claim as committed before its source changed.
-- Never edit (its name is its fingerprint); the source is under server/src/modules.
CREATE OR REPLACE FUNCTION public.tenant_account_send_claim(p_tenants uuid[], p_key text, p_random_id bigint, p_fingerprint text, p_file bytea, p_file_name text, p_mime_type text, p_keep_days integer)
 RETURNS TABLE(id uuid, random_id bigint, fingerprint text, result jsonb, has_file boolean, created boolean)
 LANGUAGE plpgsql
AS $function$
  #variable_conflict use_column
  DECLARE
    t uuid := p_tenants[1];
  BEGIN
    PERFORM set_config('app.user_id', t::text, true);
    RETURN QUERY
      INSERT INTO mtproto_account_sends AS s (user_id, idempotency_key, random_id, fingerprint, file_bytes, file_name, mime_type)
      VALUES (t, p_key, p_random_id, p_fingerprint, p_file, p_file_name, p_mime_type)
      ON CONFLICT (user_id, idempotency_key) DO NOTHING
      RETURNING s.id, s.random_id, s.fingerprint::text, s.result, s.file_bytes IS NOT NULL, true;
    IF FOUND THEN
      IF random() < 0.01 THEN
        DELETE FROM mtproto_account_sends s
         WHERE s.user_id = t AND s.created_at < now() - make_interval(days => p_keep_days);
      END IF;
      RETURN;
    END IF;
    RETURN QUERY
      SELECT s.id, s.random_id, s.fingerprint::text, s.result, s.file_bytes IS NOT NULL, false
        FROM mtproto_account_sends s
       WHERE s.user_id = t AND s.idempotency_key = p_key;
  END $function$
