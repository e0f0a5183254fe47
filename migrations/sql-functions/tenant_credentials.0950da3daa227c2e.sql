-- Frozen: tenant_credentials as migrations before SqlFunctionsFromSource defined it, for down().
-- Never edit (its name is its fingerprint); the source is in server/src/modules.
CREATE OR REPLACE FUNCTION public.tenant_credentials(p_tenant uuid)
 RETURNS SETOF user_bot_credentials
 LANGUAGE plpgsql
AS $function$ BEGIN PERFORM set_config('app.user_id', p_tenant::text, true); RETURN QUERY SELECT * FROM "user_bot_credentials" WHERE "user_id" = p_tenant; END $function$
