-- The slices of a many-tenant statement's arguments: p_tenants[k] is the tenant of the statement's row k,
-- and each run of equal tenants next to each other is one slice, answered in order with its first and
-- last index. A tenant whose rows are not next to each other gets more than one slice. Callers scope
-- each slice to its tenant (set_config('app.user_id', ..., true)) before touching its rows, so
-- row-level security decides per tenant; this function only reads the array.
CREATE OR REPLACE FUNCTION public.tenant_slices(p_tenants uuid[])
 RETURNS TABLE(tenant uuid, first_index integer, last_index integer)
 LANGUAGE plpgsql
 IMMUTABLE
AS $function$
  DECLARE
    n integer := coalesce(array_length(p_tenants, 1), 0);
    i integer := 1;
    j integer;
  BEGIN
    WHILE i <= n LOOP
      j := i;
      WHILE j < n AND p_tenants[j + 1] = p_tenants[i] LOOP
        j := j + 1;
      END LOOP;
      tenant := p_tenants[i];
      first_index := i;
      last_index := j;
      RETURN NEXT;
      i := j + 1;
    END LOOP;
  END $function$
