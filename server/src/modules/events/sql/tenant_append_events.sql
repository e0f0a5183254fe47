-- Appends events of many tenants in one statement (EventsRepository.append outside a caller's
-- transaction: the bot updates of a batch, the platform's events): event k is tenant p_tenants[k]'s.
-- Callers pass a tenant's events next to each other and in their order: each run of equal tenants is
-- one slice (tenant_slices), scoped to that tenant (row-level security) and appended by events_append,
-- the one appender. The tenants' event locks are taken first, in one order, so two calls with overlapping
-- tenants never wait on each other crosswise. Answers the events recorded, with their tenant.
CREATE OR REPLACE FUNCTION public.tenant_append_events(p_tenants uuid[], p_types text[], p_data jsonb[], p_keys text[])
 RETURNS TABLE(tenant_id uuid, id bigint, type text, data jsonb, created_at timestamp with time zone)
 LANGUAGE plpgsql
AS $function$
  #variable_conflict use_column
  DECLARE
    i integer;
    j integer;
    t uuid;
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('events:' || u.t::text, 0))
       FROM (SELECT DISTINCT x AS t FROM unnest(p_tenants) AS x ORDER BY 1) AS u;
    FOR t, i, j IN SELECT s.tenant, s.first_index, s.last_index FROM tenant_slices(p_tenants) AS s LOOP
      PERFORM set_config('app.user_id', t::text, true);
      RETURN QUERY
        SELECT t, a.id, a.type, a.data, a.created_at
          FROM events_append(t, p_types[i:j], p_data[i:j], p_keys[i:j]) AS a;
    END LOOP;
  END $function$
