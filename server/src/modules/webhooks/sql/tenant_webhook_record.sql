-- Delivery outcomes (WebhooksService.recordOutcome, batched), one statement for many tenants: attempt
-- p_ids[k] of tenant p_tenants[k] ('succeeded', 'failed', or 'expired': its event is past the
-- retention, so it fails for good and not against the endpoint) gets its result if still pending (a
-- job run twice records nothing the second time); a failure with p_next_after[k] seconds records
-- when the next attempt is due and adds that attempt. Each endpoint's failure clock follows its last
-- outcome here: a success stops it, a failure starts it when not running. Callers pass a tenant's
-- attempts next to each other: each run of equal tenants is one slice (tenant_slices), scoped to that
-- tenant (row-level security). Answers one row per attempt recorded: the next attempt's id and due
-- time, and whether its endpoint is enabled and has been failing for p_disable_after seconds (to
-- disable now).
CREATE OR REPLACE FUNCTION public.tenant_webhook_record(p_tenants uuid[], p_ids bigint[], p_outcomes text[], p_status_codes integer[], p_durations integer[], p_errors text[], p_bodies text[], p_next_after integer[], p_disable_after integer)
 RETURNS TABLE(delivery_id bigint, next_id bigint, next_at timestamp with time zone, disable_due boolean)
 LANGUAGE plpgsql
AS $function$
  #variable_conflict use_column
  DECLARE
    i integer;
    j integer;
    t uuid;
  BEGIN
    FOR t, i, j IN SELECT s.tenant, s.first_index, s.last_index FROM tenant_slices(p_tenants) AS s LOOP
      PERFORM set_config('app.user_id', t::text, true);
      RETURN QUERY
        WITH r AS (
          SELECT * FROM unnest(p_ids[i:j], p_outcomes[i:j], p_status_codes[i:j], p_durations[i:j], p_errors[i:j],
                               p_bodies[i:j], p_next_after[i:j])
                 WITH ORDINALITY AS r(id, outcome, status_code, duration_ms, error, body, next_after, ord)
        ), done AS (
          UPDATE webhook_deliveries d
             SET status = CASE WHEN r.outcome = 'succeeded' THEN 'succeeded' ELSE 'failed' END,
                 status_code = r.status_code, duration_ms = r.duration_ms,
                 error = CASE WHEN r.outcome = 'succeeded' THEN NULL ELSE left(r.error, 1000) END,
                 response_body = left(r.body, 1024), delivered_at = now(),
                 next_attempt_at = CASE WHEN r.outcome = 'failed' AND r.next_after IS NOT NULL
                                        THEN now() + make_interval(secs => r.next_after) END
            FROM r
           WHERE d.user_id = t AND d.id = r.id AND d.status = 'pending'
          RETURNING d.id, d.endpoint_id, d.generation, d.event_id, d.attempt, d.next_attempt_at, r.outcome, r.ord
        ), added AS (
          INSERT INTO webhook_deliveries AS a (user_id, endpoint_id, generation, event_id, attempt, next_attempt_at)
          SELECT t, done.endpoint_id, done.generation, done.event_id, done.attempt + 1, done.next_attempt_at
            FROM done WHERE done.next_attempt_at IS NOT NULL
          ON CONFLICT DO NOTHING
          RETURNING a.id, a.endpoint_id, a.generation, a.event_id
        ), last_outcome AS (
          SELECT DISTINCT ON (done.endpoint_id) done.endpoint_id, done.outcome = 'succeeded' AS ok
            FROM done WHERE done.outcome <> 'expired'
           ORDER BY done.endpoint_id, done.ord DESC
        ), before AS (
          SELECT w.id, w.status, w.failing_since, o.ok
            FROM webhook_endpoints w JOIN last_outcome o ON o.endpoint_id = w.id
           WHERE w.user_id = t
        ), clock AS (
          UPDATE webhook_endpoints w
             SET failing_since = CASE WHEN b.ok THEN NULL ELSE now() END
            FROM before b
           WHERE w.id = b.id AND w.user_id = t AND (b.failing_since IS NULL) <> b.ok
        )
        SELECT done.id, added.id, CASE WHEN added.id IS NULL THEN NULL ELSE done.next_attempt_at END,
               coalesce(done.outcome = 'failed' AND before.ok IS FALSE AND before.status = 'enabled'
                 AND before.failing_since IS NOT NULL
                 AND now() - before.failing_since >= make_interval(secs => p_disable_after), false)
          FROM done
          LEFT JOIN added ON added.endpoint_id = done.endpoint_id AND added.generation = done.generation
                         AND added.event_id = done.event_id
          LEFT JOIN before ON before.id = done.endpoint_id
         ORDER BY done.ord;
    END LOOP;
  END $function$
