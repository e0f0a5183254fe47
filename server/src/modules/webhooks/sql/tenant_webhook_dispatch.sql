-- Webhook dispatch (WebhookDispatcher.dispatch), one statement for many tenants: for each tenant of
-- p_tenants (each once, in one order, so two dispatches of overlapping tenants never wait on each
-- other crosswise), scoped to it (row-level security), its enabled endpoints are locked until the
-- commit, up to p_limit of its events after their lowest dispatch cursor are read, each endpoint's
-- first attempts are recorded for the events past its own cursor that it takes (its event types, all
-- when none; a ping only to the endpoint it names), and the cursors move to the last event read.
-- Answers one row per attempt recorded, with its event; a row without a delivery id says that tenant
-- has more events to read (p_limit of them were read).
CREATE OR REPLACE FUNCTION public.tenant_webhook_dispatch(p_tenants uuid[], p_limit integer)
 RETURNS TABLE(tenant_id uuid, delivery_id bigint, endpoint_id uuid, generation integer, event_id bigint, event_type text, event_data jsonb, event_created_at timestamp with time zone)
 LANGUAGE plpgsql
AS $function$
  #variable_conflict use_column
  DECLARE
    t uuid;
    ids uuid[];
    low bigint;
    last_id bigint;
    n integer;
  BEGIN
    FOR t IN SELECT DISTINCT x FROM unnest(p_tenants) AS x ORDER BY 1 LOOP
      PERFORM set_config('app.user_id', t::text, true);
      SELECT array_agg(l.id), min(l.dispatch_cursor) INTO ids, low
        FROM (SELECT w.id, w.dispatch_cursor FROM webhook_endpoints w
               WHERE w.user_id = t AND w.status = 'enabled' ORDER BY w.id FOR UPDATE) AS l;
      CONTINUE WHEN ids IS NULL;
      SELECT count(*), max(r.id) INTO n, last_id
        FROM (SELECT e.id FROM events e WHERE e.user_id = t AND e.id > low ORDER BY e.id LIMIT p_limit) AS r;
      CONTINUE WHEN n = 0;
      RETURN QUERY
        WITH ev AS MATERIALIZED (
          SELECT e.id, e.type, e.data, e.created_at FROM events e
           WHERE e.user_id = t AND e.id > low AND e.id <= last_id
        ), wanted AS (
          SELECT w.id AS endpoint_id, w.generation, ev.id AS event_id
            FROM webhook_endpoints w JOIN ev ON ev.id > w.dispatch_cursor
           WHERE w.id = ANY (ids) AND w.user_id = t
             AND CASE WHEN ev.type = 'ping' THEN ev.data ->> 'endpoint_id' = w.id::text
                      ELSE cardinality(w.event_types) = 0 OR ev.type = ANY (w.event_types) END
        ), moved AS (
          UPDATE webhook_endpoints w SET dispatch_cursor = GREATEST(w.dispatch_cursor, last_id)
           WHERE w.id = ANY (ids) AND w.user_id = t
        ), added AS (
          INSERT INTO webhook_deliveries AS d (user_id, endpoint_id, generation, event_id, attempt, next_attempt_at)
          SELECT t, wanted.endpoint_id, wanted.generation, wanted.event_id, 1, now()
            FROM wanted ORDER BY wanted.event_id, wanted.endpoint_id
          ON CONFLICT DO NOTHING
          RETURNING d.id, d.endpoint_id, d.generation, d.event_id
        )
        SELECT t, added.id, added.endpoint_id, added.generation, ev.id, ev.type, ev.data, ev.created_at
          FROM added JOIN ev ON ev.id = added.event_id
         ORDER BY ev.id, added.endpoint_id;
      IF n = p_limit THEN
        tenant_id := t;
        delivery_id := NULL;
        endpoint_id := NULL;
        generation := NULL;
        event_id := NULL;
        event_type := NULL;
        event_data := NULL;
        event_created_at := NULL;
        RETURN NEXT;
      END IF;
    END LOOP;
  END $function$
