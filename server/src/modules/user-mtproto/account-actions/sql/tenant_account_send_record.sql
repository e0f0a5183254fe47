-- A send's answer recorded in one statement (AccountSendsRepository.recordSent): Telegram's answer
-- kept for the key's repeats and the file let go (Telegram holds it now), and the send's audit event
-- (p_audit, as AuditService.event builds it) appended through audit_append in the same statement.
-- Answers the rows changed. Scoped to the one tenant in p_tenants, as tenant_account_send_claim is.
CREATE OR REPLACE FUNCTION public.tenant_account_send_record(p_tenants uuid[], p_key text, p_result jsonb, p_audit jsonb)
 RETURNS integer
 LANGUAGE plpgsql
AS $function$
  #variable_conflict use_column
  DECLARE
    t uuid := p_tenants[1];
    changed integer;
  BEGIN
    PERFORM set_config('app.user_id', t::text, true);
    UPDATE mtproto_account_sends s SET result = p_result, sent_at = now(), file_bytes = NULL
     WHERE s.user_id = t AND s.idempotency_key = p_key;
    GET DIAGNOSTICS changed = ROW_COUNT;
    IF p_audit IS NOT NULL THEN
      PERFORM audit_append(p_audit);
    END IF;
    RETURN changed;
  END $function$
