-- Trigger function of audit_events: history that can be edited is not an audit trail, so every
-- UPDATE or DELETE of an audit event fails.
CREATE OR REPLACE FUNCTION public.audit_events_append_only()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $function$
