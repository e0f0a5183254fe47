-- Endpoints as deliveries and dispatch wake-ups need them (WebhookEndpointsRepository.targets), one
-- statement for many lookups: lookup k, scoped to tenant p_tenants[k] (row-level security), answers
-- that tenant's endpoint p_ids[k], or with p_ids[k] NULL its enabled endpoints. Secrets as stored
-- (sealed); the caller opens them.
CREATE OR REPLACE FUNCTION public.tenant_webhook_targets(p_tenants uuid[], p_ids uuid[])
 RETURNS TABLE(lookup integer, id uuid, url text, status text, secret text, previous_secret text, previous_secret_until timestamp with time zone)
 LANGUAGE plpgsql
AS $function$
  #variable_conflict use_column
  DECLARE
    n integer := coalesce(array_length(p_tenants, 1), 0);
    k integer;
  BEGIN
    FOR k IN 1 .. n LOOP
      PERFORM set_config('app.user_id', p_tenants[k]::text, true);
      RETURN QUERY
        SELECT k, w.id, w.url::text, w.status::text, w.secret, w.previous_secret, w.previous_secret_until
          FROM webhook_endpoints w
         WHERE w.user_id = p_tenants[k]
           AND CASE WHEN p_ids[k] IS NULL THEN w.status = 'enabled' ELSE w.id = p_ids[k] END;
    END LOOP;
  END $function$
