-- Frozen: tenant_claim_posts as committed before its source changed.
-- Never edit (its name is its fingerprint); the source is under server/src/modules.
CREATE OR REPLACE FUNCTION public.tenant_claim_posts(p_tenants uuid[], p_ids uuid[])
 RETURNS SETOF uuid
 LANGUAGE plpgsql
AS $function$
  DECLARE
    n integer := coalesce(array_length(p_tenants, 1), 0);
    i integer := 1;
    j integer;
    t uuid;
  BEGIN
    WHILE i <= n LOOP
      t := p_tenants[i];
      j := i;
      WHILE j < n AND p_tenants[j + 1] = t LOOP
        j := j + 1;
      END LOOP;
      PERFORM set_config('app.user_id', t::text, true);
      RETURN QUERY
        UPDATE posts p SET status = 'sending', attempts = p.attempts + 1, updated_at = now()
         WHERE p.id = ANY (p_ids[i:j]) AND p.user_id = t AND p.status = 'scheduled'
           AND p.telegram_message_id IS NULL
        RETURNING p.id;
      i := j + 1;
    END LOOP;
  END $function$
