-- The send path's claim (OutboxStore.claim): marks posts (p_ids[k] of tenant p_tenants[k]) as going
-- out now and answers the ids the caller won; a post claimed or cancelled meanwhile is not. Callers
-- pass a tenant's posts next to each other: each run of equal tenants is one slice (tenant_slices),
-- one set_config (row-level security scoped to that tenant before its rows are touched) and one
-- update found by primary key, and the update names the tenant too. A tenant whose posts are not next to each other
-- still gets them all, in more than one slice.
CREATE OR REPLACE FUNCTION public.tenant_claim_posts(p_tenants uuid[], p_ids uuid[])
 RETURNS SETOF uuid
 LANGUAGE plpgsql
AS $function$
  DECLARE
    i integer;
    j integer;
    t uuid;
  BEGIN
    FOR t, i, j IN SELECT s.tenant, s.first_index, s.last_index FROM tenant_slices(p_tenants) AS s LOOP
      PERFORM set_config('app.user_id', t::text, true);
      RETURN QUERY
        UPDATE posts p SET status = 'sending', attempts = p.attempts + 1, updated_at = now()
         WHERE p.id = ANY (p_ids[i:j]) AND p.user_id = t AND p.status = 'scheduled'
           AND p.telegram_message_id IS NULL
        RETURNING p.id;
    END LOOP;
  END $function$
