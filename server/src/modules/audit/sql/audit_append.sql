-- One audit event appended, as AuditService.event builds it (already sanitized: no secrets, no content),
-- for a module whose own statement records the change the event describes, so both commit together.
CREATE OR REPLACE FUNCTION public.audit_append(p_event jsonb)
 RETURNS void
 LANGUAGE sql
AS $function$
  INSERT INTO audit_events (actor_id, actor_role, tenant_id, action, target, ip, meta)
  VALUES ((p_event->>'actor_id')::uuid, p_event->>'actor_role', (p_event->>'tenant_id')::uuid, p_event->>'action',
          p_event->>'target', p_event->>'ip', coalesce(p_event->'meta', '{}'::jsonb))
$function$
