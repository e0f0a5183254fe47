-- Frozen: tenant_append_events as committed before its source changed.
-- Never edit (its name is its fingerprint); the source is under server/src/modules.
CREATE OR REPLACE FUNCTION public.tenant_append_events(p_tenants uuid[], p_types text[], p_data jsonb[], p_keys text[])
 RETURNS TABLE(tenant_id uuid, id bigint, type text, data jsonb, created_at timestamp with time zone)
 LANGUAGE plpgsql
AS $function$
  #variable_conflict use_column
  DECLARE
    n integer := coalesce(array_length(p_tenants, 1), 0);
    i integer := 1;
    j integer;
    t uuid;
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('events:' || u.t::text, 0))
       FROM (SELECT DISTINCT x AS t FROM unnest(p_tenants) AS x ORDER BY 1) AS u;
    WHILE i <= n LOOP
      t := p_tenants[i];
      j := i;
      WHILE j < n AND p_tenants[j + 1] = t LOOP
        j := j + 1;
      END LOOP;
      PERFORM set_config('app.user_id', t::text, true);
      RETURN QUERY
        SELECT t, a.id, a.type, a.data, a.created_at
          FROM events_append(t, p_types[i:j], p_data[i:j], p_keys[i:j]) AS a;
      i := j + 1;
    END LOOP;
  END $function$
