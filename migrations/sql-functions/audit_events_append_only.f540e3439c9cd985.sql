-- Frozen: audit_events_append_only as migrations before SqlFunctionsFromSource defined it, for down().
-- Never edit (its name is its fingerprint); the source is in server/src/modules.
CREATE OR REPLACE FUNCTION public.audit_events_append_only()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $function$
