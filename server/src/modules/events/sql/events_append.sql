-- Appends a tenant's events in order (EventsRepository.append, and the send path's record in
-- tenant_record_sent): an event whose dedupe key the tenant used before, or earlier in the same call,
-- is skipped; answers those recorded. The per-tenant transaction lock comes first: ids come from one
-- sequence, which numbers in the order transactions ask, so a tenant's events are numbered and
-- committed one transaction at a time and a reader's cursor never passes an id still to commit.
-- Runs in the caller's tenant scope (row-level security on events and event_keys).
CREATE OR REPLACE FUNCTION public.events_append(p_tenant uuid, p_types text[], p_data jsonb[], p_keys text[])
 RETURNS TABLE(id bigint, type text, data jsonb, created_at timestamp with time zone)
 LANGUAGE plpgsql
AS $function$
  #variable_conflict use_column
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('events:' || p_tenant::text, 0));
    RETURN QUERY
      WITH fresh AS (
        INSERT INTO event_keys AS k (user_id, key)
        SELECT DISTINCT p_tenant, u.key FROM unnest(p_keys) AS u(key) WHERE u.key IS NOT NULL
        ON CONFLICT DO NOTHING
        RETURNING k.key
      ), picked AS (
        SELECT e.type, e.data, e.ord
          FROM unnest(p_types, p_data, p_keys) WITH ORDINALITY AS e(type, data, key, ord)
         WHERE e.key IS NULL
            OR (e.key IN (SELECT f.key FROM fresh f)
                AND e.ord = (SELECT min(o.ord) FROM unnest(p_keys) WITH ORDINALITY AS o(key, ord) WHERE o.key = e.key))
      )
      INSERT INTO events AS ev (user_id, type, data)
      SELECT p_tenant, picked.type, picked.data FROM picked ORDER BY picked.ord
      RETURNING ev.id, ev.type, ev.data, ev.created_at;
  END $function$
